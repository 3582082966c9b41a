import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS, healthState } from '../../../api/stats/healthState.js';

describe('healthState with the default thresholds (degraded > 5 % or p95 > 1 s, down > 50 % or p95 > 10 s)', () => {
  it.each([
    [0, null, null, 'no_data'],
    [100, 0, 120, 'operational'],
    [100, 5, 1000, 'operational'],
    [100, 5.01, 10, 'degraded'],
    [100, 0, 1000.5, 'degraded'],
    [100, 50, 10_000, 'degraded'],
    [100, 50.1, 10, 'down'],
    [100, 0, 10_001, 'down'],
    [100, 6, 20_000, 'down'],
  ] as const)('%s requests, error rate %s %%, p95 %s ms -> %s', (totalRequests, errorRate, p95ResponseTime, expected) => {
    expect(healthState({ totalRequests, errorRate, p95ResponseTime }, DEFAULT_THRESHOLDS)).toBe(expected);
  });

  it('uses the thresholds it is given', () => {
    const strict = { degradedErrorRate: 0, downErrorRate: 1, degradedP95Ms: 50, downP95Ms: 100 };
    expect(healthState({ totalRequests: 10, errorRate: 0, p95ResponseTime: 40 }, strict)).toBe('operational');
    expect(healthState({ totalRequests: 10, errorRate: 0.5, p95ResponseTime: 40 }, strict)).toBe('degraded');
    expect(healthState({ totalRequests: 10, errorRate: 0, p95ResponseTime: 101 }, strict)).toBe('down');
  });
});
