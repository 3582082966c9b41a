/**
 * An app that exports traces, metrics and logs to one OTEL_EXPORTER_OTLP_ENDPOINT, with the
 * NodeSDK's stock exporters over http/protobuf, http/json and grpc, runs without one export
 * error in its output: metrics and logs are answered with success (and counted), the span is
 * stored. A control run whose metrics go to a path spanpulse does not serve shows that such an
 * error would be seen.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAllSignalsApp } from '../../fixtures/runAllSignalsApp.js';
import { startTestSpanpulse, type TestSpanpulse } from '../../../support/spanpulse.js';

let sp: TestSpanpulse;
beforeAll(async () => {
  sp = await startTestSpanpulse();
});
afterAll(async () => {
  await sp?.stop();
});

const EXPORT_ERROR = /error|fail|unavailable|unimplemented|not retrying/i;

function counter(name: string, labels: string): number {
  return Number(new RegExp(`^${name}\\{${labels}\\} (\\d+)$`, 'm').exec(sp.telemetry.toPrometheus())?.[1] ?? NaN);
}

describe.each([
  ['http/protobuf', 'http'],
  ['http/json', 'http'],
  ['grpc', 'grpc'],
] as const)('NodeSDK exporting all signals as %s', (protocol, transport) => {
  it('prints no export error; the span is stored, metric points and log records are counted', async () => {
    const service = `all-signals-${protocol.replace('/', '-')}`;
    const points = counter('spanpulse_receiver_ignored_metric_points_total', `transport="${transport}"`);
    const records = counter('spanpulse_receiver_ignored_log_records_total', `transport="${transport}"`);
    const { code, output } = await runAllSignalsApp(service, transport === 'grpc' ? sp.otlpGrpcUrl! : sp.otlpUrl, protocol);
    expect(output).not.toMatch(EXPORT_ERROR);
    expect(output).toContain('shut down');
    expect(code).toBe(0);
    const [request] = await sp.recentRequests(service);
    expect(request).toMatchObject({ endpoint: '/api/ping', method: 'GET', statusCode: 200, serviceName: service });
    expect(counter('spanpulse_receiver_ignored_metric_points_total', `transport="${transport}"`)).toBeGreaterThan(points);
    expect(counter('spanpulse_receiver_ignored_log_records_total', `transport="${transport}"`)).toBeGreaterThan(records);
  });
});

it('control: metrics sent where spanpulse answers 404 show up as an export error in the same output', async () => {
  const { output } = await runAllSignalsApp('all-signals-control', sp.otlpUrl, 'http/protobuf', {
    OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${sp.otlpUrl}/v1/nowhere`,
  });
  expect(output).toMatch(EXPORT_ERROR);
});
