/** Contract: query windows and filters of the reader. */
import { describe, expect, it } from 'vitest';
import type { Period } from '../../../../collector/store/types.js';
import { at, day, invocation, request, sortAgentDays, sortRollups } from './records.js';
import { useStore, type StoreFactory } from './useStore.js';

export function readContract(createStore: StoreFactory): void {
  describe('findRollups', () => {
    const store = useStore(createStore);

    it('selects periods whose start is in [from, to), by level and service', async () => {
      await store().write([9, 10, 11, 25].map((hour) => request({ timestamp: at(hour, 30) })));
      await store().write([request({ serviceName: 'blog', timestamp: at(10, 30) })]);
      const starts = async (period: Period, from: Date, to: Date, serviceName?: string) =>
        sortRollups(await store().findRollups({ period, level: 'service', from, to, ...(serviceName ? { serviceName } : {}) }))
          .map((r) => `${r.serviceName}@${(r.start.getTime() - at(0).getTime()) / 3_600_000}`);

      expect(await starts('hour', at(10), at(11))).toEqual(['blog@10', 'shop@10']);
      expect(await starts('hour', at(10), at(12), 'shop')).toEqual(['shop@10', 'shop@11']);
      expect(await starts('hour', at(10, 30), at(12), 'shop')).toEqual(['shop@11']);
      expect(await starts('hour', at(26), at(30))).toEqual([]);
      expect(await starts('day', at(0), at(24))).toEqual(['blog@0', 'shop@0']);
      expect(await starts('day', at(0), at(48), 'shop')).toEqual(['shop@0', 'shop@24']);
      expect(await starts('day', at(1), at(48), 'shop')).toEqual(['shop@24']);

      const endpoints = await store().findRollups({ period: 'hour', level: 'endpoint', from: at(10), to: at(11), serviceName: 'shop' });
      expect(endpoints.map((r) => [r.endpoint, r.method, r.agentName])).toEqual([['/api/items', 'GET', null]]);
    });
  });

  describe('findAgentDays', () => {
    const store = useStore(createStore);

    it('selects days in [fromDate, toDate] inclusive, by service', async () => {
      await store().write([0, 1, 2].map((d) => invocation({ timestamp: at(24 * d + 12) })));
      await store().write([request({ serviceName: 'blog', agentName: 'support', timestamp: at(36) })]);
      const days = async (fromDate: string, toDate: string, serviceName?: string) =>
        sortAgentDays(await store().findAgentDays({ fromDate, toDate, ...(serviceName ? { serviceName } : {}) })).map((d) => `${d.serviceName}@${d.date}`);

      expect(await days(day(1), day(2))).toEqual([`blog@${day(1)}`, `shop@${day(1)}`, `shop@${day(2)}`]);
      expect(await days(day(1), day(2), 'shop')).toEqual([`shop@${day(1)}`, `shop@${day(2)}`]);
      expect(await days(day(0), day(0))).toEqual([`shop@${day(0)}`]);
      expect(await days(day(3), day(9))).toEqual([]);
    });
  });

  describe('countSessions', () => {
    const store = useStore(createStore);

    it('counts sessions overlapping [from, to) and users by userId, else by session', async () => {
      await store().write([
        request({ sessionId: 'a', userId: 'u1', timestamp: at(10), responseTime: 0 }),
        request({ sessionId: 'a', timestamp: at(10, 10), responseTime: 0 }),
        request({ sessionId: 'b', userId: 'u1', timestamp: at(11), responseTime: 0 }),
        invocation({ sessionId: 'b', timestamp: at(12), responseTime: 0 }),
        request({ sessionId: 'c', userId: 'u2', timestamp: at(11, 30), responseTime: 0 }),
        request({ sessionId: 'd', timestamp: at(13), responseTime: 0 }),
        request({ sessionId: 'e', userId: 'u1', serviceName: 'blog', timestamp: at(11), responseTime: 0 }),
        request({ timestamp: at(11), responseTime: 0 }),
      ]);
      // A userId is one user across sessions and services; a session without one is its own user.
      const count = (from: Date, to: Date, more: { serviceName?: string; activeOnly?: boolean } = {}) =>
        store().countSessions({ from, to, ...more });

      expect(await count(at(0), at(24))).toEqual({ sessions: 5, users: 3 });
      expect(await count(at(0), at(24), { serviceName: 'shop' })).toEqual({ sessions: 4, users: 3 });
      expect(await count(at(10, 30), at(11, 30), { serviceName: 'shop' })).toEqual({ sessions: 1, users: 1 });
      expect(await count(at(10, 10), at(11, 30), { serviceName: 'shop' })).toEqual({ sessions: 2, users: 1 });
      expect(await count(at(10, 10), at(11, 30, 0.001), { serviceName: 'shop' })).toEqual({ sessions: 3, users: 2 });
      expect(await count(at(14), at(20))).toEqual({ sessions: 0, users: 0 });

      expect(await store().markInactiveSessions(at(12, 5), 60 * 60_000)).toBe(2);
      expect(await count(at(0), at(24), { activeOnly: true })).toEqual({ sessions: 3, users: 3 });
      expect(await count(at(0), at(24), { activeOnly: true, serviceName: 'blog' })).toEqual({ sessions: 0, users: 0 });
      expect(await count(at(0), at(24), { activeOnly: false })).toEqual({ sessions: 5, users: 3 });
    });
  });

  describe('findRequests', () => {
    const store = useStore(createStore);

    it('returns requests in [from, to), newest first, by service, errors only, up to limit', async () => {
      const outcomeAt = (minute: number) => (minute === 3 || minute === 7 ? 'error' : minute === 5 ? 'client_error' : 'success');
      await store().write(Array.from({ length: 10 }, (_, minute) => request({ timestamp: at(10, minute), outcome: outcomeAt(minute) })));
      await store().write([request({ serviceName: 'blog', timestamp: at(10, 4, 30), outcome: 'error' }), invocation({ timestamp: at(10, 5, 30) })]);
      const minutes = async (query: { from: Date; to: Date; limit: number; serviceName?: string; errorsOnly?: boolean }) =>
        (await store().findRequests(query)).map((r) => `${r.serviceName}@${(r.timestamp.getTime() - at(10).getTime()) / 60_000}`);

      const window = { from: at(10, 2), to: at(10, 8) };
      expect(await minutes({ ...window, limit: 100, serviceName: 'shop' })).toEqual(['shop@7', 'shop@6', 'shop@5', 'shop@4', 'shop@3', 'shop@2']);
      expect(await minutes({ ...window, limit: 100 })).toEqual(['shop@7', 'shop@6', 'shop@5', 'blog@4.5', 'shop@4', 'shop@3', 'shop@2']);
      expect(await minutes({ ...window, limit: 3 })).toEqual(['shop@7', 'shop@6', 'shop@5']);
      expect(await minutes({ ...window, limit: 100, errorsOnly: true })).toEqual(['shop@7', 'blog@4.5', 'shop@3']);
      expect(await minutes({ ...window, limit: 100, errorsOnly: true, serviceName: 'blog' })).toEqual(['blog@4.5']);
      expect(await minutes({ from: at(11), to: at(12), limit: 100 })).toEqual([]);
    });
  });

  describe('findSession', () => {
    const store = useStore(createStore);

    it('returns the session of that service, or null', async () => {
      await store().write([
        request({ sessionId: 'abc', userId: 'u1', ipAddress: '10.1.2.3', userAgent: 'Mozilla/5.0', timestamp: at(10), responseTime: 30 }),
        request({ sessionId: 'abc', timestamp: at(10, 2), responseTime: 30 }),
      ]);
      expect(await store().findSession('shop', 'abc')).toEqual({
        serviceName: 'shop', sessionId: 'abc', userId: 'u1', ipAddress: '10.1.2.3', userAgent: 'Mozilla/5.0',
        startTime: at(10), lastActivity: at(10, 2, 0.03), isActive: true, requestCount: 2,
      });
      expect(await store().findSession('blog', 'abc')).toBeNull();
      expect(await store().findSession('shop', 'abd')).toBeNull();
    });
  });
}
