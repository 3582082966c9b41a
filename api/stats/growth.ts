/**
 * Growth of the current window against the previous window of equal length.
 *
 * The current window ends with the hour in progress while the previous one is complete, so
 * requests are compared as a rate (requests per hour of data); users are counted by the
 * caller over spans of equal length. Latency changes are relative; the success rate changes
 * in percentage points. Every figure is null when the previous window has nothing to compare
 * with.
 */
import type { Performance } from './Totals.js';

export interface Growth {
  /** Percent change of the request rate. */
  requests: number | null;
  /** Percent change of distinct users (sessions). */
  users: number | null;
  /** Percent change of the average response time. */
  avgResponseTime: number | null;
  /** Percent change of the p95 response time. */
  p95ResponseTime: number | null;
  /** Change of the success rate in percentage points (98 % -> 99 % is +1). */
  successRatePoints: number | null;
}

export interface GrowthSide {
  performance: Performance;
  users: number;
  /** Milliseconds of data the window covers (up to now). */
  durationMs: number;
}

export function percentChange(current: number | null, previous: number | null): number | null {
  if (current === null || previous === null || previous === 0) return null;
  return (100 * (current - previous)) / previous;
}

export function growthOf(current: GrowthSide, previous: GrowthSide): Growth {
  const rate = (side: GrowthSide) => (side.durationMs > 0 ? side.performance.totalRequests / side.durationMs : null);
  const cur = current.performance;
  const prev = previous.performance;
  return {
    requests: percentChange(rate(current), rate(previous)),
    users: percentChange(current.users, previous.users),
    avgResponseTime: percentChange(cur.avgResponseTime, prev.avgResponseTime),
    p95ResponseTime: percentChange(cur.p95ResponseTime, prev.p95ResponseTime),
    successRatePoints: cur.successRate === null || prev.successRate === null ? null : cur.successRate - prev.successRate,
  };
}

/** One window's model-call cost for costGrowthOf (ModelUsage's fields; null usage: no calls). */
export interface CostSide {
  usage: { calls: number; cost: number | null; unpricedCalls: number } | null;
  /** Milliseconds of data the window covers (up to now). */
  durationMs: number;
}

/**
 * Percent change of the cost rate (cost per hour of data, as requests are compared), null when
 * the previous window has no model calls, or a call of either window has no price: a cost
 * that leaves calls out would make the change up. A current window without calls spent 0.
 */
export function costGrowthOf(current: CostSide, previous: CostSide): number | null {
  const prev = previous.usage;
  if (prev === null || prev.calls === 0 || prev.unpricedCalls > 0 || prev.cost === null) return null;
  const cur = current.usage;
  if (cur !== null && cur.unpricedCalls > 0) return null;
  if (current.durationMs <= 0 || previous.durationMs <= 0) return null;
  return percentChange((cur?.cost ?? 0) / current.durationMs, prev.cost / previous.durationMs);
}
