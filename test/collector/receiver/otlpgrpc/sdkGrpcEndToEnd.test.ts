/**
 * End to end over OTLP/gRPC: a real NodeSDK app with the stock
 * `@opentelemetry/exporter-trace-otlp-grpc` exports to spanpulse's gRPC receiver, plain and
 * with `OTEL_EXPORTER_OTLP_COMPRESSION=gzip`, and the documents it produced are checked as in
 * the OTLP/HTTP end-to-end test, on the embedded store and on MongoDB.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSpanpulse, type TestSpanpulse } from '../../../support/spanpulse.js';
import { expectScenarioStored, runScenarioApp } from '../../sdkScenario.js';
import { dropDatabasesAfterAll, freshDatabase, mongodbUri, skipReason } from '../../store/mongodbSupport.js';

let sp: TestSpanpulse;
dropDatabasesAfterAll();
if (mongodbUri === null) console.warn(`[sdkGrpcEndToEnd on mongodb skipped] ${skipReason}`);

describe.each([
  ['sqlite', {}],
  ['mongodb', { mongoUri: mongodbUri ?? '' }],
] as const)('on %s', (store, options) => {
  beforeAll(async () => {
    if (store === 'mongodb' && mongodbUri === null) return;
    sp = await startTestSpanpulse(store === 'mongodb' ? { ...options, mongoDatabase: freshDatabase() } : {});
  });
  afterAll(async () => {
    await sp?.stop();
  });

  describe.skipIf(store === 'mongodb' && mongodbUri === null).each(['none', 'gzip'])('NodeSDK exporting grpc, compression %s', (compression) => {
    const service = `e2e-${store}-grpc-${compression}`;
    it('produces sessions, agents, API metrics and rollups', async () => {
      const startedAt = new Date();
      const code = await runScenarioApp(sp.otlpGrpcUrl!, 'grpc', service, { OTEL_EXPORTER_OTLP_COMPRESSION: compression });
      expect(code).toBe(0);
      await expectScenarioStored(sp.store, service, startedAt);
      expect(sp.telemetry.toPrometheus()).toMatch(/^otelcol_receiver_accepted_spans_total\{receiver="otlp",transport="grpc"\} [1-9]/m);
    });
  });
});
