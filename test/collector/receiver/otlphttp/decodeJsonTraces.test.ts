/**
 * OTLP/JSON specifics: what the specification lets senders vary (field name style, id case,
 * enum names, 64-bit integers as numbers), bad input answered with a 400 that names the JSON
 * path, and attribute keys that must never reach an object prototype.
 */
import { describe, expect, it } from 'vitest';
import type { Span } from '../../../../collector/pdata/Span.js';
import { decodeJsonTraces } from '../../../../collector/receiver/otlphttp/decodeJsonTraces.js';
import { MAX_ATTRIBUTE_DEPTH } from '../../../../collector/receiver/otlphttp/maxAttributeDepth.js';
import { caught, expectPermanent } from './expectPipelineError.js';
import { otlpJson, variedSpans } from './sdkSpans.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const bySpanId = (a: Span, b: Span) => a.spanId.localeCompare(b.spanId);
const decode = (value: Json | string) => decodeJsonTraces(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)));
const officialBody = otlpJson(variedSpans()).toString();
const officialRequest = () => JSON.parse(officialBody) as Json;

/** A request with one resource and one scope holding `spans`. */
function request(spans: Json[], resourceAttributes: Json[] = []): Json {
  return { resourceSpans: [{ resource: { attributes: resourceAttributes }, scopeSpans: [{ spans }] }] };
}

function mapJson(value: Json, visit: (key: string, value: Json) => [string, Json]): Json {
  if (Array.isArray(value)) return value.map((item) => mapJson(item, visit));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => visit(key, mapJson(item, visit))));
}

const ENUM_NAMES: Record<string, string[]> = {
  kind: ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'],
  code: ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'],
};

describe('decodeJsonTraces accepts', () => {
  const canonical = decode(officialRequest()).sort(bySpanId);

  it('snake_case field names, upper-case hex ids and enum names, like the canonical form', () => {
    const varied = mapJson(officialRequest(), (key, value) => {
      if (/^(traceId|spanId|parentSpanId)$/.test(key) && typeof value === 'string') return [key, value.toUpperCase()];
      if (key in ENUM_NAMES && typeof value === 'number') return [key, ENUM_NAMES[key]![value]!];
      return [key, value];
    });
    const snake = mapJson(varied, (key, value) => [key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), value]);
    expect(JSON.stringify(snake)).toContain('"trace_id":"');
    expect(JSON.stringify(snake)).toContain('"SPAN_KIND_SERVER"');
    expect(decode(varied).sort(bySpanId)).toEqual(canonical);
    expect(decode(snake).sort(bySpanId)).toEqual(canonical);
  });

  it('64-bit integers as strings or numbers, proto3 JSON doubles and base64 bytes', () => {
    const [span] = decode(
      request([
        {
          traceId: '5B8EFFF798038103D269B633813FC60C',
          spanId: 'EEE19B7EC3C1B174',
          startTimeUnixNano: 1_700_000_000,
          endTimeUnixNano: '18446744073709551615',
          attributes: [
            { key: 'int.string', value: { intValue: '-9007199254740991' } },
            { key: 'int.number', value: { intValue: 12 } },
            { key: 'int.beyond_safe', value: { intValue: '9223372036854775807' } },
            { key: 'double.nan', value: { doubleValue: 'NaN' } },
            { key: 'double.inf', value: { doubleValue: '-Infinity' } },
            { key: 'double.string', value: { doubleValue: '2.5' } },
            { key: 'double.integral', value: { doubleValue: 3 } },
            { key: 'bytes.urlsafe', value: { bytesValue: '-_8' } },
            { key: 'empty', value: {} },
            { key: 'missing' },
          ],
        },
      ]),
    );
    expect(span!.traceId).toBe('5b8efff798038103d269b633813fc60c');
    expect(span!.spanId).toBe('eee19b7ec3c1b174');
    expect(span!.startTimeUnixNano).toBe(1_700_000_000n);
    expect(span!.endTimeUnixNano).toBe(18_446_744_073_709_551_615n);
    expect(Object.fromEntries(span!.attributes)).toEqual({
      'int.string': -9_007_199_254_740_991,
      'int.number': 12,
      // Documented: int64 beyond ±2^53 is kept as the nearest number.
      'int.beyond_safe': 9_223_372_036_854_775_807,
      'double.nan': NaN,
      'double.inf': -Infinity,
      'double.string': 2.5,
      'double.integral': 3,
      'bytes.urlsafe': '+/8=',
      empty: null,
      missing: null,
    });
  });

  it('unknown fields and nulls, which mean "not set"', () => {
    const [span] = decode(
      request([
        {
          traceId: 'aa'.repeat(16),
          spanId: 'bb'.repeat(8),
          parentSpanId: null,
          name: 'GET',
          kind: 2,
          startTimeUnixNano: '1',
          endTimeUnixNano: '2',
          status: null,
          futureField: { anything: [1, 2, 3] },
          flags: 257,
          events: [{ name: 'e', timeUnixNano: '1', attributes: [] }],
        },
      ]),
    );
    expect(span).toMatchObject({ parentSpanId: '', name: 'GET', kind: 2, statusCode: 0, statusMessage: '' });
    expect(decode({})).toEqual([]);
    expect(decode({ resourceSpans: [] })).toEqual([]);
  });

  it('unknown enum numbers, kept as they are', () => {
    const [span] = decode(request([{ kind: 9, status: { code: 7 } }]));
    expect(span).toMatchObject({ kind: 9, statusCode: 7 });
  });
});

describe('decodeJsonTraces keeps attribute keys as data', () => {
  it('never lets __proto__ or constructor keys touch a prototype', () => {
    const body = `{"resourceSpans":[{"resource":{"attributes":[
        {"key":"__proto__","value":{"kvlistValue":{"values":[{"key":"polluted","value":{"boolValue":true}}]}}}]},
      "__proto__":{"polluted":true},
      "scopeSpans":[{"spans":[{"traceId":"aa","__proto__":{"polluted":true},"attributes":[
        {"key":"__proto__","value":{"stringValue":"x"}},
        {"key":"constructor","value":{"kvlistValue":{"values":[
          {"key":"prototype","value":{"kvlistValue":{"values":[{"key":"polluted","value":{"boolValue":true}}]}}}]}}},
        {"key":"toString","value":{"intValue":"1"}}]}]}]}]}`;
    const [span] = decode(body);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(span!.attributes)).toBe(Map.prototype);
    expect(span!.attributes.get('__proto__')).toBe('x');
    expect(span!.attributes.get('toString')).toBe(1);
    const constructor = span!.attributes.get('constructor') as ReadonlyMap<string, unknown>;
    expect(constructor).toBeInstanceOf(Map);
    expect((constructor.get('prototype') as ReadonlyMap<string, unknown>).get('polluted')).toBe(true);
    expect(span!.resource.get('__proto__')).toEqual(new Map([['polluted', true]]));
    expect(`${{}}`).toBe('[object Object]');
  });
});

describe('decodeJsonTraces answers 400 with the JSON path', () => {
  const span = (fields: Record<string, Json>): Json => ({ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), ...fields });
  const cases: [string, Json | string, string | RegExp][] = [
    ['not JSON', '{"resourceSpans": [', /not valid JSON/],
    ['empty body', '', /not valid JSON/],
    ['a JSON array', '[]', 'request body: not a JSON object'],
    ['a JSON string', '"hello"', 'request body: not a JSON object'],
    ['resourceSpans not an array', { resourceSpans: {} }, 'resourceSpans: not an array'],
    ['a resourceSpans entry not an object', { resourceSpans: [7] }, 'resourceSpans[0]: not an object'],
    ['resource not an object', { resourceSpans: [{ resource: 'r' }] }, 'resourceSpans[0].resource: not an object'],
    ['scopeSpans not an array', { resourceSpans: [{ scopeSpans: 'x' }] }, 'resourceSpans[0].scopeSpans: not an array'],
    ['a span that is a string', request(['GET /']), 'resourceSpans[0].scopeSpans[0].spans[0]: not an object'],
    ['startTimeUnixNano "abc"', request([span({ startTimeUnixNano: 'abc' })]), 'spans[0].startTimeUnixNano: not an integer'],
    ['a fractional time', request([span({ endTimeUnixNano: 1.5 })]), 'spans[0].endTimeUnixNano: not an integer'],
    ['a negative time', request([span({ endTimeUnixNano: '-1' })]), 'spans[0].endTimeUnixNano: not an integer'],
    ['a time above uint64', request([span({ endTimeUnixNano: '18446744073709551616' })]), 'out of range for uint64'],
    ['a base64 trace id', request([span({ traceId: 'W47/95gDgQPSabYzgT/GDA==' })]), 'spans[0].traceId: not a hex string'],
    ['an odd-length span id', request([span({ spanId: 'abc' })]), 'spans[0].spanId: not a hex string'],
    ['a numeric id', request([span({ parentSpanId: 12 })]), 'spans[0].parentSpanId: not a hex string'],
    ['a name that is a number', request([span({ name: 5 })]), 'spans[0].name: not a string'],
    ['an unknown kind name', request([span({ kind: 'SPAN_KIND_BOSS' })]), 'spans[0].kind: unknown enum value "SPAN_KIND_BOSS"'],
    ['a fractional kind', request([span({ kind: 1.5 })]), 'spans[0].kind: not an enum value'],
    ['status not an object', request([span({ status: 2 })]), 'spans[0].status: not an object'],
    ['a status code name of the wrong enum', request([span({ status: { code: 'SPAN_KIND_SERVER' } })]), 'spans[0].status.code: unknown enum value'],
    ['attributes not an array', request([span({ attributes: { a: 1 } })]), 'spans[0].attributes: not an array'],
    ['an attribute that is a string', request([span({ attributes: ['a=1'] })]), 'spans[0].attributes[0]: not an object'],
    ['a numeric key', request([span({ attributes: [{ key: 1, value: {} }] })]), 'spans[0].attributes[0].key: not a string'],
    ['a value that is a bare string', request([span({ attributes: [{ key: 'a', value: 'b' }] })]), 'attributes[0].value: not an object'],
    ['stringValue a number', request([span({ attributes: [{ key: 'a', value: { stringValue: 1 } }] })]), 'attributes[0].value.stringValue: not a string'],
    ['boolValue a string', request([span({ attributes: [{ key: 'a', value: { boolValue: 'true' } }] })]), 'value.boolValue: not a boolean'],
    ['intValue "1.5"', request([span({ attributes: [{ key: 'a', value: { intValue: '1.5' } }] })]), 'value.intValue: not an integer'],
    ['intValue above int64', request([span({ attributes: [{ key: 'a', value: { intValue: '9223372036854775808' } }] })]), 'value.intValue: out of range for int64'],
    ['doubleValue "fast"', request([span({ attributes: [{ key: 'a', value: { doubleValue: 'fast' } }] })]), 'value.doubleValue: not a number'],
    ['bytesValue not base64', request([span({ attributes: [{ key: 'a', value: { bytesValue: 'not base64!' } }] })]), 'value.bytesValue: not base64'],
    ['arrayValue.values not an array', request([span({ attributes: [{ key: 'a', value: { arrayValue: { values: 1 } } }] })]), 'value.arrayValue.values: not an array'],
    ['a resource attribute of the wrong type', request([], [{ key: 'service.name', value: { stringValue: ['x'] } }]), 'resourceSpans[0].resource.attributes[0].value.stringValue: not a string'],
  ];

  it.each(cases)('%s', (_name, body, message) => {
    expectPermanent(caught(() => decode(body)), 400, message);
  });

  it('points at the span inside the right scope', () => {
    const good = span({ startTimeUnixNano: '1' });
    const body = {
      resourceSpans: [
        {
          scopeSpans: [
            { spans: [good] },
            { spans: [good, good, good, span({ startTimeUnixNano: 'abc' })] },
          ],
        },
      ],
    };
    expectPermanent(
      caught(() => decode(body)),
      400,
      'resourceSpans[0].scopeSpans[1].spans[3].startTimeUnixNano: not an integer',
    );
  });
});

describe('decodeJsonTraces nesting cap', () => {
  const nested = (levels: number, leaf: Json): Json => {
    let value: Json = leaf;
    for (let i = 0; i < levels; i++) {
      value = i % 2 === 0 ? { arrayValue: { values: [value] } } : { kvlistValue: { values: [{ key: 'k', value }] } };
    }
    return value;
  };
  const body = (levels: number) => request([{ attributes: [{ key: 'deep', value: nested(levels, { intValue: 1 }) }] }]);

  it(`accepts ${MAX_ATTRIBUTE_DEPTH} levels of arrays and key-value lists`, () => {
    let value = decode(body(MAX_ATTRIBUTE_DEPTH))[0]!.attributes.get('deep');
    for (let i = MAX_ATTRIBUTE_DEPTH - 1; i >= 0; i--) {
      value = i % 2 === 0 ? (value as unknown[])[0] as never : (value as Map<string, never>).get('k');
    }
    expect(value).toBe(1);
  });

  it('answers 400 one level deeper, and for absurdly deep bodies', () => {
    expectPermanent(caught(() => decode(body(MAX_ATTRIBUTE_DEPTH + 1))), 400, /nested deeper than 16 levels/);
    const deepValue = `${'{"arrayValue":{"values":['.repeat(5000)}{"intValue":1}${']}}'.repeat(5000)}`;
    const deep = `{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":"deep","value":${deepValue}}]}]}]}]}`;
    expectPermanent(caught(() => decode(deep)), 400, /spans\[0\]\.attributes\[0\]\.value(\.arrayValue\.values\[0\]){16}\.arrayValue: attribute value nested deeper than 16 levels/);
    const brackets = `{"resourceSpans":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expectPermanent(caught(() => decode(brackets)), 400, /resourceSpans\[0\]: not an object/);
  });
});
