/**
 * Two collectors writing the same database at once (SPEC §2: commutative counters, §7:
 * stateless replicas): two MongoStore instances, each with its own connection pool, get
 * overlapping batches grouped differently — as exporter retries that land on the other
 * replica — and the documents end with exactly the totals of the distinct spans sent.
 */
import { describe, expect, it } from 'vitest';
import { histogramCount } from '../../../collector/mapping/latencyHistogram.js';
import type { SpanRecord } from '../../../collector/store/types.js';
import { at, day, invocation, request } from './contract/records.js';
import { dropDatabasesAfterAll, freshDatabase, freshStore, mongodbUri, skipReason } from './mongodbSupport.js';

const SPANS = 1200;

/** Distinct spans over 3 hours, 40 sessions, 2 agents, 2 services. */
function distinctSpans(): SpanRecord[] {
  return Array.from({ length: SPANS }, (_, i) => {
    const common = { sessionId: `s${i % 40}`, responseTime: (i % 97) + 0.5, timestamp: at(10 + (i % 3), i % 60), serviceName: i % 5 === 0 ? 'blog' : 'shop' };
    return i % 6 === 5
      ? invocation({ ...common, agentName: i % 4 === 1 ? 'billing' : 'support', inputTokens: 3, outputTokens: 4 })
      : request({ ...common, agentName: i % 3 === 0 ? 'support' : null, outcome: i % 11 === 0 ? 'error' : 'success', statusCode: i % 11 === 0 ? 500 : 200 });
  });
}

function chunks<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));
}

/** A deterministic shuffle, so a failure can be replayed. */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe.skipIf(mongodbUri === null)(`MongoStore, two collectors at once${mongodbUri === null ? ` (skipped: ${skipReason})` : ''}`, () => {
  dropDatabasesAfterAll();

  it('end with exactly the totals of the distinct spans sent, whatever the grouping and overlap', async () => {
    const database = freshDatabase();
    const [a, b] = [freshStore({ database }), freshStore({ database })];
    await Promise.all([a.start(), b.start()]);
    const spans = distinctSpans();
    // A gets every span in order; B gets two thirds of them (and some twice), shuffled, in other batch sizes.
    const forA = chunks(spans, 100);
    const forB = chunks(shuffled([...spans.filter((_, i) => i % 3 !== 0), ...spans.slice(0, 150)], 7), 70);
    const sendAll = async (store: typeof a, batches: SpanRecord[][]) => {
      const results = [];
      for (const batch of batches) results.push(await store.write(batch));
      return results;
    };
    const [resultsA, resultsB] = await Promise.all([sendAll(a, forA), sendAll(b, forB)]);

    const stored = [...resultsA, ...resultsB].reduce((sum, r) => sum + r.stored, 0);
    const sent = [...forA, ...forB].reduce((sum, batch) => sum + batch.length, 0);
    expect(stored).toBe(SPANS);
    expect([...resultsA, ...resultsB].reduce((sum, r) => sum + r.duplicates, 0)).toBe(sent - SPANS);

    const requests = spans.filter((r) => r.kind === 'request');
    const window = { from: at(0), to: at(24) };
    for (const period of ['hour', 'day'] as const) {
      const service = await a.findRollups({ ...window, period, level: 'service' });
      const endpoint = await b.findRollups({ ...window, period, level: 'endpoint' });
      for (const rollups of [service, endpoint]) {
        expect(rollups.reduce((sum, r) => sum + r.requestCount, 0)).toBe(requests.length);
        expect(rollups.reduce((sum, r) => sum + r.errorCount, 0)).toBe(requests.filter((r) => r.outcome === 'error').length);
        expect(rollups.reduce((sum, r) => sum + r.totalResponseTime, 0)).toBeCloseTo(requests.reduce((sum, r) => sum + r.responseTime, 0), 6);
        expect(rollups.reduce((sum, r) => sum + histogramCount(r.latencyHistogram), 0)).toBe(requests.length);
      }
      const distinctUsers = (serviceName: string) => new Set(requests.filter((r) => r.serviceName === serviceName).map((r) => r.sessionId)).size;
      if (period === 'day') {
        expect(service.map((r) => [r.serviceName, r.activeUsers]).sort()).toEqual([['blog', distinctUsers('blog')], ['shop', distinctUsers('shop')]]);
      }
    }
    const agentDays = await a.findAgentDays({ fromDate: day(0), toDate: day(0) });
    const agentRecords = spans.filter((r) => r.agentName !== null);
    expect(agentDays.reduce((sum, d) => sum + d.requestCount, 0)).toBe(agentRecords.length);
    expect(agentDays.reduce((sum, d) => sum + d.invocationCount, 0)).toBe(spans.length - requests.length);
    expect(agentDays.reduce((sum, d) => sum + d.inputTokens, 0)).toBe(3 * (spans.length - requests.length));
    expect((await b.listServices()).map((s) => [s.serviceName, s.spanCount])).toEqual([
      ['blog', spans.filter((r) => r.serviceName === 'blog').length],
      ['shop', spans.filter((r) => r.serviceName === 'shop').length],
    ]);
    const session = await b.findSession('shop', 's1');
    expect(session?.requestCount).toBe(requests.filter((r) => r.sessionId === 's1' && r.serviceName === 'shop').length);
    expect((await a.findRequests({ ...window, limit: 10_000 })).length).toBe(requests.length);
    await Promise.all([a.shutdown(), b.shutdown()]);
  });

  it('serialises the writers of a server without atomic updates (FerretDB) and not those of MongoDB', async () => {
    const store = freshStore();
    await store.start();
    expect(store.serverInfo!.protocol).toBe(store.serverInfo!.ferretdb ? 'ferretdb' : 'mongodb');
    await store.shutdown();
  });
});
