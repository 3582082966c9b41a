/**
 * Overload: the real collector (a child process, embedded store, the shipped memory_limiter of
 * 512 MiB) is first measured at its sustainable rate (16 connections sending as fast as it
 * answers), then offered three times that rate for 30 s by 768 apps, each request due on a
 * schedule whatever the answers (bench/overloadLoad.ts, also run by bench/overload.ts). It
 * refuses what it cannot take in time with 429 and a Retry-After of at most 2 s (never a 5xx),
 * answers the requests it takes within the exporters' 10 s timeout (p99 of the 200s; the
 * design aims at max_queue_delay, 1 s, plus one store write, so 10 s is the margin for two
 * busy cores shared with other work), stays under its memory limit (peak RSS of the child),
 * and stores every span it answered 200 for, once, and none of the refused ones.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { offerOverload } from '../../../bench/overloadLoad.js';
import { percentile } from '../../../bench/percentile.js';
import { uniqueBodies } from '../../../bench/uniqueBodies.js';
import { startCollectorProcess, type CollectorProcess } from '../../../bench/collectorProcess.js';
import { makeSpans, serverSpan } from '../../support/otelSpans.js';

const MiB = 1024 ** 2;
const LIMIT = 512 * MiB;
const OVERLOAD_SECONDS = 30;
/** Under receivers.otlp.protocols.http.max_connections (1024). */
const APPS = 768;
/** The stock OTLP exporters' timeout. */
const EXPORTER_TIMEOUT_MS = 10_000;

let collector: CollectorProcess;
beforeAll(async () => {
  collector = await startCollectorProcess(`
receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}, grpc: {endpoint: ""}}}}
processors: {memory_limiter: {limit: ${LIMIT}}}
`);
});
afterAll(async () => {
  await collector?.remove();
});

const t0 = Date.now() - 60_000;
const requests = uniqueBodies(makeSpans(Array.from({ length: 100 }, (_, i) => serverSpan({
  service: 'overload', route: `/api/r${i % 10}/:id`, status: i % 50 === 0 ? 500 : 200, startMs: t0 + i, durationMs: 1 + (i % 30),
  sessionId: `session-${i % 40}`, agent: i % 4 === 0 ? 'support' : undefined,
}))));

it('answers 429 to three times its sustainable rate, acknowledges within the exporters\' timeout, stays under its memory limit, stores every span it acknowledged', async () => {
  const result = await offerOverload(collector.otlpUrl, requests, { factor: 3, seconds: OVERLOAD_SECONDS, apps: APPS });
  const peak = collector.peakRss();
  const p99 = percentile(result.acknowledged, 0.99);
  console.log(`overload: sustainable ${Math.round(result.sustainableSpansPerSecond)} spans/s; offered ${Math.round(result.offeredSpansPerSecond)} spans/s for ${OVERLOAD_SECONDS} s ` +
    `(${result.due} requests of ${requests.spans}); answers ${JSON.stringify(result.counts)}; 200s p99 ${Math.round(p99)} ms, max ${Math.round(result.acknowledged.at(-1) ?? NaN)} ms; ` +
    `refusals p99 ${Math.round(percentile(result.refused, 0.99))} ms; peak RSS ${Math.round(peak / MiB)} MiB (limit ${LIMIT / MiB} MiB)`);

  expect(result.counts['429']).toBeGreaterThan(0);
  expect(Object.keys(result.counts).filter((key) => key !== '200' && key !== '429')).toEqual([]);
  expect(result.longestRetryAfterS).toBeLessThanOrEqual(2);
  expect(p99).toBeLessThan(EXPORTER_TIMEOUT_MS);
  expect(peak).toBeLessThan(LIMIT);

  const [service] = await collector.readStore((store) => store.listServices());
  expect(service?.spanCount).toBe(result.acknowledgedRequests * requests.spans);
}, 150_000);
