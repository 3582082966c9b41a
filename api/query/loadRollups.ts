/**
 * Reads the rollups of a whole-hour range with as few documents as possible: hourly
 * documents for the partial UTC days at either edge, daily documents for the whole days in
 * between. A 90-day window thus reads about 90 daily plus at most 46 hourly documents per
 * key instead of 2160 hourly ones. The result mixes periods; every document lies inside
 * the range, and each UTC day comes from one period only.
 */
import type { Rollup, RollupQuery, StoreReader } from '../../collector/store/types.js';
import { ceilDay, floorDay } from '../../collector/time/utcTime.js';
import type { TimeRange } from './parseRangeQuery.js';

export interface RollupRangeQuery {
  range: Pick<TimeRange, 'from' | 'to'>;
  level: RollupQuery['level'];
  serviceName?: string | undefined;
}

export async function loadRollups(reader: Pick<StoreReader, 'findRollups'>, query: RollupRangeQuery): Promise<Rollup[]> {
  const { from, to } = query.range;
  const base = { level: query.level, ...(query.serviceName === undefined ? {} : { serviceName: query.serviceName }) };
  const firstWholeDay = ceilDay(from);
  const endOfWholeDays = floorDay(to);
  if (firstWholeDay.getTime() >= endOfWholeDays.getTime()) {
    return reader.findRollups({ ...base, period: 'hour', from, to });
  }
  const parts = await Promise.all([
    from < firstWholeDay ? reader.findRollups({ ...base, period: 'hour', from, to: firstWholeDay }) : [],
    reader.findRollups({ ...base, period: 'day', from: firstWholeDay, to: endOfWholeDays }),
    endOfWholeDays < to ? reader.findRollups({ ...base, period: 'hour', from: endOfWholeDays, to }) : [],
  ]);
  return parts.flat();
}
