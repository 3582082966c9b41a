/**
 * End to end over OTLP/gRPC: a real NodeSDK app with the stock
 * `@opentelemetry/exporter-trace-otlp-grpc` exports to spanpulse's gRPC receiver, plain and
 * with `OTEL_EXPORTER_OTLP_COMPRESSION=gzip`, and the documents it produced are checked as in
 * the OTLP/HTTP end-to-end test, on the embedded store and on MongoDB.
 */
import { describe, expect, it } from 'vitest';
import { expectScenarioStored, onEachStore, runScenarioApp } from '../../sdkScenario.js';

onEachStore('sdkGrpcEndToEnd', (store, collector) => {
  describe.each(['none', 'gzip'])('NodeSDK exporting grpc, compression %s', (compression) => {
    const service = `e2e-${store}-grpc-${compression}`;
    it('produces sessions, agents, API metrics and rollups', async () => {
      const startedAt = new Date();
      const code = await runScenarioApp(collector().otlpGrpcUrl!, 'grpc', service, { OTEL_EXPORTER_OTLP_COMPRESSION: compression });
      expect(code).toBe(0);
      await expectScenarioStored(collector().store, service, startedAt);
      expect(collector().telemetry.toPrometheus()).toMatch(/^otelcol_receiver_accepted_spans_total\{receiver="otlp",transport="grpc"\} [1-9]/m);
    });
  });
});
