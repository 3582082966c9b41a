/** Contract: lifecycle, ping and what an empty store answers. */
import { describe, expect, it } from 'vitest';
import { PipelineError } from '../../../../collector/errors.js';
import { at, day, request } from './records.js';
import { useStore, type StoreFactory } from './useStore.js';

export function lifecycleContract(createStore: StoreFactory): void {
  describe('lifecycle', () => {
    it('shutdown is safe before start and idempotent', async () => {
      const store = await createStore();
      await store.shutdown();
      await store.shutdown();
    });

    it('shutdown after start is idempotent', async () => {
      const store = await createStore();
      await store.start();
      expect(['sqlite', 'mongodb']).toContain(store.backend);
      await store.shutdown();
      await store.shutdown();
    });

    it('rejects writes (with a PipelineError) and reads after shutdown', async () => {
      const store = await createStore();
      await store.start();
      await store.shutdown();
      await expect(store.write([request()])).rejects.toBeInstanceOf(PipelineError);
      await expect(store.listServices()).rejects.toThrow();
      await expect(store.ping()).rejects.toThrow();
    });
  });

  describe('empty store', () => {
    const store = useStore(createStore);

    it('answers ping with a round-trip time in milliseconds', async () => {
      const ms = await store().ping();
      expect(Number.isFinite(ms)).toBe(true);
      expect(ms).toBeGreaterThanOrEqual(0);
    });

    it('resolves an empty batch to zero counts', async () => {
      expect(await store().write([])).toEqual({ stored: 0, duplicates: 0, rejected: [] });
      expect(await store().listServices()).toEqual([]);
    });

    it('answers every query with empty results, never an error', async () => {
      const s = store();
      for (const period of ['hour', 'day'] as const) {
        for (const level of ['service', 'endpoint'] as const) {
          expect(await s.findRollups({ period, level, from: at(-240), to: at(240) })).toEqual([]);
        }
      }
      expect(await s.findAgentDays({ fromDate: day(-10), toDate: day(10) })).toEqual([]);
      expect(await s.countSessions({ from: at(-240), to: at(240) })).toEqual({ sessions: 0, users: 0 });
      expect(await s.countSessions({ from: at(-240), to: at(240), activeOnly: true })).toEqual({ sessions: 0, users: 0 });
      expect(await s.listServices()).toEqual([]);
      expect(await s.findRequests({ from: at(-240), to: at(240), limit: 10 })).toEqual([]);
      expect(await s.findSession('shop', 'nope')).toBeNull();
      expect(await s.markInactiveSessions(at(0), 60_000)).toBe(0);
      await s.deleteExpired(at(0), { apiMetricsMs: 1, minuteMetricsMs: 1, hourlyMetricsMs: 1, dailyMetricsMs: 1, agentMetricsMs: 1, sessionsMs: 1 });
    });
  });
}
