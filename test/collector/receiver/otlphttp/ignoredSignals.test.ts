/**
 * POST /v1/metrics and /v1/logs on the OTLP/HTTP receiver: real bodies from the official
 * serializers, in both encodings and gzipped, get 200 with the empty Export*ServiceResponse in
 * the request's encoding (read back by the official deserializers), are counted in /metrics
 * and stored nowhere; bad bodies get 400 with a google.rpc.Status, the token is required as on
 * /v1/traces.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonLogsSerializer, JsonMetricsSerializer, ProtobufLogsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { LOG_RECORDS, METRIC_POINTS, otlpLogs, otlpMetrics } from '../../../support/otelSignals.js';
import { startTestSpanpulse, type TestSpanpulse } from '../../../support/spanpulse.js';
import { gzipSync } from 'node:zlib';

let sp: TestSpanpulse;
beforeAll(async () => {
  sp = await startTestSpanpulse({ env: { SPANPULSE_INGEST_TOKEN: 'tok' } });
});
afterAll(async () => {
  await sp?.stop();
});

const post = (path: string, body: Buffer, contentType: string, headers: Record<string, string> = { authorization: 'Bearer tok' }) =>
  fetch(`${sp.otlpUrl}${path}`, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body });

function counter(name: string): number {
  return Number(new RegExp(`^${name}\\{transport="http"\\} (\\d+)$`, 'm').exec(sp.telemetry.toPrometheus())?.[1]);
}

describe.each([
  ['/v1/metrics', otlpMetrics, METRIC_POINTS, 'spanpulse_receiver_ignored_metric_points_total', { json: JsonMetricsSerializer, protobuf: ProtobufMetricsSerializer }],
  ['/v1/logs', otlpLogs, LOG_RECORDS, 'spanpulse_receiver_ignored_log_records_total', { json: JsonLogsSerializer, protobuf: ProtobufLogsSerializer }],
] as const)('POST %s', (path, make, items, metric, serializers) => {
  it.each([
    ['protobuf', 'application/x-protobuf', false],
    ['protobuf+gzip', 'application/x-protobuf', true],
    ['json', 'application/json', false],
  ] as const)('%s: 200 with the empty response in the request encoding, counted, not stored', async (_label, contentType, gzip) => {
    const format = contentType === 'application/json' ? 'json' : 'protobuf';
    const body = await make(format);
    const before = counter(metric);
    const response = await post(path, gzip ? gzipSync(body) : body, contentType, { authorization: 'Bearer tok', ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(contentType);
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(serializers[format].deserializeResponse(bytes)).toEqual({});
    expect(counter(metric) - before).toBe(items);
    expect(await sp.store.listServices()).toEqual([]);
  });

  it('400 with a Status for a body that is not its request; 401 without the token', async () => {
    const truncated = (await make('protobuf')).subarray(0, 30);
    const bad = await post(path, truncated, 'application/x-protobuf');
    expect(bad.status).toBe(400);
    const json = await post(path, Buffer.from('{"resourceMetrics": 1, "resourceLogs": 1}'), 'application/json');
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ code: 3, message: expect.stringMatching(/^invalid JSON Export(Metrics|Logs)ServiceRequest: resource(Metrics|Logs): not an array$/) });
    expect((await post(path, await make('protobuf'), 'application/x-protobuf', {})).status).toBe(401);
  });
});
