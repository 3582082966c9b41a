/**
 * The receiver end to end in-process: bodies made by the official OTLP serializers are
 * POSTed to a real spanpulse on port 0 and the documents it stored are checked field by field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { makeSpans, manyEmptySpansProtobuf, otlpJson, otlpProtobuf, serverSpan } from '../../../support/otelSpans.js';
import { startTestSpanpulse, type TestSpanpulse } from '../../../support/spanpulse.js';
import { expectFieldCheckStored, fieldCheckSpans } from '../fieldCheck.js';
import { MAX_SPANS_PER_REQUEST } from '../../../../collector/receiver/otlphttp/maxSpansPerRequest.js';
import { floorHour, HOUR_MS as HOUR } from '../../../../collector/time/utcTime.js';

// Two hours ago, so every span is in the past and inside the raw retention.
// One clock read: two could straddle a millisecond and put hourStart 1 ms before the hour.
const hourStart = floorHour(new Date(Date.now() - 2 * HOUR)).getTime();
const window = { from: new Date(hourStart - 24 * HOUR), to: new Date(hourStart + 24 * HOUR) };

let sp: TestSpanpulse;
beforeAll(async () => {
  sp = await startTestSpanpulse();
});
afterAll(async () => {
  await sp?.stop();
});

async function decodeResponse(response: Response) {
  const bytes = new Uint8Array(await response.arrayBuffer());
  const json = response.headers.get('content-type') === 'application/json';
  return (json ? JsonTraceSerializer : ProtobufTraceSerializer).deserializeResponse(bytes);
}

describe.each([
  ['protobuf', 'application/x-protobuf', otlpProtobuf, false],
  ['protobuf+gzip', 'application/x-protobuf', otlpProtobuf, true],
  ['json', 'application/json', otlpJson, false],
  ['json+gzip', 'application/json', otlpJson, true],
] as const)('OTLP/HTTP %s', (label, contentType, serialize, gzip) => {
  const service = `svc-${label}`;
  it('stores requests, sessions, agents and rollups field by field', async () => {
    const spans = fieldCheckSpans(service, hourStart);
    const response = await sp.post(serialize(spans), { contentType, gzip });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(contentType);
    const decoded = await decodeResponse(response);
    expect(decoded.partialSuccess?.rejectedSpans ?? 0).toEqual(0);

    await expectFieldCheckStored(sp.store, service, spans, hourStart, window, async () => {
      expect((await sp.post(serialize(spans), { contentType, gzip })).status).toBe(200);
    });
  });
});

describe('bad input', () => {
  const service = 'svc-bad-input';
  const good = () => makeSpans([serverSpan({ service, route: '/ok', status: 200, startMs: hourStart + 10_000, durationMs: 3, sessionId: 's' })]);
  const snapshot = async () => ({
    requests: await sp.store.findRequests({ ...window, limit: 1000 }),
    rollups: await sp.store.findRollups({ period: 'hour', level: 'endpoint', ...window }),
    services: await sp.store.listServices(),
  });

  beforeAll(async () => {
    expect((await sp.post(otlpProtobuf(good()))).status).toBe(200);
  });

  const deep = (depth: number): Record<string, unknown> =>
    depth === 0 ? { stringValue: 'leaf' } : { kvlistValue: { values: [{ key: 'k', value: deep(depth - 1) }] } };
  const jsonWith = (mutate: (span: Record<string, any>) => void) => {
    const body = JSON.parse(otlpJson(good()).toString());
    mutate(body.resourceSpans[0].scopeSpans[0].spans[0]);
    return Buffer.from(JSON.stringify(body));
  };

  const refused: Array<[string, () => Buffer, { contentType?: string; gzip?: boolean; headers?: Record<string, string> }, number, RegExp]> = [
    ['invalid JSON', () => Buffer.from('{"resourceSpans": ['), { contentType: 'application/json' }, 400, /JSON/i],
    ['truncated protobuf', () => otlpProtobuf(good()).subarray(0, 40), {}, 400, /protobuf|truncated|invalid/i],
    ['garbage protobuf', () => Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), {}, 400, /./],
    ['wrong content type', () => otlpJson(good()), { contentType: 'text/plain' }, 415, /unsupported content type .*text\/plain/],
    ['unknown content encoding', () => otlpProtobuf(good()), { headers: { 'Content-Encoding': 'br' } }, 415, /br/],
    ['empty body', () => Buffer.alloc(0), {}, 400, /empty/],
    ['body over the limit', () => Buffer.alloc(21 * 1024 * 1024), {}, 413, /limit/],
    ['gzip bomb', () => Buffer.alloc(64 * 1024 * 1024), { gzip: true }, 413, /decompress|limit/],
    ['bad gzip data', () => Buffer.from('not gzip at all'), { headers: { 'Content-Encoding': 'gzip' } }, 400, /gzip/i],
    ['wrong types', () => Buffer.from('{"resourceSpans": {"a": 1}}'), { contentType: 'application/json' }, 400, /resourceSpans/],
    ['deeply nested attribute value', () => jsonWith((s) => s.attributes.push({ key: 'deep', value: deep(64) })),
      { contentType: 'application/json' }, 400, /deep|nest/i],
    // 200 001 bytes of protobuf (a ResourceSpans > ScopeSpans > 100 001 empty spans), a few KB gzip'd.
    ['too many spans (protobuf, gzip)', () => manyEmptySpansProtobuf(MAX_SPANS_PER_REQUEST + 1), { gzip: true }, 413, /more than 100000 spans/],
    ['too many spans (JSON)', () => manyEmptySpansJson(MAX_SPANS_PER_REQUEST + 1), { contentType: 'application/json' }, 413, /more than 100000 spans/],
  ];
  it.each(refused)('%s is refused with a clear message and changes nothing', async (_name, body, options, status, message) => {
    const before = await snapshot();
    const response = await sp.post(body(), options);
    expect(response.status).toBe(status);
    const text = await response.text();
    expect(text).toMatch(message);
    expect(await snapshot()).toEqual(before);
    expect((await sp.post(otlpProtobuf(good()))).status).toBe(200); // still serving
  });

  const partial: Array<[string, (span: Record<string, any>) => void, RegExp]> = [
    ['trace id of the wrong length', (s) => { s.traceId = 'abcd'; }, /traceId/],
    ['span id of the wrong length', (s) => { s.spanId = '00112233445566778899'; }, /spanId/],
    ['negative duration', (s) => { s.endTimeUnixNano = String(BigInt(s.startTimeUnixNano) - 1000n); }, /between 0 and 24 h/],
    ['absurd start time', (s) => { s.startTimeUnixNano = '5'; s.endTimeUnixNano = '6'; }, /plausible/],
  ];
  it.each(partial)('%s is a partial success naming the problem', async (_name, mutate, message) => {
    const before = await snapshot();
    const response = await sp.post(jsonWith(mutate), { contentType: 'application/json' });
    expect(response.status).toBe(200);
    const decoded = await decodeResponse(response);
    expect(Number(decoded.partialSuccess?.rejectedSpans)).toBe(1);
    expect(decoded.partialSuccess?.errorMessage).toMatch(message);
    expect(await snapshot()).toEqual(before);
  });

  it('__proto__ and constructor attribute keys and 10 000 attributes are plain data', async () => {
    const spans = makeSpans([{ ...serverSpan({ service, route: '/proto', status: 201, startMs: hourStart + 20_000, durationMs: 2 }) }]);
    const body = JSON.parse(otlpJson(spans).toString());
    const attributes = body.resourceSpans[0].scopeSpans[0].spans[0].attributes as unknown[];
    attributes.push({ key: '__proto__', value: { kvlistValue: { values: [{ key: 'polluted', value: { boolValue: true } }] } } });
    attributes.push({ key: 'constructor', value: { stringValue: 'x' } });
    for (let i = 0; i < 10_000; i++) attributes.push({ key: `attr.${i}`, value: { stringValue: 'v'.repeat(20) } });
    const response = await sp.post(Buffer.from(JSON.stringify(body)), { contentType: 'application/json' });
    expect(response.status).toBe(200);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    const stored = await sp.store.findRequests({ ...window, serviceName: service, limit: 100 });
    expect(stored.find((r) => r.endpoint === '/proto')).toMatchObject({ statusCode: 201 });
  });

  it('answers 404, 405 and a Status body in the request encoding', async () => {
    expect((await fetch(`${sp.otlpUrl}/v1/profiles`, { method: 'POST' })).status).toBe(404);
    const get = await fetch(`${sp.otlpUrl}/v1/traces`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const bad = await sp.post(Buffer.from('{'), { contentType: 'application/json' });
    expect(await bad.json()).toMatchObject({ code: 3, message: expect.any(String) });
  });
});

describe('ingest token', () => {
  let secured: TestSpanpulse;
  beforeAll(async () => {
    secured = await startTestSpanpulse({ env: { SPANPULSE_INGEST_TOKEN: 'tok-123' } });
  });
  afterAll(async () => {
    await secured?.stop();
  });
  const body = () => otlpProtobuf(makeSpans([serverSpan({ route: '/x', status: 200, startMs: hourStart, durationMs: 1 })]));

  it('401 without the bearer token, 200 with it', async () => {
    const before = (await secured.store.findRequests({ ...window, limit: 100 })).length;
    expect((await secured.post(body())).status).toBe(401);
    expect((await secured.post(body(), { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await secured.post(body(), { headers: { Authorization: 'Bearer tok-123' } })).status).toBe(200);
    expect(await secured.store.findRequests({ ...window, limit: 100 })).toHaveLength(before + 1);
  });

  // RFC 9110 §11.1: the scheme is case-insensitive; §11.4: one or more SP before the token.
  // The token is compared exactly.
  it.each([
    ['bearer tok-123', 200],
    ['BEARER tok-123', 200],
    ['bEaReR tok-123', 200],
    ['Bearer  tok-123', 200],
    ['Bearer    tok-123', 200],
    ['Bearer TOK-123', 401],
    ['Bearer tok-1234', 401],
    ['Bearer tok-12', 401],
    ['Bearertok-123', 401],
    ['Bearer\ttok-123', 401],
    ['Basic tok-123', 401],
    ['tok-123', 401],
    ['Bearer', 401],
  ])('Authorization: %j answers %i', async (authorization, status) => {
    const response = await secured.post(body(), { headers: { Authorization: authorization } });
    expect(response.status).toBe(status);
  });
});

/** An ExportTraceServiceRequest of `count` empty spans, written with protobuf tags by hand. */

function manyEmptySpansJson(count: number): Buffer {
  return Buffer.from(`{"resourceSpans":[{"scopeSpans":[{"spans":[${new Array(count).fill('{}').join(',')}]}]}]}`);
}
