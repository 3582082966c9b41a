/**
 * OTLP protobuf specifics: truncated, garbage and mismatched bodies answered with a 400 (and
 * nothing else, whatever the bytes), 64-bit edge values, field order and unknown fields as
 * protobuf allows them, and the nesting cap. Hand-built messages use protobufjs's Writer, an
 * encoder independent of ours.
 */
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { PipelineError } from '../../../../collector/errors.js';
import { decodeProtobufTraces } from '../../../../collector/receiver/otlphttp/decodeProtobufTraces.js';
import { MAX_ATTRIBUTE_DEPTH } from '../../../../collector/receiver/otlphttp/maxAttributeDepth.js';
import { caught, expectPermanent } from './expectPipelineError.js';
import { otlpProtobuf, recordSpans, variedSpans, withRawAttributes } from './sdkSpans.js';
import { seededRandom } from '../../../../bench/seededRandom.js';

type Writer = protobuf.Writer;
const LEN = 2;
const VARINT = 0;
const I64 = 1;

const tag = (writer: Writer, field: number, wireType: number) => writer.uint32(((field << 3) | wireType) >>> 0);
/** Writes a length-delimited sub-message filled by `fill`. */
function message(writer: Writer, field: number, fill: (writer: Writer) => void): Writer {
  tag(writer, field, LEN).fork();
  fill(writer);
  return writer.ldelim();
}
const finish = (fill: (writer: Writer) => void) => {
  const writer = protobuf.Writer.create();
  fill(writer);
  return Buffer.from(writer.finish());
};
/** ExportTraceServiceRequest { resource_spans { scope_spans { spans { ... } } } } */
const oneSpan = (fill: (writer: Writer) => void) =>
  finish((w) => message(w, 1, (w) => message(w, 2, (w) => message(w, 2, fill))));
const intAttribute = (w: Writer, key: string, value: protobuf.Long | number) =>
  message(w, 9, (w) => {
    tag(w, 1, LEN).string(key);
    message(w, 2, (w) => tag(w, 3, VARINT).int64(value));
  });


describe('decodeProtobufTraces answers 400', () => {
  // One resource, so that no prefix ends on a message boundary and could be a valid request.
  const body = otlpProtobuf(variedSpans().filter((span) => span.resource.attributes['service.name'] === 'agent-api'));

  it('for every truncation of a real request', () => {
    for (let length = 1; length < body.length; length++) {
      expectPermanent(caught(() => decodeProtobufTraces(body.subarray(0, length))), 400, /^invalid protobuf ExportTraceServiceRequest: truncated/);
    }
  });

  it('for garbage such as JSON, HTML or text sent as protobuf', () => {
    for (const text of ['{"resourceSpans":[]}', '<html><body>Bad Gateway</body></html>', 'hello world']) {
      expectPermanent(caught(() => decodeProtobufTraces(Buffer.from(text))), 400, /^invalid protobuf ExportTraceServiceRequest: .* at byte \d+/);
    }
  });

  it('and only ever a 400, for random bytes and for randomly damaged requests', () => {
    const random = seededRandom(42);
    let rejected = 0;
    for (let round = 0; round < 3000; round++) {
      let input: Buffer;
      if (round % 2 === 0) {
        input = Buffer.from(Array.from({ length: 1 + Math.floor(random() * 200) }, () => Math.floor(random() * 256)));
      } else {
        input = Buffer.from(body);
        for (let flips = 1 + Math.floor(random() * 4); flips > 0; flips--) {
          input[Math.floor(random() * input.length)] = Math.floor(random() * 256);
        }
      }
      try {
        expect(Array.isArray(decodeProtobufTraces(input))).toBe(true);
      } catch (error) {
        expectPermanent(error, 400, /^invalid protobuf ExportTraceServiceRequest: /);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(1000);
  });

  it('for a known field sent with the wrong wire type', () => {
    expectPermanent(
      caught(() => decodeProtobufTraces(Buffer.from([0x08, 0x01]))),
      400,
      'ExportTraceServiceRequest field 1: wire type 0, expected 2 at byte 0',
    );
    const spanTimeAsString = oneSpan((w) => tag(w, 7, LEN).string('1700000000'));
    expectPermanent(
      caught(() => decodeProtobufTraces(spanTimeAsString)),
      400,
      'Span field 7: wire type 2, expected 1 at byte 6 (in resourceSpans[0].scopeSpans[0].spans[0])',
    );
  });

  it('naming the span being read', () => {
    const twoSpans = finish((w) =>
      message(w, 1, (w) =>
        message(w, 2, (w) => {
          message(w, 2, (w) => tag(w, 5, LEN).string('fine'));
          message(w, 2, (w) => tag(w, 6, 3)); // a start-group tag: not in OTLP
        }),
      ),
    );
    expectPermanent(caught(() => decodeProtobufTraces(twoSpans)), 400, /Span field 6: wire type 3, expected 0 .*\(in resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[1\]\)$/);
  });
});

describe('decodeProtobufTraces reads', () => {
  it('an empty body as a request without spans', () => {
    expect(decodeProtobufTraces(Buffer.alloc(0))).toEqual([]);
  });

  it('64-bit edge values: int64 sign and range, uint64 times, negative enums', () => {
    const { Long } = protobuf.util;
    const [span] = decodeProtobufTraces(
      oneSpan((w) => {
        tag(w, 1, LEN).bytes(Buffer.from('00ff', 'hex')); // ids of any length, as hex
        tag(w, 6, VARINT).int32(-1);
        tag(w, 7, I64).fixed64(0);
        tag(w, 8, I64).fixed64(new Long(-1, -1, true)); // 2^64 - 1
        intAttribute(w, 'minus.one', -1);
        intAttribute(w, 'min.safe', Number.MIN_SAFE_INTEGER);
        intAttribute(w, 'int64.min', new Long(0, 0x8000_0000, false));
        intAttribute(w, 'int64.max', new Long(-1, 0x7fff_ffff, false));
        intAttribute(w, 'two.pow.32', 2 ** 32);
        intAttribute(w, 'two.pow.32.minus.one', 2 ** 32 - 1);
      }),
    );
    expect(span!.traceId).toBe('00ff');
    expect(span!.kind).toBe(-1);
    expect(span!.startTimeUnixNano).toBe(0n);
    expect(span!.endTimeUnixNano).toBe(18_446_744_073_709_551_615n);
    expect(Object.fromEntries(span!.attributes)).toEqual({
      'minus.one': -1,
      'min.safe': Number.MIN_SAFE_INTEGER,
      'int64.min': -(2 ** 63),
      // Documented: int64 beyond ±2^53 is kept as the nearest number.
      'int64.max': 2 ** 63,
      'two.pow.32': 2 ** 32,
      'two.pow.32.minus.one': 2 ** 32 - 1,
    });
  });

  it('fields in any order, repeated status merged, unknown fields skipped', () => {
    const [span] = decodeProtobufTraces(
      finish((w) => {
        tag(w, 99, VARINT).uint32(7);
        message(w, 1, (w) => {
          message(w, 2, (w) => {
            message(w, 1, (w) => tag(w, 1, LEN).string('scope-name'));
            message(w, 2, (w) => {
              message(w, 15, (w) => tag(w, 3, VARINT).uint32(2));
              tag(w, 5, LEN).string('late name');
              tag(w, 42, LEN).bytes(Buffer.from('future'));
              message(w, 15, (w) => tag(w, 2, LEN).string('boom'));
              tag(w, 16, 5).fixed32(0x101);
            });
          });
          // The resource may follow the spans it applies to.
          message(w, 1, (w) =>
            message(w, 1, (w) => {
              tag(w, 1, LEN).string('service.name');
              message(w, 2, (w) => tag(w, 1, LEN).string('late-service'));
            }),
          );
        });
      }),
    );
    expect(span).toMatchObject({ name: 'late name', statusCode: 2, statusMessage: 'boom' });
    expect(span!.resource.get('service.name')).toBe('late-service');
  });
});

describe('decodeProtobufTraces nesting cap', () => {
  const nested = (levels: number): unknown => {
    let value: unknown = 'leaf';
    for (let i = 0; i < levels; i++) value = i % 2 === 0 ? [value] : { k: value };
    return value;
  };
  const bodyWith = (value: unknown) => {
    const [span] = recordSpans({ 'service.name': 'deep' }, (tracer) => tracer.startSpan('deep').end());
    return otlpProtobuf([withRawAttributes(span!, { deep: value })]);
  };

  it(`accepts ${MAX_ATTRIBUTE_DEPTH} levels of arrays and key-value lists`, () => {
    let value = decodeProtobufTraces(bodyWith(nested(MAX_ATTRIBUTE_DEPTH)))[0]!.attributes.get('deep');
    for (let i = MAX_ATTRIBUTE_DEPTH - 1; i >= 0; i--) {
      value = i % 2 === 0 ? (value as unknown[])[0] as never : (value as Map<string, never>).get('k');
    }
    expect(value).toBe('leaf');
  });

  it('answers 400 one level deeper, and for absurdly deep bodies', () => {
    expectPermanent(caught(() => decodeProtobufTraces(bodyWith(nested(MAX_ATTRIBUTE_DEPTH + 1)))), 400, /nested deeper than 16 levels/);
    const deep = oneSpan((w) =>
      message(w, 9, (w) => {
        tag(w, 1, LEN).string('deep');
        const open = (level: number): void => {
          if (level === 0) return void tag(w, 1, LEN).string('leaf');
          message(w, 5, (w) => message(w, 1, () => open(level - 1)));
        };
        message(w, 2, () => open(1000));
      }),
    );
    const error = caught(() => decodeProtobufTraces(deep));
    expect(error).toBeInstanceOf(PipelineError);
    expectPermanent(error, 400, /nested deeper than 16 levels/);
  });
});
