/**
 * Counters summed over any set of rollup or agent_metrics documents (hours, days, endpoints,
 * services, collector replicas alike), and the figures the API derives from them.
 * Percentiles come from the merged latency histogram, so they hold for any such set within
 * RELATIVE_ERROR. Rates are null when there were no requests: no number is invented.
 */
import { bucketValue, type LatencyHistogram } from '../../collector/mapping/latencyHistogram.js';
import { emptyCommonFigures, mergeFigures, type CommonFigures } from '../../collector/store/figures.js';

/** The figures every rollup and agent_metrics document carries (collector/store/figures.ts). */
export type Countable = CommonFigures<'rollup' | 'agentDay'>;

export type Totals = Countable;

const TOTALED = ['rollup', 'agentDay'] as const;

export function emptyTotals(): Totals {
  return emptyCommonFigures(TOTALED);
}

/** Adds `item` into `into`, each figure by its merge rule. */
export function addTotals(into: Totals, item: Readonly<Countable>): Totals {
  return mergeFigures(into, item);
}

export function sumTotals(items: Iterable<Readonly<Countable>>): Totals {
  const totals = emptyTotals();
  for (const item of items) addTotals(totals, item);
  return totals;
}

/** Sums items into one Totals per key. Keys keep first-seen order. */
export function groupTotals<T extends Countable>(items: Iterable<T>, keyOf: (item: T) => string): Map<string, Totals> {
  const groups = new Map<string, Totals>();
  for (const item of items) {
    const key = keyOf(item);
    let totals = groups.get(key);
    if (totals === undefined) groups.set(key, (totals = emptyTotals()));
    addTotals(totals, item);
  }
  return groups;
}

export interface Performance {
  totalRequests: number;
  /** Percent of requests that were not errors (HTTP 5xx or span status ERROR); 4xx are not failures of the platform. */
  successRate: number | null;
  /** Percent of requests that were errors. */
  errorRate: number | null;
  /** Percent of requests answered 4xx. */
  clientErrorRate: number | null;
  /** Milliseconds. */
  avgResponseTime: number | null;
  p50ResponseTime: number | null;
  p95ResponseTime: number | null;
  p99ResponseTime: number | null;
}

/** Of any figures every document carries: rollups, agent days and minutes alike. */
export function performanceOf(totals: Readonly<CommonFigures>): Performance {
  const n = totals.requestCount;
  const percentOf = (count: number) => (n === 0 ? null : (100 * count) / n);
  return {
    totalRequests: n,
    successRate: percentOf(n - totals.errorCount),
    errorRate: percentOf(totals.errorCount),
    clientErrorRate: percentOf(totals.clientErrorCount),
    avgResponseTime: n === 0 ? null : totals.totalResponseTime / n,
    ...percentilesOf(totals.latencyHistogram),
  };
}

/**
 * p50, p95 and p99 by the nearest-rank method in one pass over the sorted buckets: the same
 * values as `quantile` from latencyHistogram.ts, which sorts the buckets once per call.
 */
function percentilesOf(histogram: Readonly<LatencyHistogram>): Pick<Performance, 'p50ResponseTime' | 'p95ResponseTime' | 'p99ResponseTime'> {
  const indexes = Object.keys(histogram).map(Number).sort((a, b) => a - b);
  let total = 0;
  for (const index of indexes) total += histogram[index] ?? 0;
  if (total === 0) return { p50ResponseTime: null, p95ResponseTime: null, p99ResponseTime: null };
  const ranks = [0.5, 0.95, 0.99].map((q) => Math.max(1, Math.ceil(q * total)));
  const values: number[] = [];
  let seen = 0;
  for (const index of indexes) {
    seen += histogram[index] ?? 0;
    while (values.length < ranks.length && seen >= ranks[values.length]!) values.push(bucketValue(index));
  }
  const last = bucketValue(indexes[indexes.length - 1] ?? 0);
  return { p50ResponseTime: values[0] ?? last, p95ResponseTime: values[1] ?? last, p99ResponseTime: values[2] ?? last };
}
