/**
 * Duplicates and reordering over OTLP/HTTP, on both stores: every batch is delivered three
 * times, the copies shuffled (later batches before earlier ones), several at once. A third of
 * the deliveries reach the store directly, a third go through the spool while the store fails
 * (SQLite: another connection holds the write lock; MongoDB: its server is stopped), and the
 * last third arrive while the spool drains. The totals are exact: the store shows what a
 * control spanpulse given each batch once, in order, shows.
 */
import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../../bench/seededRandom.js';
import { makeSpans, otlpProtobuf, serverSpan, type SpanSpec } from '../../support/otelSpans.js';
import { eventually } from '../../support/partialPost.js';
import { startTestSpanpulse, type TestSpanpulse } from '../../support/spanpulse.js';
import { snapshotOf, type Outage } from '../store/faultSupport.js';
import { dropDatabasesAfterAll, freshDatabase, mongodbUri, ownFerretdb, skipReason } from '../store/mongodbSupport.js';
import { holdWriteLock } from '../store/sqliteFaultSupport.js';

const BATCHES = 12;
const t0 = Date.now() - 20 * 60_000;

const batches = Array.from({ length: BATCHES }, (_, b) => otlpProtobuf(makeSpans(Array.from({ length: 20 }, (_, i): SpanSpec => {
  const n = b * 20 + i;
  const spec = serverSpan({
    service: n % 5 === 0 ? 'dup-b' : 'dup-a', route: `/api/r${n % 4}`, status: n % 9 === 0 ? 500 : n % 7 === 0 ? 404 : 200,
    startMs: t0 + b * 30_000 + i * 100, durationMs: 1 + (n % 23), sessionId: `s${n % 10}`, userId: n % 10 < 4 ? `u${n % 4}` : undefined,
    agent: n % 3 === 0 ? 'support' : undefined, outputTokens: n % 3 === 0 ? n % 11 : undefined,
  });
  // Every fourth request calls an agent, reported as its own span (an agent invocation).
  return n % 4 === 1
    ? { ...spec, children: [{ name: 'invoke_agent billing', kind: SpanKind.INTERNAL, attributes: { 'gen_ai.agent.name': 'billing', 'gen_ai.usage.input_tokens': n }, startMs: spec.startMs + 0.5, durationMs: 0.5 }] }
    : spec;
}))));

/** Each batch three times, shuffled, cut into thirds. */
function deliveries(seed: number): Buffer[][] {
  const random = seededRandom(seed);
  const all = [...batches, ...batches, ...batches];
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return [all.slice(0, BATCHES), all.slice(BATCHES, 2 * BATCHES), all.slice(2 * BATCHES)];
}

/**
 * Delivers `bodies` four at a time as an exporter does: a 429 (the queue's backpressure, e.g.
 * while the first writes of an outage wait out SQLite's busy timeout before the spool takes
 * over) is sent again after its Retry-After, at most 2 s; every body ends answered 200, and
 * nothing else is accepted as an answer.
 */
async function deliver(sp: TestSpanpulse, bodies: Buffer[]): Promise<void> {
  const queue = [...bodies];
  await Promise.all(Array.from({ length: 4 }, async () => {
    for (let body = queue.shift(); body !== undefined; body = queue.shift()) {
      let response = await sp.post(body);
      for (let attempt = 1; response.status === 429 && attempt < 20; attempt++) {
        const retryAfter = Number(response.headers.get('retry-after'));
        expect(retryAfter).toBeGreaterThan(0);
        expect(retryAfter).toBeLessThanOrEqual(2);
        await response.body?.cancel();
        await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
        response = await sp.post(body);
      }
      expect(response.status).toBe(200);
    }
  }));
}

const server = ownFerretdb('spanpulse-duplicates-');
dropDatabasesAfterAll();
const running: TestSpanpulse[] = [];
// Registered after the server's: hooks run in reverse, so the collectors stop before its server.
afterAll(async () => {
  await Promise.all(running.map((sp) => sp.stop()));
});

async function expectExactWithCopies(sp: TestSpanpulse, outage: Outage, control: TestSpanpulse, seed: number): Promise<void> {
  const [live, spooled, draining] = deliveries(seed);
  await deliver(sp, live!);
  await outage.begin();
  await deliver(sp, spooled!);
  expect(sp.telemetry.snapshot().spool?.records).toBeGreaterThan(0);
  await outage.end();
  await deliver(sp, draining!);
  await eventually(() => sp.telemetry.snapshot().spool?.records === 0, 60_000);

  for (const body of batches) expect((await control.post(body)).status).toBe(200);
  const [shown, expected] = [await snapshotOf(sp.store), await snapshotOf(control.store)];
  expect(expected.requests.length).toBe(BATCHES * 20);
  expect(shown).toEqual(expected);
  expect(sp.telemetry.snapshot().spansDuplicate).toBeGreaterThan(0);
}

it('SQLite: batches delivered three times, out of order, some copies through the spool, give exact totals', async () => {
  const sp = await startTestSpanpulse();
  const control = await startTestSpanpulse();
  running.push(sp, control);
  let release: (() => void) | undefined;
  await expectExactWithCopies(sp, {
    begin: () => { release = holdWriteLock(join(sp.dataDir, 'spanpulse.db')); },
    end: () => release?.(),
  }, control, 11);
}, 120_000);

describe.skipIf(mongodbUri === null)(`MongoDB${mongodbUri === null ? ` (skipped: ${skipReason})` : ''}`, () => {
  it('batches delivered three times, out of order, some copies through the spool, give exact totals', async (context) => {
    const sp = await startTestSpanpulse({ mongoUri: await server.start(context), mongoDatabase: 'duplicates' });
    const control = await startTestSpanpulse({ mongoUri: mongodbUri!, mongoDatabase: freshDatabase() });
    running.push(sp, control);
    await expectExactWithCopies(sp, { begin: () => server.stop(), end: async () => { await server.start(context); } }, control, 12);
  }, 180_000);
});
