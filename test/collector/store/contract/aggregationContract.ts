/** Contract: rollup sums, histograms, distinct users, agent days, sessions and services. */
import { describe, expect, it } from 'vitest';
import {
  addToHistogram, mergeHistogram, quantile, RELATIVE_ERROR, type LatencyHistogram,
} from '../../../../collector/mapping/latencyHistogram.js';
import type { Period, Rollup } from '../../../../collector/store/types.js';
import { at, day, invocation, request, sortAgentDays, sortRollups } from './records.js';
import { useStore, type StoreFactory } from './useStore.js';

const ALL = { from: at(-240), to: at(240) };

function histogramOf(values: number[]): LatencyHistogram {
  const histogram: LatencyHistogram = {};
  for (const value of values) addToHistogram(histogram, value);
  return histogram;
}

const zeroRollup = { successCount: 0, errorCount: 0, clientErrorCount: 0, inputTokens: 0, outputTokens: 0, activeUsers: 0 };

export function aggregationContract(createStore: StoreFactory): void {
  describe('rollups', () => {
    const store = useStore(createStore);
    const chat = '/api/agents/:agent/chat';

    async function rollups(period: Period, level: 'service' | 'endpoint'): Promise<Rollup[]> {
      return sortRollups(await store().findRollups({ ...ALL, period, level }));
    }

    it('keeps the same figures per UTC minute (without distinct users), adding up to the hours', async () => {
      // Recent minutes: minute documents are kept briefly (a TTL index may remove old ones on MongoDB).
      const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
      const minute = (m: number, s = 0) => new Date(hour + m * 60_000 + s * 1000);
      const batch = [
        request({ timestamp: minute(5, 1), responseTime: 10, sessionId: 's1' }),
        request({ timestamp: minute(5, 59), responseTime: 30, statusCode: 500, outcome: 'error', sessionId: 's2' }),
        request({ timestamp: minute(6), method: 'POST', endpoint: chat, agentName: 'support', responseTime: 20, inputTokens: 3 }),
        invocation({ timestamp: minute(6, 30), responseTime: 99 }),
      ];
      await store().write(batch);
      await store().write(batch); // a repeat changes nothing
      const range = { from: new Date(hour), to: new Date(hour + 3_600_000) };
      const service = await store().findMinuteRollups({ ...range, level: 'service' });
      expect(service.map((m) => [m.start, m.requestCount, m.errorCount, m.totalResponseTime])).toEqual([
        [minute(5), 2, 1, 40], [minute(6), 1, 0, 20],
      ]);
      expect(service[0]).toMatchObject({ serviceName: 'shop', period: 'minute', endpoint: null, method: null, agentName: null,
        minResponseTime: 10, maxResponseTime: 30, latencyHistogram: histogramOf([10, 30]) });
      expect(service[0]).not.toHaveProperty('activeUsers');
      const endpoints = await store().findMinuteRollups({ ...range, level: 'endpoint', serviceName: 'shop' });
      expect(endpoints.map((m) => [m.start, m.method, m.endpoint, m.agentName, m.requestCount, m.inputTokens])).toEqual([
        [minute(5), 'GET', '/api/items', null, 2, 0], [minute(6), 'POST', chat, 'support', 1, 3],
      ]);
      const [hourly] = await store().findRollups({ ...range, period: 'hour', level: 'service' });
      expect(hourly).toMatchObject({ requestCount: 3, totalResponseTime: 60 });
      expect(await store().findMinuteRollups({ ...range, level: 'service', serviceName: 'blog' })).toEqual([]);
    });

    it('sums counts, times and tokens per service and per endpoint, method and agent', async () => {
      await store().write([
        request({ timestamp: at(10, 1), responseTime: 100, sessionId: 's1' }),
        request({ timestamp: at(10, 2), method: 'POST', endpoint: chat, agentName: 'support', responseTime: 20, sessionId: 's3', inputTokens: 10, outputTokens: 40 }),
        request({ timestamp: at(11, 30), responseTime: 7, sessionId: 's1' }),
      ]);
      await store().write([
        request({ timestamp: at(10, 3), responseTime: 300, statusCode: 503, outcome: 'error', sessionId: 's2' }),
        request({ timestamp: at(10, 4), responseTime: 50, statusCode: 404, outcome: 'client_error', sessionId: 's1' }),
        request({ timestamp: at(10, 59), method: 'POST', endpoint: chat, agentName: 'billing', responseTime: 40, inputTokens: 5, outputTokens: 15 }),
      ]);

      const level = { endpoint: null, method: null, agentName: null };
      expect(await rollups('hour', 'service')).toMatchObject([
        { serviceName: 'shop', period: 'hour', start: at(10), ...level, requestCount: 5, successCount: 3, errorCount: 1, clientErrorCount: 1,
          totalResponseTime: 510, minResponseTime: 20, maxResponseTime: 300, inputTokens: 15, outputTokens: 55, activeUsers: 3,
          latencyHistogram: histogramOf([100, 20, 300, 50, 40]) },
        { serviceName: 'shop', period: 'hour', start: at(11), ...level, ...zeroRollup, requestCount: 1, successCount: 1,
          totalResponseTime: 7, minResponseTime: 7, maxResponseTime: 7, activeUsers: 1, latencyHistogram: histogramOf([7]) },
      ]);
      expect(await rollups('hour', 'endpoint')).toMatchObject([
        { start: at(10), endpoint: '/api/agents/:agent/chat', method: 'POST', agentName: 'billing', ...zeroRollup, requestCount: 1, successCount: 1,
          totalResponseTime: 40, minResponseTime: 40, maxResponseTime: 40, inputTokens: 5, outputTokens: 15 },
        { start: at(10), endpoint: '/api/agents/:agent/chat', method: 'POST', agentName: 'support', ...zeroRollup, requestCount: 1, successCount: 1,
          totalResponseTime: 20, inputTokens: 10, outputTokens: 40 },
        { start: at(10), endpoint: '/api/items', method: 'GET', agentName: null, ...zeroRollup, requestCount: 3, successCount: 1, errorCount: 1,
          clientErrorCount: 1, totalResponseTime: 450, minResponseTime: 50, maxResponseTime: 300, latencyHistogram: histogramOf([100, 300, 50]) },
        { start: at(11), endpoint: '/api/items', method: 'GET', agentName: null, requestCount: 1, totalResponseTime: 7, activeUsers: 0 },
      ]);
      expect(await rollups('day', 'service')).toMatchObject([
        { serviceName: 'shop', period: 'day', start: at(0), ...level, requestCount: 6, successCount: 4, errorCount: 1, clientErrorCount: 1,
          totalResponseTime: 517, minResponseTime: 7, maxResponseTime: 300, inputTokens: 15, outputTokens: 55, activeUsers: 3 },
      ]);
      expect(await rollups('day', 'endpoint')).toMatchObject([
        { period: 'day', start: at(0), agentName: 'billing', requestCount: 1, activeUsers: 0 },
        { period: 'day', start: at(0), agentName: 'support', requestCount: 1, activeUsers: 0 },
        { period: 'day', start: at(0), endpoint: '/api/items', requestCount: 4, totalResponseTime: 457, minResponseTime: 7, activeUsers: 0 },
      ]);
    });

    it('merges latency histograms across batches and hours, with quantiles within RELATIVE_ERROR', async () => {
      const values = Array.from({ length: 100 }, (_, i) => i + 1);
      for (let part = 0; part < 4; part++) {
        await store().write(values.slice(part * 25, part * 25 + 25).map((v) => request({ responseTime: v, timestamp: at(10 + (v % 2), v % 60) })));
      }
      const hours = await rollups('hour', 'service');
      expect(hours.map((h) => h.latencyHistogram)).toEqual([
        histogramOf(values.filter((v) => v % 2 === 0)),
        histogramOf(values.filter((v) => v % 2 === 1)),
      ]);
      const [daily] = await rollups('day', 'service');
      expect(daily!.latencyHistogram).toEqual(histogramOf(values));
      const merged: LatencyHistogram = {};
      for (const hour of hours) mergeHistogram(merged, hour.latencyHistogram);
      expect(merged).toEqual(daily!.latencyHistogram);
      for (const [q, truth] of [[0.5, 50], [0.95, 95], [0.99, 99]] as const) {
        expect(Math.abs(quantile(daily!.latencyHistogram, q)! - truth)).toBeLessThanOrEqual(truth * RELATIVE_ERROR + 1e-9);
      }
      expect(await rollups('day', 'endpoint')).toMatchObject([{ latencyHistogram: histogramOf(values), minResponseTime: 1, maxResponseTime: 100 }]);
    });

    it('counts distinct sessions per hour and day, across batches, not requests without a session', async () => {
      await store().write([
        request({ timestamp: at(10), sessionId: 's1' }),
        request({ timestamp: at(10, 5), sessionId: 's2' }),
        request({ timestamp: at(10, 6) }),
        request({ timestamp: at(11), sessionId: 's1' }),
      ]);
      await store().write([
        request({ timestamp: at(10, 30), sessionId: 's1' }),
        request({ timestamp: at(11, 10), sessionId: 's3', agentName: 'x' }),
        request({ timestamp: at(11, 20), sessionId: 's1', serviceName: 'blog' }),
        invocation({ timestamp: at(12), sessionId: 's4' }),
      ]);
      expect((await rollups('hour', 'service')).map((r) => [r.serviceName, r.start, r.requestCount, r.activeUsers])).toEqual([
        ['blog', at(11), 1, 1],
        ['shop', at(10), 4, 2],
        ['shop', at(11), 2, 2],
      ]);
      expect((await rollups('day', 'service')).map((r) => [r.serviceName, r.activeUsers])).toEqual([['blog', 1], ['shop', 3]]);
      expect((await rollups('hour', 'endpoint')).every((r) => r.activeUsers === 0)).toBe(true);
    });

    it('keeps several services apart and filters by service', async () => {
      await store().write([
        request({ serviceName: 'shop', responseTime: 10 }),
        request({ serviceName: 'blog', responseTime: 20 }),
        request({ serviceName: 'blog', responseTime: 30 }),
      ]);
      expect((await rollups('hour', 'service')).map((r) => [r.serviceName, r.requestCount, r.totalResponseTime])).toEqual([
        ['blog', 2, 50],
        ['shop', 1, 10],
      ]);
      const blog = await store().findRollups({ ...ALL, period: 'day', level: 'endpoint', serviceName: 'blog' });
      expect(blog.map((r) => [r.serviceName, r.requestCount])).toEqual([['blog', 2]]);
    });
  });

  describe('agent days', () => {
    const store = useStore(createStore);

    it('sums requests and invocations per agent, service and UTC day', async () => {
      await store().write([
        request({ agentName: 'support', timestamp: at(10), responseTime: 100, sessionId: 's1', inputTokens: 10, outputTokens: 20 }),
        request({ agentName: 'support', timestamp: at(11), responseTime: 200, statusCode: 500, outcome: 'error', sessionId: 's1' }),
        request({ agentName: 'support', timestamp: at(12), responseTime: 50, statusCode: 404, outcome: 'client_error' }),
        invocation({ agentName: 'support', timestamp: at(13), responseTime: 30, sessionId: 's2', inputTokens: 5, outputTokens: 5 }),
        invocation({ agentName: 'support', timestamp: at(14), responseTime: 1000, outcome: 'error' }),
        invocation({ agentName: 'support', timestamp: at(25), responseTime: 8, sessionId: 's1' }),
        invocation({ agentName: 'billing', timestamp: at(10), responseTime: 9, sessionId: 's1' }),
        invocation({ agentName: 'support', serviceName: 'blog', timestamp: at(10), responseTime: 9, sessionId: 's1' }),
      ]);
      const days = sortAgentDays(await store().findAgentDays({ fromDate: day(0), toDate: day(1) }));
      expect(days.map((d) => [d.serviceName, d.agentName, d.date, d.requestCount, d.activeUsers])).toEqual([
        ['blog', 'support', day(0), 1, 1],
        ['shop', 'billing', day(0), 1, 1],
        ['shop', 'support', day(0), 5, 2],
        ['shop', 'support', day(1), 1, 1],
      ]);
      expect(days[2]).toMatchObject({
        requestCount: 5, invocationCount: 2, successCount: 2, errorCount: 2, clientErrorCount: 1, totalResponseTime: 1380,
        avgResponseTime: 276, minResponseTime: 30, maxResponseTime: 1000, inputTokens: 15, outputTokens: 25, activeUsers: 2,
        lastSeen: at(14, 0, 1), latencyHistogram: histogramOf([100, 200, 50, 30, 1000]),
      });

      await store().write([request({ agentName: 'support', timestamp: at(9), responseTime: 20, sessionId: 's2' })]);
      const [after] = await store().findAgentDays({ fromDate: day(0), toDate: day(0), serviceName: 'shop' }).then((d) => d.filter((x) => x.agentName === 'support'));
      expect(after).toMatchObject({ requestCount: 6, invocationCount: 2, totalResponseTime: 1400, minResponseTime: 20, activeUsers: 2, lastSeen: at(14, 0, 1) });
      expect(after!.avgResponseTime).toBeCloseTo(1400 / 6, 9);
    });
  });

  describe('sessions', () => {
    const store = useStore(createStore);

    it('takes the earliest start and the latest end whatever the arrival order', async () => {
      await store().write([request({ sessionId: 's1', timestamp: at(12), responseTime: 500 })]);
      await store().write([request({ sessionId: 's1', timestamp: at(10), responseTime: 100 })]);
      await store().write([invocation({ sessionId: 's1', timestamp: at(11), responseTime: 2000 })]);
      expect(await store().findSession('shop', 's1')).toEqual({
        serviceName: 'shop', sessionId: 's1', userId: null, ipAddress: null, userAgent: null,
        startTime: at(10), lastActivity: at(12, 0, 0.5), isActive: true, requestCount: 2,
      });
      // A long span that arrives late but ends last moves lastActivity.
      await store().write([
        request({ sessionId: 's1', timestamp: at(11, 30) }),
        request({ sessionId: 's1', timestamp: at(9), responseTime: 4 * 3_600_000 }),
      ]);
      expect(await store().findSession('shop', 's1')).toMatchObject({ startTime: at(9), lastActivity: at(13), requestCount: 4 });
    });

    it('keeps the latest known userId, ipAddress and userAgent; a later null resets nothing', async () => {
      const write = (minute: number, fields: { userId?: string | null; ipAddress?: string | null; userAgent?: string | null }) =>
        store().write([request({ sessionId: 's2', timestamp: at(10, minute), ...fields })]);
      await write(0, { ipAddress: '10.0.0.1', userAgent: 'A' });
      expect(await store().findSession('shop', 's2')).toMatchObject({ userId: null, ipAddress: '10.0.0.1', userAgent: 'A' });
      await write(1, { userId: 'u1' });
      expect(await store().findSession('shop', 's2')).toMatchObject({ userId: 'u1', ipAddress: '10.0.0.1', userAgent: 'A' });
      await store().write([invocation({ sessionId: 's2', timestamp: at(10, 2) })]);
      await write(3, {});
      expect(await store().findSession('shop', 's2')).toMatchObject({ userId: 'u1', ipAddress: '10.0.0.1', userAgent: 'A' });
      await write(4, { userId: 'u2', ipAddress: '10.0.0.2', userAgent: 'B' });
      expect(await store().findSession('shop', 's2')).toMatchObject({ userId: 'u2', ipAddress: '10.0.0.2', userAgent: 'B', requestCount: 4 });
    });

    it('keeps one session per service', async () => {
      await store().write([request({ sessionId: 's1', serviceName: 'shop' }), request({ sessionId: 's1', serviceName: 'blog', userId: 'u9' })]);
      expect(await store().findSession('shop', 's1')).toMatchObject({ serviceName: 'shop', userId: null, requestCount: 1 });
      expect(await store().findSession('blog', 's1')).toMatchObject({ serviceName: 'blog', userId: 'u9', requestCount: 1 });
    });
  });

  describe('services', () => {
    const store = useStore(createStore);

    it('lists services sorted by name with first/last seen and span counts', async () => {
      const batch = [
        request({ serviceName: 'shop', timestamp: at(10), responseTime: 100 }),
        invocation({ serviceName: 'shop', timestamp: at(9), responseTime: 10 }),
        request({ serviceName: 'shop', timestamp: at(12), responseTime: 1000 }),
        request({ serviceName: 'blog', timestamp: at(11), responseTime: 10 }),
      ];
      await store().write(batch);
      await store().write(batch);
      expect(await store().listServices()).toEqual([
        { serviceName: 'blog', firstSeen: at(11), lastSeen: at(11, 0, 0.01), spanCount: 1 },
        { serviceName: 'shop', firstSeen: at(9), lastSeen: at(12, 0, 1), spanCount: 3 },
      ]);
    });
  });
}
