/**
 * Requests by hour of day (0-23) in a time zone, from hourly rollups. In zones whose offset
 * is not a whole number of hours (Asia/Kolkata, +05:30) a UTC hour straddles two local
 * hours; it is counted in the local hour it starts in.
 */
import type { Rollup } from '../../collector/store/types.js';

export interface HourBucket {
  /** Hour of day in the requested time zone, 0-23. */
  hour: number;
  requests: number;
  errors: number;
}

export function hourlyDistribution(hourlyRollups: readonly Rollup[], timeZone: string): HourBucket[] {
  const buckets: HourBucket[] = Array.from({ length: 24 }, (_, hour) => ({ hour, requests: 0, errors: 0 }));
  const hourOf = localHourReader(timeZone);
  for (const rollup of hourlyRollups) {
    const bucket = buckets[hourOf(rollup.start)];
    if (bucket === undefined) continue;
    bucket.requests += rollup.requestCount;
    bucket.errors += rollup.errorCount;
  }
  return buckets;
}

function localHourReader(timeZone: string): (date: Date) => number {
  if (timeZone === 'UTC') return (date) => date.getUTCHours();
  const format = new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', hourCycle: 'h23' });
  // Rollup starts repeat across services and endpoints; formatting is the slow part.
  const cache = new Map<number, number>();
  return (date) => {
    const time = date.getTime();
    let hour = cache.get(time);
    if (hour === undefined) cache.set(time, (hour = Number(format.format(date)) % 24));
    return hour;
  };
}
