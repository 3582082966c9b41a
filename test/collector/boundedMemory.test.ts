/**
 * Bounded memory, as the issue measured it (60 connections with 19 MiB bodies took the
 * collector from 189 MB to 1.28 GB RSS): the real collector in a child process, with the
 * shipped memory_limiter (512 MiB) and the bytes-in-flight budget it implies (64 MiB), takes
 * 40 connections each sending a valid 19 MiB request at once, retrying after each 429 as
 * exporters do, and 20 that declare 20 MiB and stall after 19 MiB. Some are refused with 429;
 * the collector's peak RSS (VmHWM) stays under its memory limit; every request answered 200 is
 * stored, and none is stored twice.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startCollectorProcess, type CollectorProcess } from '../../bench/collectorProcess.js';
import { otlpProtobuf } from '../support/otelSpans.js';
import { paddedSpans } from '../support/paddedSpans.js';

const MiB = 1024 ** 2;
const LIMIT = 512 * MiB;
const SENDERS = 40;
const STALLERS = 20;
const SPANS = 190;

let collector: CollectorProcess;
beforeAll(async () => {
  collector = await startCollectorProcess(`
receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0", read_timeout: 10s}, grpc: {endpoint: ""}}}}
processors: {memory_limiter: {limit: ${LIMIT}}, batch: {spool: {enabled: false}}}
`);
});
afterAll(async () => {
  await collector?.remove();
});

// One 19 MiB template; request k differs in the last two bytes of every span id, so each
// request is its own spans and a retry of it is the same spans.
const spans = paddedSpans('bounded', SPANS, 19 * MiB);
const template = otlpProtobuf(spans);
if (template.length >= 20 * MiB) throw new Error('the template is to stay under the 20 MiB body limit');
const idOffsets = spans.map((span) => template.indexOf(Buffer.from(span.spanContext().spanId, 'hex')));

function slicesOf(k: number): Buffer[] {
  const slices: Buffer[] = [];
  let at = 0;
  for (const offset of idOffsets) {
    slices.push(template.subarray(at, offset + 6), Buffer.from([k >> 8, k & 0xff]));
    at = offset + 8;
  }
  slices.push(template.subarray(at));
  return slices;
}

type Outcome = { status: number; retryAfter?: string } | { error: string };

/** POSTs `slices` (declaring `declared` bytes); `stall` leaves the body unfinished. */
function post(slices: Buffer[], declared: number, stall = false): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request(`${collector.otlpUrl}/v1/traces`, {
      method: 'POST', agent: false, headers: { 'content-type': 'application/x-protobuf', 'content-length': String(declared) },
    }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, retryAfter: response.headers['retry-after'] }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    for (const slice of slices) req.write(slice);
    if (!stall) req.end();
  });
}

it('refuses what does not fit, stays under the memory limit, and stores every request it took', async () => {
  const before = collector.peakRss();
  const outcomes: Outcome[] = [];
  const accepted = new Set<number>();
  const deadline = Date.now() + 90_000;
  const stalled = Array.from({ length: STALLERS }, (_, i) => {
    const slices = slicesOf(SENDERS + i);
    return post(slices, 20 * MiB, true);
  });
  await Promise.all(Array.from({ length: SENDERS }, async (_, k) => {
    while (Date.now() < deadline) {
      const outcome = await post(slicesOf(k), template.length);
      outcomes.push(outcome);
      if ('status' in outcome && outcome.status === 200) {
        accepted.add(k);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000 * Number(('retryAfter' in outcome && outcome.retryAfter) || 1)));
    }
  }));
  const stalledOutcomes = await Promise.all(stalled);
  const peak = collector.peakRss();
  console.log(`bounded memory: peak RSS ${Math.round(before / MiB)} MiB at start, ${Math.round(peak / MiB)} MiB at the end; ` +
    `${outcomes.length} attempts for ${SENDERS} senders: ${accepted.size} got 200; ` +
    `answers ${JSON.stringify(count(outcomes))}; stallers ${JSON.stringify(count(stalledOutcomes))}`);

  expect(outcomes.some((o) => 'status' in o && o.status === 429)).toBe(true);
  expect(peak).toBeLessThan(LIMIT);
  for (const outcome of [...outcomes, ...stalledOutcomes]) {
    // Refusals are retryable (429, 408, a closed connection), never a 5xx or a 413.
    if ('status' in outcome) expect([200, 408, 429]).toContain(outcome.status);
  }
  expect(stalledOutcomes.every((o) => !('status' in o) || o.status !== 200)).toBe(true);

  const [service] = await collector.readStore((store) => store.listServices());
  expect(service?.spanCount).toBe(SPANS * accepted.size);
}, 150_000);

function count(outcomes: Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) {
    const key = 'status' in o ? String(o.status) : o.error;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
