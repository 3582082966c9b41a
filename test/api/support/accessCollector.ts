/**
 * The real collector in a child process with an API token from SPANPULSE_API_TOKEN (as the
 * shipped config reads it), logging at debug level so that anything it might log is in its
 * captured output, and a few requests of traffic so the pages and exports have rows.
 */
import { randomBytes } from 'node:crypto';
import { startCollectorProcess, type CollectorProcess } from '../../../bench/collectorProcess.js';
import { makeSpans, otlpProtobuf, serverSpan } from '../../support/otelSpans.js';

/** A token of the shape operators use (long, random); tests look for it in the logs. */
export const API_TOKEN = `sp-${randomBytes(24).toString('base64url')}`;

const YAML = `
receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}, grpc: {endpoint: ""}}}}
processors: {batch: {spool: {enabled: false}}}
service: {telemetry: {logs: {level: debug}}}
`;

/** Starts it with these extensions.status_api settings (the token is always set) and sends `requests` spans. */
export async function startAccessCollector(statusApi: Record<string, unknown>, requests = 12): Promise<CollectorProcess> {
  const collector = await startCollectorProcess(YAML, {
    env: { SPANPULSE_API_TOKEN: API_TOKEN },
    statusApi: { auth: { bearer_token: '${env:SPANPULSE_API_TOKEN}' }, ...statusApi },
  });
  const t = Date.now() - 5 * 60_000;
  const spans = makeSpans(Array.from({ length: requests }, (_, i) => serverSpan({
    service: 'shop', method: i % 2 === 0 ? 'GET' : 'POST', route: i % 2 === 0 ? '/api/products' : '/api/orders',
    status: i % 5 === 0 ? 500 : 200, startMs: t + i * 1000, durationMs: 10 + i, sessionId: `session-${i % 3}`,
  })));
  const response = await fetch(`${collector.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: otlpProtobuf(spans) });
  if (response.status !== 200) throw new Error(`OTLP POST answered ${response.status}: ${await response.text()}`);
  return collector;
}
