/** Contract: what write() stores, idempotency by (traceId, spanId), concurrent writers. */
import { describe, expect, it } from 'vitest';
import type { SpanRecord, Store } from '../../../../collector/store/types.js';
import { at, day, invocation, request, sameIds } from './records.js';
import { contractTest, type ContractOptions } from './optOut.js';
import { useStore, type StoreFactory } from './useStore.js';

const ALL = { from: at(-240), to: at(240) };

async function serviceHour(store: Store, hour: number) {
  const rows = await store.findRollups({ period: 'hour', level: 'service', from: at(hour), to: at(hour + 1) });
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

/** Name of the test a backend whose idempotency key includes the start time opts out of. */
export const SAME_IDS_OTHER_TIME = 'treats a record with known ids but another start time as a duplicate';

export function writeContract(createStore: StoreFactory, options: ContractOptions): void {
  describe('write', () => {
    const store = useStore(createStore);

    it('stores a request as one api_metrics document with every field', async () => {
      const full = request({
        endpoint: '/api/agents/:agent/chat', method: 'POST', statusCode: 201, responseTime: 12.5,
        timestamp: at(10, 5), sessionId: 's1', userId: 'u1', agentName: 'support', ipAddress: '10.0.0.1',
        userAgent: 'curl/8.5', inputTokens: 30, outputTokens: 70,
      });
      const bare = request({ statusCode: null, method: 'UNKNOWN', timestamp: at(10, 6), outcome: 'error' });
      expect(await store().write([full, bare])).toEqual({ stored: 2, duplicates: 0, rejected: [] });

      const found = await store().findRequests({ ...ALL, limit: 10 });
      const { kind: _full, ...fullExpected } = full;
      const { kind: _bare, ...bareExpected } = bare;
      expect(found).toHaveLength(2);
      expect(found[0]).toMatchObject(bareExpected);
      expect(found[1]).toMatchObject(fullExpected);
    });

    it('stores an agent invocation: agent day, session and service, but no request and no rollup', async () => {
      const call = invocation({ sessionId: 's1', timestamp: at(10), responseTime: 250, inputTokens: 5, outputTokens: 9 });
      expect(await store().write([call])).toEqual({ stored: 1, duplicates: 0, rejected: [] });

      expect(await store().findRequests({ ...ALL, limit: 10 })).toEqual([]);
      expect(await store().findRollups({ ...ALL, period: 'hour', level: 'service' })).toEqual([]);
      const [agentDay, ...rest] = await store().findAgentDays({ fromDate: day(0), toDate: day(0) });
      expect(rest).toEqual([]);
      expect(agentDay).toMatchObject({ agentName: 'support', requestCount: 1, invocationCount: 1, inputTokens: 5, outputTokens: 9, activeUsers: 1 });
      expect(await store().findSession('shop', 's1')).toMatchObject({
        requestCount: 0, startTime: at(10), lastActivity: at(10, 0, 0.25), isActive: true,
      });
      expect(await store().listServices()).toMatchObject([{ serviceName: 'shop', spanCount: 1 }]);
    });
  });

  describe('idempotency', () => {
    const store = useStore(createStore);

    it('counts a batch written three times once, everywhere', async () => {
      const batch: SpanRecord[] = [
        request({ sessionId: 's1', agentName: 'support', responseTime: 10 }),
        request({ sessionId: 's2', responseTime: 30, outcome: 'error', statusCode: 500 }),
        invocation({ sessionId: 's1', responseTime: 20 }),
      ];
      expect(await store().write(batch)).toEqual({ stored: 3, duplicates: 0, rejected: [] });
      expect(await store().write(batch)).toEqual({ stored: 0, duplicates: 3, rejected: [] });
      expect(await store().write(batch)).toEqual({ stored: 0, duplicates: 3, rejected: [] });

      const hour = await serviceHour(store(), 10);
      expect(hour).toMatchObject({ requestCount: 2, errorCount: 1, totalResponseTime: 40, activeUsers: 2 });
      const [daily] = await store().findRollups({ ...ALL, period: 'day', level: 'service' });
      expect(daily).toMatchObject({ requestCount: 2, activeUsers: 2 });
      expect(await store().findAgentDays({ fromDate: day(0), toDate: day(0) })).toMatchObject([
        { requestCount: 2, invocationCount: 1, totalResponseTime: 30, activeUsers: 1 },
      ]);
      expect(await store().findSession('shop', 's1')).toMatchObject({ requestCount: 1 });
      expect(await store().listServices()).toMatchObject([{ spanCount: 3 }]);
      expect(await store().findRequests({ ...ALL, limit: 10 })).toHaveLength(2);
    });

    it('keeps the first of two records with the same ids in one batch', async () => {
      const first = request({ responseTime: 10, sessionId: 's1' });
      const twin = sameIds(first, { responseTime: 999, sessionId: 's2', endpoint: '/other' });
      const other = request({ responseTime: 5 });
      expect(await store().write([first, twin, other])).toEqual({ stored: 2, duplicates: 1, rejected: [] });

      const found = await store().findRequests({ ...ALL, limit: 10 });
      expect(found.map((r) => r.responseTime).sort((a, b) => a - b)).toEqual([5, 10]);
      expect(await serviceHour(store(), 10)).toMatchObject({ requestCount: 2, totalResponseTime: 15, maxResponseTime: 10, activeUsers: 1 });
      expect(await store().findSession('shop', 's2')).toBeNull();
      const endpoints = await store().findRollups({ ...ALL, period: 'hour', level: 'endpoint' });
      expect(endpoints.map((r) => r.endpoint)).toEqual(['/api/items']);
    });

    it('counts only the new records of overlapping batches', async () => {
      const [a, b, c, d] = [10, 20, 30, 40].map((responseTime) => request({ responseTime }));
      expect(await store().write([a!, b!, c!])).toEqual({ stored: 3, duplicates: 0, rejected: [] });
      expect(await store().write([b!, c!, d!])).toEqual({ stored: 1, duplicates: 2, rejected: [] });
      expect(await serviceHour(store(), 10)).toMatchObject({ requestCount: 4, totalResponseTime: 100 });
    });

    contractTest(options, SAME_IDS_OTHER_TIME, async () => {
      const first = request({ timestamp: at(10), responseTime: 10 });
      await store().write([first]);
      expect(await store().write([sameIds(first, { timestamp: at(11), responseTime: 20 })])).toEqual({ stored: 0, duplicates: 1, rejected: [] });
      expect(await store().findRollups({ ...ALL, period: 'hour', level: 'service' })).toMatchObject([{ start: at(10), requestCount: 1 }]);
    });

    it('treats an invocation replayed in a later batch as a duplicate', async () => {
      const call = invocation({ sessionId: 's1' });
      await store().write([call, request()]);
      expect(await store().write([call])).toEqual({ stored: 0, duplicates: 1, rejected: [] });
      expect(await store().findAgentDays({ fromDate: day(0), toDate: day(0) })).toMatchObject([{ requestCount: 1, invocationCount: 1 }]);
    });
  });

  describe('concurrent writes', () => {
    const store = useStore(createStore);

    it('gives exact totals for many writes in flight at once', async () => {
      const batches = Array.from({ length: 20 }, (_, b) =>
        Array.from({ length: 25 }, (_, i) => request({ sessionId: `s${i % 5}`, agentName: 'support', responseTime: i + 1, timestamp: at(10, b) })),
      );
      const results = await Promise.all(batches.map((batch) => store().write(batch)));
      expect(results.reduce((sum, r) => sum + r.stored, 0)).toBe(500);

      expect(await serviceHour(store(), 10)).toMatchObject({
        requestCount: 500, successCount: 500, totalResponseTime: 20 * 325, minResponseTime: 1, maxResponseTime: 25, activeUsers: 5,
      });
      expect(await store().findSession('shop', 's0')).toMatchObject({ requestCount: 100, startTime: at(10, 0), lastActivity: at(10, 19, 0.021) });
      expect(await store().findAgentDays({ fromDate: day(0), toDate: day(0) })).toMatchObject([{ requestCount: 500, activeUsers: 5 }]);
      expect(await store().listServices()).toMatchObject([{ spanCount: 500 }]);
    });

    it('stores a batch written five times at once exactly once', async () => {
      const batch = Array.from({ length: 50 }, (_, i) => request({ sessionId: `s${i % 7}`, responseTime: 2 }));
      const results = await Promise.all(Array.from({ length: 5 }, () => store().write(batch)));
      expect(results.reduce((sum, r) => sum + r.stored, 0)).toBe(50);
      expect(results.reduce((sum, r) => sum + r.duplicates, 0)).toBe(200);
      expect(await serviceHour(store(), 10)).toMatchObject({ requestCount: 50, totalResponseTime: 100, activeUsers: 7 });
      expect(await store().findSession('shop', 's0')).toMatchObject({ requestCount: 8 });
    });
  });
}
