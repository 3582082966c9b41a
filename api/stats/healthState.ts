/**
 * The state of an endpoint, agent or the whole platform, from its error rate and p95
 * latency against configurable thresholds. A limit is crossed when the value is strictly
 * above it (an error rate of exactly 5 % with a 5 % threshold is still operational).
 */
import type { Performance } from './Totals.js';

export type HealthState = 'operational' | 'degraded' | 'down' | 'no_data';

export interface StateThresholds {
  /** Error rate in percent above which the state is `degraded`. Default 5. */
  degradedErrorRate: number;
  /** Error rate in percent above which the state is `down`. Default 50. */
  downErrorRate: number;
  /** p95 response time in milliseconds above which the state is `degraded`. Default 1000. */
  degradedP95Ms: number;
  /** p95 response time in milliseconds above which the state is `down`. Default 10000. */
  downP95Ms: number;
}

export const DEFAULT_THRESHOLDS: Readonly<StateThresholds> = {
  degradedErrorRate: 5,
  downErrorRate: 50,
  degradedP95Ms: 1000,
  downP95Ms: 10_000,
};

/** `no_data` when there were no requests; otherwise the worst state either figure reaches. */
export function healthState(performance: Pick<Performance, 'totalRequests' | 'errorRate' | 'p95ResponseTime'>,
  thresholds: Readonly<StateThresholds>): HealthState {
  if (performance.totalRequests === 0) return 'no_data';
  const errorRate = performance.errorRate ?? 0;
  const p95 = performance.p95ResponseTime ?? 0;
  if (errorRate > thresholds.downErrorRate || p95 > thresholds.downP95Ms) return 'down';
  if (errorRate > thresholds.degradedErrorRate || p95 > thresholds.degradedP95Ms) return 'degraded';
  return 'operational';
}
