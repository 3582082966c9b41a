/**
 * UTC hour and day arithmetic, shared by the collector and the API. Rollups are keyed by the
 * start of their UTC hour or day, so every range the API reads is first snapped to these
 * boundaries.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export function floorHour(date: Date): Date {
  return new Date(Math.floor(date.getTime() / HOUR_MS) * HOUR_MS);
}

export function ceilHour(date: Date): Date {
  return new Date(Math.ceil(date.getTime() / HOUR_MS) * HOUR_MS);
}

export function floorDay(date: Date): Date {
  return new Date(Math.floor(date.getTime() / DAY_MS) * DAY_MS);
}

export function ceilDay(date: Date): Date {
  return new Date(Math.ceil(date.getTime() / DAY_MS) * DAY_MS);
}

/** "YYYY-MM-DD" of the UTC day containing `date`. */
export function dayKey(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Start of the UTC day named "YYYY-MM-DD". */
export function dayStart(key: string): Date {
  return new Date(`${key}T00:00:00.000Z`);
}

/** The "YYYY-MM-DD" keys of every UTC day overlapping [from, to), oldest first. */
export function daysOverlapping(from: Date, to: Date): string[] {
  const days: string[] = [];
  for (let t = floorDay(from).getTime(); t < to.getTime(); t += DAY_MS) days.push(dayKey(new Date(t)));
  return days;
}

/** Length of a rollup period. */
export const PERIOD_MS = { hour: HOUR_MS, day: DAY_MS } as const;

/** Start of the UTC hour or day containing `time` (also right before 1970). */
export function periodStart(period: keyof typeof PERIOD_MS, time: Date): Date {
  return new Date(periodStartMs(time.getTime(), PERIOD_MS[period]));
}

/**
 * Start, in epoch ms, of the UTC minute, hour or day (`size`: MINUTE_MS, HOUR_MS, DAY_MS)
 * containing epoch ms `ms`. A floor modulo, so times before 1970 still fall into the right one.
 */
export function periodStartMs(ms: number, size: number): number {
  return ms - (((ms % size) + size) % size);
}
