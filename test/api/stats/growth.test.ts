import { describe, expect, it } from 'vitest';
import { costGrowthOf, growthOf, percentChange, type CostSide, type GrowthSide } from '../../../api/stats/growth.js';
import type { Performance } from '../../../api/stats/Totals.js';

const HOUR = 3_600_000;

function side(totalRequests: number, hours: number, users: number, extra: Partial<Performance> = {}): GrowthSide {
  return {
    performance: {
      totalRequests, successRate: 99, errorRate: 1, clientErrorRate: 0,
      avgResponseTime: 100, p50ResponseTime: 80, p95ResponseTime: 200, p99ResponseTime: 300, ...extra,
    },
    users,
    durationMs: hours * HOUR,
  };
}

describe('percentChange', () => {
  it.each([
    [150, 100, 50],
    [50, 100, -50],
    [100, 100, 0],
    [0, 100, -100],
    [10, 0, null],
    [null, 100, null],
    [100, null, null],
  ])('%s against %s is %s', (current, previous, expected) => {
    expect(percentChange(current, previous)).toBe(expected);
  });
});

describe('growthOf', () => {
  it('compares request rates, so a window still in its last hour is not penalised', () => {
    // 24.5 hours of data so far against a complete 25-hour window at the same rate.
    expect(growthOf(side(245, 24.5, 10), side(250, 25, 10)).requests).toBeCloseTo(0, 9);
    expect(growthOf(side(490, 24.5, 10), side(250, 25, 10)).requests).toBeCloseTo(100, 9);
  });

  it('reports latency as relative change and success rate in percentage points', () => {
    const growth = growthOf(
      side(100, 1, 30, { avgResponseTime: 150, p95ResponseTime: 100, successRate: 97.5 }),
      side(100, 1, 20, { avgResponseTime: 100, p95ResponseTime: 200, successRate: 99 }),
    );
    expect(growth).toEqual({ requests: 0, users: 50, avgResponseTime: 50, p95ResponseTime: -50, successRatePoints: -1.5 });
  });

  it('is null everywhere when the previous window had no requests', () => {
    const empty = side(0, 25, 0, { successRate: null, avgResponseTime: null, p95ResponseTime: null });
    expect(growthOf(side(10, 1, 3), empty)).toEqual({
      requests: null, users: null, avgResponseTime: null, p95ResponseTime: null, successRatePoints: null,
    });
  });
});

describe('costGrowthOf', () => {
  const cost = (calls: number, value: number | null, unpricedCalls = 0, hours = 24): CostSide => ({
    usage: calls === 0 ? null : { calls, cost: value, unpricedCalls }, durationMs: hours * HOUR,
  });
  it.each<[string, CostSide, CostSide, number | null]>([
    ['the same cost over the same time', cost(3, 0.5), cost(4, 0.5), 0],
    ['twice the cost', cost(3, 1), cost(3, 0.5), 100],
    ['the same cost in half the time (the day in progress) is twice the rate', cost(3, 0.5, 0, 12), cost(3, 0.5, 0, 24), 100],
    ['no calls now: nothing spent', cost(0, null), cost(3, 0.5), -100],
    ['no calls before', cost(3, 0.5), cost(0, null), null],
    ['calls before without any price', cost(3, 0.5), cost(3, null, 3), null],
    ['a call before without its price', cost(3, 0.5), cost(3, 0.4, 1), null],
    ['a call now without its price', cost(3, 0.5, 1), cost(3, 0.4), null],
    ['nothing spent before (free models)', cost(3, 0.5), cost(3, 0), null],
  ])('%s', (_what, current, previous, expected) => {
    const growth = costGrowthOf(current, previous);
    if (expected === null) expect(growth).toBeNull();
    else expect(growth).toBeCloseTo(expected, 9);
  });
});
