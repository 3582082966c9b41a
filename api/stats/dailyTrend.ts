/**
 * Requests, errors, latency and active users per UTC day, from rollups of any period. Every
 * day of the range is listed, days without requests with zero counts and null latencies, so a
 * chart shows the gap instead of joining its neighbours. Active users are the distinct
 * sessions of the day, which only a daily service-level document knows: a day the range
 * covers partly (read from hourly documents) has null there, since hourly counts of distinct
 * sessions cannot be added up.
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
  /** Distinct sessions of the whole UTC day (services add up: a session belongs to one); null for a partly covered day. */
  activeUsers: number | null;
}

export function dailyTrend(rollups: readonly Rollup[], from: Date, to: Date): TrendDay[] {
  const byDay = groupTotals(rollups, (rollup) => dayKey(rollup.start));
  const partDays = new Set(rollups.filter((rollup) => rollup.period !== 'day').map((rollup) => dayKey(rollup.start)));
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
      activeUsers: totals === undefined ? 0 : partDays.has(date) ? null : totals.activeUsers,
    };
  });
}
