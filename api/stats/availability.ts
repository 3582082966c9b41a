/**
 * Availability: the percent of requests that were not errors (HTTP 5xx or span status
 * ERROR) — 4xx answers are the client's doing and count as available. Null for a period
 * without requests: an idle endpoint is neither up nor down.
 */
import { dayKey, DAY_MS, floorDay } from '../time/utcTime.js';

export interface ErrorCounts {
  requestCount: number;
  errorCount: number;
}

export interface DayAvailability {
  /** "YYYY-MM-DD" (UTC). */
  date: string;
  requests: number;
  errors: number;
  /** Percent, or null without requests. */
  availability: number | null;
}

export function availabilityOf(counts: Readonly<ErrorCounts>): number | null {
  return counts.requestCount === 0 ? null : (100 * (counts.requestCount - counts.errorCount)) / counts.requestCount;
}

/** The UTC days ending with the day of `now`, oldest first. */
export function lastDays(now: Date, count: number): string[] {
  const today = floorDay(now).getTime();
  return Array.from({ length: count }, (_, i) => dayKey(new Date(today - (count - 1 - i) * DAY_MS)));
}

/** One entry per day in `days`, from counts keyed by "YYYY-MM-DD". */
export function dailyAvailability(byDay: ReadonlyMap<string, ErrorCounts>, days: readonly string[]): DayAvailability[] {
  return days.map((date) => {
    const counts = byDay.get(date) ?? { requestCount: 0, errorCount: 0 };
    return { date, requests: counts.requestCount, errors: counts.errorCount, availability: availabilityOf(counts) };
  });
}

/** Availability over the last `count` entries of a daily series. */
export function availabilityOfLastDays(series: readonly DayAvailability[], count: number): number | null {
  let requestCount = 0;
  let errorCount = 0;
  for (const day of series.slice(-count)) {
    requestCount += day.requests;
    errorCount += day.errors;
  }
  return availabilityOf({ requestCount, errorCount });
}
