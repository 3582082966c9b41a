/**
 * fast-check arbitraries of malformed and adversarial OTLP/HTTP trace requests, for the
 * receiver's fuzz test (and its long run, scripts/fuzz.sh): JSON and protobuf, gzip'd or not.
 * - JSON: text that is not JSON, JSON of the wrong shape, OTLP-shaped JSON whose fields take
 *   wrong types, invalid ids, absurd timestamps, huge strings, `__proto__` / `constructor`
 *   keys, attribute values nested far past the limit, arrays nested 100 000 deep;
 * - protobuf: random bytes, OTLP-shaped messages with wrong wire types, overlong varints and
 *   lengths past the end, messages nested thousands deep;
 * - mutations (truncation, byte flips, insertions, cut ranges, JSON values swapped) of valid
 *   bodies made by the official serializers (@opentelemetry/otlp-transformer);
 * - gzip: the body compressed, compressed then corrupted, or a bomb that inflates past the
 *   size limit; sometimes a Content-Encoding or Content-Type that does not match.
 */
import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { makeSpans, otlpJson, otlpProtobuf, serverSpan } from './otelSpans.js';

export interface FuzzCase {
  label: string;
  contentType: string;
  contentEncoding?: string;
  body: Buffer;
}

const hex = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: min, maxLength: max });
const hugeString = fc.integer({ min: 1000, max: 300_000 }).map((n) => 'x'.repeat(n));
const weirdString = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 6 },
  { arbitrary: fc.constantFrom('', '\u0000', '\u202e', '__proto__', 'constructor', '\ud800'), weight: 2 },
  { arbitrary: hugeString, weight: 1 },
);
const weirdNumber = fc.oneof(
  fc.double(), fc.integer(), fc.constantFrom(Number.MAX_VALUE, -1, 0, 1e300, Number.MAX_SAFE_INTEGER + 2),
);
const nanos = fc.oneof(
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.stringMatching(/^-?[0-9]{0,40}$/),
  weirdNumber,
  weirdString,
  fc.constant(String(BigInt(Date.now() - 60_000) * 1_000_000n)),
);
const id = (bytes: number) => fc.oneof(hex(bytes * 2, bytes * 2), hex(0, bytes * 4), fc.constant('0'.repeat(bytes * 2)), weirdString, weirdNumber, fc.base64String({ maxLength: 40 }));

/** Any JSON value, OTLP-shaped or not, with `__proto__` keys made own properties. */
const anyJson: fc.Arbitrary<unknown> = fc.oneof(fc.jsonValue({ maxDepth: 4 }), weirdString, weirdNumber, fc.constant(null));

const { anyValue } = fc.letrec<{ anyValue: unknown }>((tie) => ({
  anyValue: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ stringValue: fc.oneof(weirdString, weirdNumber) }),
    fc.record({ intValue: fc.oneof(nanos, weirdNumber) }),
    fc.record({ doubleValue: fc.oneof(weirdNumber, weirdString) }),
    fc.record({ boolValue: fc.oneof(fc.boolean(), weirdString) }),
    fc.record({ bytesValue: fc.oneof(fc.base64String({ maxLength: 64 }), weirdString) }),
    fc.record({ arrayValue: fc.record({ values: fc.array(tie('anyValue'), { maxLength: 3 }) }) }),
    fc.record({ kvlistValue: fc.record({ values: fc.array(fc.record({ key: weirdString, value: tie('anyValue') }), { maxLength: 3 }) }) }),
    anyJson,
  ),
}));

/** kvlistValue nested `depth` deep (the receiver refuses past 16). */
const deepValue = fc.integer({ min: 10, max: 300 }).map((depth) => {
  let value: unknown = { stringValue: 'leaf' };
  for (let i = 0; i < depth; i++) value = { kvlistValue: { values: [{ key: 'k', value }] } };
  return value;
});

const keyValue = fc.record({ key: weirdString, value: fc.oneof(anyValue, deepValue) }, { requiredKeys: [] });
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof(arb, anyJson);

const jsonSpan = fc.record({
  traceId: id(16), spanId: id(8), parentSpanId: id(8), name: weirdString, kind: fc.oneof(fc.integer({ min: -2, max: 9 }), weirdString),
  startTimeUnixNano: nanos, endTimeUnixNano: nanos, attributes: maybe(fc.array(keyValue, { maxLength: 4 })),
  status: maybe(fc.record({ code: fc.oneof(fc.integer({ min: -1, max: 5 }), weirdString), message: weirdString }, { requiredKeys: [] })),
  flags: weirdNumber,
}, { requiredKeys: [] });

const jsonRequest = fc.record({
  resourceSpans: maybe(fc.array(fc.record({
    resource: maybe(fc.record({ attributes: maybe(fc.array(keyValue, { maxLength: 3 })) }, { requiredKeys: [] })),
    scopeSpans: maybe(fc.array(fc.record({ scope: anyJson, spans: maybe(fc.array(jsonSpan, { maxLength: 4 })) }, { requiredKeys: [] }), { maxLength: 3 })),
  }, { requiredKeys: [] }), { maxLength: 3 })),
}, { requiredKeys: [] });

/** Makes `key` an own property of every object in `value` that has it set to `__proto__`'s value. */
function withProtoKeys(value: unknown, every: number): unknown {
  let n = 0;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    const copy: Record<string, unknown> = {};
    for (const [k, child] of Object.entries(v)) copy[k] = walk(child);
    if (n++ % every === 0) Object.defineProperty(copy, '__proto__', { value: { polluted: true, traceId: 'ab' }, enumerable: true });
    return copy;
  };
  return walk(value);
}

const json = (label: string, body: fc.Arbitrary<string | Buffer>) =>
  body.map((b): FuzzCase => ({ label, contentType: 'application/json', body: Buffer.from(b) }));

const jsonCases = fc.oneof(
  json('not JSON', fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.uint8Array({ maxLength: 200 }).map(Buffer.from))),
  json('JSON of another shape', anyJson.map((v) => JSON.stringify(v) ?? 'undefined')),
  json('OTLP-shaped JSON, wrong values', jsonRequest.map((v) => JSON.stringify(v))),
  json('__proto__ keys', fc.tuple(jsonRequest, fc.integer({ min: 1, max: 4 })).map(([v, every]) => JSON.stringify(withProtoKeys(v, every)))),
  json('deep arrays', fc.integer({ min: 1000, max: 100_000 }).map((depth) => `{"resourceSpans":${'['.repeat(depth)}${']'.repeat(depth)}}`)),
);

// Protobuf, written by hand so that wire types and lengths can be wrong.
const varint = (n: bigint): Buffer => {
  const out: number[] = [];
  let v = BigInt.asUintN(64, n);
  do {
    out.push(Number(v & 0x7fn) | (v > 0x7fn ? 0x80 : 0));
    v >>= 7n;
  } while (v > 0n);
  return Buffer.from(out);
};
const tag = (field: number, wireType: number) => varint(BigInt((field << 3) | wireType));
const ld = (field: number, ...parts: Uint8Array[]) => {
  const bytes = Buffer.concat(parts);
  return Buffer.concat([tag(field, 2), varint(BigInt(bytes.length)), bytes]);
};

/** A field as the schema says (`good`) or with a random wire type and payload. */
const field = (no: number, good: fc.Arbitrary<Buffer>) => fc.oneof(
  { arbitrary: good, weight: 3 },
  fc.tuple(fc.integer({ min: 0, max: 7 }), fc.uint8Array({ maxLength: 12 })).map(([wt, payload]) => Buffer.concat([tag(no, wt), payload])),
  fc.constant(Buffer.concat([tag(no, 0), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])])),
  fc.nat({ max: 2 ** 31 }).map((length) => Buffer.concat([tag(no, 2), varint(BigInt(length)), Buffer.from([1, 2, 3])])),
);
const bytesField = (no: number, size: number) => field(no, fc.oneof(
  fc.uint8Array({ minLength: size, maxLength: size }).map((b) => ld(no, b)),
  fc.uint8Array({ maxLength: size * 2 }).map((b) => ld(no, b)),
));
const fixed64 = (no: number) => field(no, fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((v) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return Buffer.concat([tag(no, 1), b]);
}));
const stringField = (no: number) => field(no, weirdString.map((s) => ld(no, Buffer.from(s))));
const protoKeyValue = fc.tuple(stringField(1), field(2, fc.oneof(
  stringField(1), field(3, fc.bigInt().map((v) => Buffer.concat([tag(3, 0), varint(v)]))), fixed64(4),
)).map((value) => ld(2, value))).map(([key, value]) => ld(9, key, value));
const protoSpan = fc.tuple(
  bytesField(1, 16), bytesField(2, 8), stringField(5), field(6, fc.bigInt({ min: -5n, max: 10n }).map((v) => Buffer.concat([tag(6, 0), varint(v)]))),
  fixed64(7), fixed64(8), fc.array(protoKeyValue, { maxLength: 3 }),
).map(([traceId, spanId, name, kind, start, end, attributes]) => Buffer.concat([traceId, spanId, name, kind, start, end, ...attributes]));
const protoRequest = fc.array(fc.array(protoSpan, { maxLength: 4 }), { maxLength: 3 })
  .map((scopes) => ld(1, ...scopes.map((spans) => ld(2, ...spans.map((span) => ld(2, span))))));
/** Length-delimited fields nested `depth` deep, built from the inside out. */
const deepProto = fc.integer({ min: 100, max: 5000 }).map((depth) => {
  const headers: Buffer[] = [];
  let length = 0;
  for (let i = 0; i < depth; i++) {
    const header = Buffer.concat([tag(i % 2 === 0 ? 1 : 2, 2), varint(BigInt(length))]);
    headers.push(header);
    length += header.length;
  }
  return Buffer.concat(headers.reverse());
});

const proto = (label: string, body: fc.Arbitrary<Uint8Array>) =>
  body.map((b): FuzzCase => ({ label, contentType: 'application/x-protobuf', body: Buffer.from(b) }));

const protoCases = fc.oneof(
  proto('random bytes', fc.uint8Array({ maxLength: 300 })),
  proto('OTLP-shaped protobuf, wrong wire types and values', protoRequest),
  proto('deep protobuf', deepProto),
);

// Mutations of valid bodies from the official serializers.
const validSpans = makeSpans([
  serverSpan({ service: 'fuzz-valid', route: '/a/:id', path: '/a/1', status: 200, startMs: Date.now() - 120_000, durationMs: 3, sessionId: 's', agent: 'bot' }),
  serverSpan({ service: 'fuzz-valid', route: '/b', status: 503, startMs: Date.now() - 110_000, durationMs: 9, userId: 'u', inputTokens: 5 }),
]);
const VALID = { json: otlpJson(validSpans), protobuf: otlpProtobuf(validSpans) };

type Mutation = (body: Buffer) => Buffer;
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.double({ min: 0, max: 1, noNaN: true }).map((at): Mutation => (b) => b.subarray(0, Math.floor(at * b.length))),
  fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })
    .map((flips): Mutation => (b) => {
      const copy = Buffer.from(b);
      for (const [at, byte] of flips) copy[Math.floor(at * (copy.length - 1))] = byte;
      return copy;
    }),
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.uint8Array({ minLength: 1, maxLength: 16 }))
    .map(([at, bytes]): Mutation => (b) => Buffer.concat([b.subarray(0, Math.floor(at * b.length)), bytes, b.subarray(Math.floor(at * b.length))])),
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }))
    .map(([a, b]): Mutation => (body) => {
      const [from, to] = [Math.floor(Math.min(a, b) * body.length), Math.floor(Math.max(a, b) * body.length)];
      return Buffer.concat([body.subarray(0, from), body.subarray(to)]);
    }),
);
/** Replaces the value at a random path of a valid JSON body with `replacement`. */
function replaceAt(body: Buffer, pick: number, replacement: unknown): Buffer {
  const root = JSON.parse(body.toString()) as unknown;
  const slots: Array<[Record<string, unknown> | unknown[], string | number]> = [];
  const walk = (v: unknown) => {
    if (v === null || typeof v !== 'object') return;
    for (const [k, child] of Object.entries(v)) {
      slots.push([v as Record<string, unknown>, Array.isArray(v) ? Number(k) : k]);
      walk(child);
    }
  };
  walk(root);
  const [parent, key] = slots[Math.floor(pick * slots.length)]!;
  (parent as Record<string | number, unknown>)[key] = replacement;
  return Buffer.from(JSON.stringify(root));
}

const mutatedCases = fc.oneof(
  fc.tuple(fc.constantFrom('json', 'protobuf') as fc.Arbitrary<'json' | 'protobuf'>, mutation).map(([format, mutate]): FuzzCase => ({
    label: `mutated valid ${format}`,
    contentType: format === 'json' ? 'application/json' : 'application/x-protobuf',
    body: mutate(VALID[format]),
  })),
  fc.tuple(fc.double({ min: 0, max: 0.999, noNaN: true }), fc.oneof(anyValue, weirdString, weirdNumber, nanos)).map(([pick, value]): FuzzCase => ({
    label: 'valid JSON with one value swapped',
    contentType: 'application/json',
    body: replaceAt(VALID.json, pick, value),
  })),
);

/** Zeros (or valid bodies over and over) that inflate past `limit` bytes from a few KiB. */
function bombs(limit: number): fc.Arbitrary<FuzzCase> {
  const zeros = gzipSync(Buffer.alloc(limit + 1));
  const repeated = gzipSync(Buffer.concat(Array(Math.ceil((limit + 1) / VALID.protobuf.length)).fill(VALID.protobuf)));
  return fc.constantFrom(['zeros', zeros] as const, ['repeated body', repeated] as const).map(([kind, body]): FuzzCase => ({
    label: `gzip bomb of ${kind}`, contentType: 'application/x-protobuf', contentEncoding: 'gzip', body,
  }));
}

/** How a case travels: as it is, gzip'd, gzip'd then corrupted, or with a mismatched header. */
const wrapping = fc.oneof(
  { arbitrary: fc.constant((c: FuzzCase) => c), weight: 4 },
  { arbitrary: fc.constant((c: FuzzCase): FuzzCase => ({ ...c, label: `${c.label}, gzip`, contentEncoding: 'gzip', body: gzipSync(c.body) })), weight: 3 },
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 255 })).map(([at, byte]) => (c: FuzzCase): FuzzCase => {
    const body = gzipSync(c.body);
    body[Math.floor(at * (body.length - 1))] = byte;
    return { ...c, label: `${c.label}, corrupted gzip`, contentEncoding: 'gzip', body };
  }),
  fc.constantFrom('br', 'deflate', 'gzip, gzip', 'identity', 'GZIP', '').map((encoding) => (c: FuzzCase): FuzzCase => ({ ...c, label: `${c.label}, Content-Encoding ${encoding}`, contentEncoding: encoding })),
  fc.constantFrom('application/json', 'application/x-protobuf', 'application/protobuf', 'text/plain', 'application/json; charset=utf-16', '')
    .map((contentType) => (c: FuzzCase): FuzzCase => ({ ...c, label: `${c.label}, Content-Type ${contentType || '(none)'}`, contentType })),
);

/** Every kind of adversarial request; `maxBodyBytes` is the receiver's limit, which the bombs pass. */
export function adversarialRequests(maxBodyBytes: number): fc.Arbitrary<FuzzCase> {
  return fc.tuple(
    fc.oneof({ arbitrary: jsonCases, weight: 4 }, { arbitrary: protoCases, weight: 4 }, { arbitrary: mutatedCases, weight: 4 }, { arbitrary: bombs(maxBodyBytes), weight: 1 }),
    wrapping,
  ).map(([c, wrap]) => (c.contentEncoding === undefined ? wrap(c) : c));
}
