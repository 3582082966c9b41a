/**
 * Per UTC minute of a range: requests, errors and p95, summed over whatever minute_metrics
 * documents are given (services, endpoints, agents, collector replicas alike). Every minute
 * of the range is listed; one without requests has 0 requests and a null p95, never an
 * invented latency.
 */
import { emptyFigures, mergeFigures } from '../../collector/store/figures.js';
import type { MinuteRollup } from '../../collector/store/types.js';
import { MINUTE_MS } from '../../collector/time/utcTime.js';
import { performanceOf } from './Totals.js';

export interface MinuteFigures {
  /** Start of the UTC minute. */
  start: Date;
  requests: number;
  /** HTTP >= 500 or span status ERROR. */
  errors: number;
  /** Milliseconds, from the merged latency histogram; null without requests. */
  p95ResponseTime: number | null;
}

/** `count` minutes from `from` (a whole minute); documents outside them are ignored. */
export function minuteSeries(rollups: Iterable<Readonly<MinuteRollup>>, from: Date, count: number): MinuteFigures[] {
  const minutes = Array.from({ length: count }, () => emptyFigures('minute'));
  for (const rollup of rollups) {
    const index = Math.floor((rollup.start.getTime() - from.getTime()) / MINUTE_MS);
    if (index >= 0 && index < count) mergeFigures(minutes[index]!, rollup);
  }
  return minutes.map((figures, i) => ({
    start: new Date(from.getTime() + i * MINUTE_MS),
    requests: figures.requestCount,
    errors: figures.errorCount,
    p95ResponseTime: performanceOf(figures).p95ResponseTime,
  }));
}
