/**
 * Availability: the percent of requests that were not errors (HTTP 5xx or span status
 * ERROR) — 4xx answers are the client's doing and count as available. Null for a period
 * without requests: an idle endpoint is neither up nor down.
 */
import { dayKey, DAY_MS, floorDay } from '../../collector/time/utcTime.js';

export interface ErrorCounts {
  requestCount: number;
  errorCount: number;
}

/** Requests and errors per day, oldest first, index-aligned with a list of days. */
export interface DailyCounts {
  requests: number[];
  errors: number[];
}

export function availabilityOf(counts: Readonly<ErrorCounts>): number | null {
  return counts.requestCount === 0 ? null : (100 * (counts.requestCount - counts.errorCount)) / counts.requestCount;
}

/** The UTC days ending with the day of `now`, oldest first. */
export function lastDays(now: Date, count: number): string[] {
  const today = floorDay(now).getTime();
  return Array.from({ length: count }, (_, i) => dayKey(new Date(today - (count - 1 - i) * DAY_MS)));
}

export function emptyDailyCounts(days: number): DailyCounts {
  return { requests: new Array<number>(days).fill(0), errors: new Array<number>(days).fill(0) };
}

/** One availability value per day, null for days without requests. */
export function dailyAvailability(counts: Readonly<DailyCounts>): Array<number | null> {
  return counts.requests.map((requestCount, i) => availabilityOf({ requestCount, errorCount: counts.errors[i] ?? 0 }));
}

/** Availability over the last `count` days of a series. */
export function availabilityOfLastDays(counts: Readonly<DailyCounts>, count: number): number | null {
  let requestCount = 0;
  let errorCount = 0;
  for (let i = Math.max(0, counts.requests.length - count); i < counts.requests.length; i += 1) {
    requestCount += counts.requests[i] ?? 0;
    errorCount += counts.errors[i] ?? 0;
  }
  return availabilityOf({ requestCount, errorCount });
}
