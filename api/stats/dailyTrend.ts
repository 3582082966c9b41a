/**
 * Requests, errors and latency per UTC day, from rollups of any period. Every day of the
 * range is listed, days without requests with zero counts and null latencies, so a chart
 * shows the gap instead of joining its neighbours.
 */
import type { Rollup } from '../../collector/store/types.js';
import { dayKey, daysOverlapping } from '../../collector/time/utcTime.js';
import { groupTotals, performanceOf } from './Totals.js';

export interface TrendDay {
  /** "YYYY-MM-DD" (UTC). */
  date: string;
  requests: number;
  errors: number;
  clientErrors: number;
  avgResponseTime: number | null;
  p95ResponseTime: number | null;
}

export function dailyTrend(rollups: readonly Rollup[], from: Date, to: Date): TrendDay[] {
  const byDay = groupTotals(rollups, (rollup) => dayKey(rollup.start));
  return daysOverlapping(from, to).map((date) => {
    const totals = byDay.get(date);
    const performance = totals === undefined ? null : performanceOf(totals);
    return {
      date,
      requests: totals?.requestCount ?? 0,
      errors: totals?.errorCount ?? 0,
      clientErrors: totals?.clientErrorCount ?? 0,
      avgResponseTime: performance?.avgResponseTime ?? null,
      p95ResponseTime: performance?.p95ResponseTime ?? null,
    };
  });
}
