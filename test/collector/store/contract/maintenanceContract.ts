/** Contract: marking sessions inactive and deleting by retention. */
import { describe, expect, it } from 'vitest';
import type { Retention } from '../../../../collector/store/types.js';
import { at, day, invocation, request } from './records.js';
import { useStore, type StoreFactory } from './useStore.js';

const DAY_MS = 24 * 3_600_000;

export function maintenanceContract(createStore: StoreFactory): void {
  describe('markInactiveSessions', () => {
    const store = useStore(createStore);

    it('marks sessions idle for longer than the limit, once, until they are active again', async () => {
      await store().write([
        request({ sessionId: 'idle', timestamp: at(10) }),
        request({ sessionId: 'busy', timestamp: at(11, 50) }),
      ]);
      expect(await store().markInactiveSessions(at(12), 30 * 60_000)).toBe(1);
      expect(await store().findSession('shop', 'idle')).toMatchObject({ isActive: false });
      expect(await store().findSession('shop', 'busy')).toMatchObject({ isActive: true });
      expect(await store().markInactiveSessions(at(12), 30 * 60_000)).toBe(0);

      await store().write([request({ sessionId: 'idle', timestamp: at(12, 1) })]);
      expect(await store().findSession('shop', 'idle')).toMatchObject({ isActive: true, requestCount: 2 });
      expect(await store().countSessions({ from: at(0), to: at(24), activeOnly: true })).toEqual({ sessions: 2, users: 2 });
    });
  });

  describe('deleteExpired', () => {
    const store = useStore(createStore);

    it('deletes each kind of document older than its own retention and keeps the rest', async () => {
      const old = 10; // hours into day 0
      const recent = 7 * 24 + 10; // day 7
      await store().write([
        request({ sessionId: 'old', agentName: 'support', timestamp: at(old) }),
        invocation({ sessionId: 'old', timestamp: at(old, 5) }),
        request({ sessionId: 'new', agentName: 'support', timestamp: at(recent) }),
      ]);
      const retention: Retention = {
        apiMetricsMs: 5 * DAY_MS, minuteMetricsMs: 2 * DAY_MS, hourlyMetricsMs: 5 * DAY_MS, dailyMetricsMs: 20 * DAY_MS, agentMetricsMs: 8 * DAY_MS,
        sessionsMs: 5 * DAY_MS,
      };
      await store().deleteExpired(at(10 * 24), retention);

      const everything = { from: at(-240), to: at(24 * 20) };
      expect((await store().findRequests({ ...everything, limit: 10 })).map((r) => r.timestamp)).toEqual([at(recent)]);
      for (const level of ['service', 'endpoint'] as const) {
        expect((await store().findMinuteRollups({ ...everything, level })).map((r) => r.start)).toEqual([]);
        expect((await store().findRollups({ ...everything, period: 'hour', level })).map((r) => r.start)).toEqual([at(recent)]);
        expect((await store().findRollups({ ...everything, period: 'day', level })).map((r) => r.start).sort((a, b) => a.getTime() - b.getTime()))
          .toEqual([at(0), at(7 * 24)]);
      }
      expect((await store().findAgentDays({ fromDate: day(-10), toDate: day(20) })).map((d) => d.date)).toEqual([day(7)]);
      expect(await store().findSession('shop', 'old')).toBeNull();
      expect(await store().findSession('shop', 'new')).toMatchObject({ requestCount: 1 });
    });
  });
}
