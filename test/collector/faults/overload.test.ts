/**
 * Overload: the real collector (a child process, embedded store, the shipped memory_limiter of
 * 512 MiB) is first measured at its sustainable rate (16 connections sending as fast as it
 * answers), then offered three times that rate for 30 s by 768 apps, each request due on a
 * schedule whatever the answers. It refuses what it cannot take in time with 429 (never a 5xx), stays
 * under its memory limit (peak RSS of the child), and stores every span it answered 200 for,
 * once, and none of the refused ones.
 */
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { uniqueBodies } from '../../../bench/uniqueBodies.js';
import { startCollectorProcess, type CollectorProcess } from '../../support/collectorProcess.js';
import { makeSpans, serverSpan } from '../../support/otelSpans.js';

const MiB = 1024 ** 2;
const LIMIT = 512 * MiB;
const OVERLOAD_SECONDS = 30;
/** Under receivers.otlp.protocols.http.max_connections (1024). */
const APPS = 768;

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

type Answer = { status: number; ms: number } | { error: string };

/** POSTs request k; the answer's time runs from when the request got its connection, as an exporter's timeout does. */
function post(agent: Agent, k: number): Promise<Answer> {
  const body = requests.body(k);
  let began = performance.now();
  return new Promise((resolve) => {
    const req = request(`${collector.otlpUrl}/v1/traces`, {
      method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - began }));
      res.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    });
    req.on('socket', () => { began = performance.now(); });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.end(body);
  });
}

it('answers 429 to three times its sustainable rate, stays under its memory limit, stores every span it acknowledged', async () => {
  const answers: Answer[] = [];
  let next = 0;

  // The sustainable rate: 16 connections, each sending as soon as it is answered, for 5 s.
  const closed = new Agent({ keepAlive: true, maxSockets: 16 });
  const measureUntil = performance.now() + 5000;
  let measured = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (performance.now() < measureUntil) {
      const answer = await post(closed, next++);
      answers.push(answer);
      if ('status' in answer && answer.status === 200) measured += requests.spans;
    }
  }));
  closed.destroy();
  const sustainable = measured / 5;

  // Three times that, due on a steady schedule for 30 s, from up to APPS apps (one request in flight each):
  // enough of them that what they hold at once is more than the collector takes in max_queue_delay.
  const open = new Agent({ keepAlive: true, maxSockets: APPS });
  const perSecond = (3 * sustainable) / requests.spans;
  const due = Math.round(perSecond * OVERLOAD_SECONDS);
  const began = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let sent = 0; sent < due;) {
    const dueNow = Math.min(due, Math.floor(((performance.now() - began) / 1000) * perSecond) + 1);
    for (; sent < dueNow; sent++) inFlight.push(post(open, next++).then((answer) => { answers.push(answer); }));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await Promise.all(inFlight);
  open.destroy();
  const peak = collector.peakRss();

  const statuses = answers.filter((a): a is { status: number; ms: number } => 'status' in a);
  const acknowledged = statuses.filter((a) => a.status === 200).length;
  const latencies = statuses.map((a) => a.ms).sort((a, b) => a - b);
  const p99 = latencies[Math.floor(0.99 * (latencies.length - 1))]!;
  const max = latencies.at(-1)!;
  const counts: Record<string, number> = {};
  for (const a of answers) counts['status' in a ? a.status : a.error] = (counts['status' in a ? a.status : a.error] ?? 0) + 1;
  console.log(`overload: sustainable ${Math.round(sustainable)} spans/s; offered ${Math.round(3 * sustainable)} spans/s for ${OVERLOAD_SECONDS} s ` +
    `(${due} requests of ${requests.spans}); answers ${JSON.stringify(counts)}; answer time p99 ${Math.round(p99)} ms, max ${Math.round(max)} ms; ` +
    `peak RSS ${Math.round(peak / MiB)} MiB (limit ${LIMIT / MiB} MiB)`);

  expect(counts['429']).toBeGreaterThan(0);
  expect(Object.keys(counts).filter((key) => key !== '200' && key !== '429')).toEqual([]);
  expect(peak).toBeLessThan(LIMIT);

  const [service] = await collector.readStore((store) => store.listServices());
  expect(service?.spanCount).toBe(acknowledged * requests.spans);
}, 150_000);
