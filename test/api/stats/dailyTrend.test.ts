import { describe, expect, it } from 'vitest';
import { quantile } from '../../../collector/mapping/latencyHistogram.js';
import { dailyTrend } from '../../../api/stats/dailyTrend.js';
import { range, rollupOf } from '../rollupOf.js';

describe('dailyTrend', () => {
  it('lists every UTC day of the range, merging hourly and daily documents per day; active users only for whole days', () => {
    const rollups = [
      rollupOf({ start: '2025-03-01T22:00:00Z', times: range(10), errors: 1, activeUsers: 2 }),
      rollupOf({ start: '2025-03-01T23:00:00Z', times: range(10, 10), clientErrors: 2 }),
      rollupOf({ start: '2025-03-02T00:00:00Z', period: 'day', times: range(4, 100), errors: 4, activeUsers: 3 }),
      rollupOf({ start: '2025-03-04T05:00:00Z', times: [7] }),
    ];
    const trend = dailyTrend(rollups, new Date('2025-03-01T22:00:00Z'), new Date('2025-03-04T06:00:00Z'));
    const firstDay = rollupOf({ start: 'x', times: [...range(10), ...range(10, 10)] }).latencyHistogram;
    expect(trend).toEqual([
      { date: '2025-03-01', requests: 20, errors: 1, clientErrors: 2, avgResponseTime: (55 + 550) / 20, p95ResponseTime: quantile(firstDay, 0.95), activeUsers: null },
      { date: '2025-03-02', requests: 4, errors: 4, clientErrors: 0, avgResponseTime: 250, p95ResponseTime: quantile(rollups[2]!.latencyHistogram, 0.95), activeUsers: 3 },
      { date: '2025-03-03', requests: 0, errors: 0, clientErrors: 0, avgResponseTime: null, p95ResponseTime: null, activeUsers: 0 },
      { date: '2025-03-04', requests: 1, errors: 0, clientErrors: 0, avgResponseTime: 7, p95ResponseTime: quantile(rollups[3]!.latencyHistogram, 0.95), activeUsers: null },
    ]);
  });
});
