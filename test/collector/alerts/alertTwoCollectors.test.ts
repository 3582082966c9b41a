/**
 * Two collector processes (the real bin) on one MongoDB-compatible database, both evaluating
 * the same rule every second: each transition reaches the webhook exactly once, whichever
 * collector made it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { makeSpans, otlpProtobuf, serverSpan } from '../../support/otelSpans.js';
import { startCollectorProcess, type CollectorProcess } from '../../../bench/collectorProcess.js';
import { dropDatabasesAfterAll, freshDatabase, mongodbUri, skipReason } from '../store/mongodbSupport.js';
import { eventually, HookReceiver } from './alertHarness.js';

dropDatabasesAfterAll();
const collectors: CollectorProcess[] = [];
const receiver = new HookReceiver();
afterAll(async () => {
  await Promise.all(collectors.map((collector) => collector.remove()));
  await receiver.stop();
});

async function post(collector: CollectorProcess, count: number, errors: number): Promise<void> {
  const now = Date.now();
  const spans = makeSpans(Array.from({ length: count }, (_, i) => serverSpan({ service: 'pair', route: '/r', status: i < errors ? 500 : 200, startMs: now - 1000 + i % 500, durationMs: 5 })));
  const response = await fetch(`${collector.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: otlpProtobuf(spans) });
  expect(response.status).toBe(200);
}

describe.skipIf(mongodbUri === null)(`alerts of two collectors on one database${mongodbUri === null ? ` (skipped: ${skipReason})` : ''}`, () => {
  it('notify each transition once', async () => {
    const url = await receiver.start();
    const database = freshDatabase();
    const alerts = {
      evaluation_interval: '1s',
      rules: [{ name: 'pair-errors', metric: 'error_rate', above: 5, window: '2m', for: '0s', per: 'service', min_requests: 1 }],
      webhooks: [{ url, secret: 's' }],
    };
    const yaml = 'receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}, grpc: {endpoint: ""}}}}\nprocessors: {batch: {spool: {enabled: false}}}';
    collectors.push(...await Promise.all([0, 1].map(() => startCollectorProcess(yaml, { mongodb: { uri: mongodbUri!, database }, extensions: { alerts } }))));
    const [a, b] = collectors as [CollectorProcess, CollectorProcess];

    await post(a, 20, 10);
    await eventually(() => receiver.accepted.length >= 1, 30_000, 'the firing notification');
    // Several more evaluations of both collectors, on the same figures.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect(receiver.payloads().map((p) => p['status'])).toEqual(['firing']);

    await post(b, 2000, 0);
    await eventually(() => receiver.accepted.length >= 2, 30_000, 'the resolved notification');
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect(receiver.payloads().map((p) => p['status'])).toEqual(['firing', 'resolved']);
    expect(new Set(receiver.accepted.map((hook) => hook.headers['x-spanpulse-delivery'])).size).toBe(2);
  });
});
