/**
 * The mergeable latency histogram carried by every rollup document.
 *
 * Fixed log-scale buckets: bucket 0 holds everything below MIN_MS, bucket i >= 1 holds
 * [MIN_MS * GROWTH^(i-1), MIN_MS * GROWTH^i). Because the boundaries are fixed, histograms
 * from any hours, days, endpoints or collector replicas merge by adding counts per bucket
 * (a commutative `$inc` in MongoDB), and a percentile read from the merged histogram is
 * within RELATIVE_ERROR of the true value (the bucket's geometric midpoint is reported).
 *
 * Stored sparsely as `{ "<bucket index>": count }`.
 */

export type LatencyHistogram = Record<string, number>;

/** Lower edge of bucket 1, in milliseconds (10 µs). */
export const MIN_MS = 0.01;
/** Ratio between consecutive bucket edges. */
export const GROWTH = 1.1;
/** Highest bucket index; anything slower lands here (about 0.6 years). */
export const MAX_BUCKET = 300;
/** Worst-case relative error of a reported percentile (geometric midpoint of a bucket): sqrt(GROWTH) - 1. */
export const RELATIVE_ERROR = Math.sqrt(GROWTH) - 1;

const LOG_GROWTH = Math.log(GROWTH);

export function bucketOf(ms: number): number {
  if (!(ms >= MIN_MS)) return 0;
  const index = Math.floor(Math.log(ms / MIN_MS) / LOG_GROWTH) + 1;
  return Math.min(index, MAX_BUCKET);
}

/** The value reported for a bucket: its geometric midpoint (0 for bucket 0). */
export function bucketValue(index: number): number {
  if (index <= 0) return 0;
  return MIN_MS * Math.pow(GROWTH, index - 0.5);
}

export function addToHistogram(histogram: LatencyHistogram, ms: number, count = 1): void {
  const key = String(bucketOf(ms));
  histogram[key] = (histogram[key] ?? 0) + count;
}

/** Adds `from` into `into` bucket by bucket. */
export function mergeHistogram(into: LatencyHistogram, from: Readonly<LatencyHistogram>): void {
  for (const key of Object.keys(from)) into[key] = (into[key] ?? 0) + (from[key] ?? 0);
}

export function histogramCount(histogram: Readonly<LatencyHistogram>): number {
  let total = 0;
  for (const key of Object.keys(histogram)) total += histogram[key] ?? 0;
  return total;
}

/**
 * The q-quantile (0 < q <= 1) by the nearest-rank method, or null for an empty histogram.
 * Accurate to RELATIVE_ERROR for values at or above MIN_MS.
 */
export function quantile(histogram: Readonly<LatencyHistogram>, q: number): number | null {
  const total = histogramCount(histogram);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  const indexes = Object.keys(histogram).map(Number).sort((a, b) => a - b);
  let seen = 0;
  for (const index of indexes) {
    seen += histogram[String(index)] ?? 0;
    if (seen >= rank) return bucketValue(index);
  }
  return bucketValue(indexes[indexes.length - 1] ?? 0);
}
