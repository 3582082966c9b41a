import { describe, expect, it } from 'vitest';
import { quantile } from '../../../collector/mapping/latencyHistogram.js';
import { agentStats } from '../../../api/stats/agentStats.js';
import { agentDayOf, range } from '../rollupOf.js';

describe('agentStats', () => {
  it('sums days per (service, agent), keeps same-named agents of different services apart', () => {
    const days = [
      agentDayOf({ date: '2025-03-01', agentName: 'support', times: range(10), errors: 1, activeUsers: 4, inputTokens: 100, outputTokens: 50, invocations: 2 }),
      agentDayOf({ date: '2025-03-02', agentName: 'support', times: range(30), activeUsers: 6, inputTokens: 10, outputTokens: 5, lastSeen: '2025-03-02T18:00:00Z' }),
      agentDayOf({ date: '2025-03-02', agentName: 'support', serviceName: 'crm', times: range(5) }),
      agentDayOf({ date: '2025-03-02', agentName: 'sales', times: range(2), errors: 2 }),
    ];
    const stats = agentStats(days);
    expect(stats.map((s) => [s.serviceName, s.agentName, s.totalRequests])).toEqual([
      ['shop', 'support', 40], ['crm', 'support', 5], ['shop', 'sales', 2],
    ]);
    const merged = { ...days[0]!.latencyHistogram };
    for (const [k, v] of Object.entries(days[1]!.latencyHistogram)) merged[k] = (merged[k] ?? 0) + v;
    expect(stats[0]).toEqual({
      serviceName: 'shop', agentName: 'support', totalRequests: 40, invocations: 2,
      successRate: 97.5, errorRate: 2.5, clientErrorRate: 0, avgResponseTime: (55 + 465) / 40,
      p50ResponseTime: quantile(merged, 0.5), p95ResponseTime: quantile(merged, 0.95), p99ResponseTime: quantile(merged, 0.99),
      activeUsers: 10, inputTokens: 110, outputTokens: 55, totalTokens: 165, lastSeen: new Date('2025-03-02T18:00:00Z'),
    });
    expect(stats[2]).toMatchObject({ successRate: 0, errorRate: 100 });
  });

  it('is empty without days', () => {
    expect(agentStats([])).toEqual([]);
  });
});
