/**
 * The figures: every counter a pre-aggregated document carries, declared once. Aggregation
 * (recordAggregation.ts), both stores' schemas, writers and readers, and the API's totals are
 * derived from this list; adding a figure is one entry here plus what a record contributes.
 *
 * Each figure says how two values of it merge, and therefore how a backend applies an
 * increment commutatively (several collectors may write one document at once):
 *   sum        added up (MongoDB `$inc`, SQLite `a + b`)
 *   min / max  the smaller / larger (MongoDB `$min` / `$max`, SQLite `min()` / `max()`)
 *   histogram  latency buckets added up bucket by bucket (latencyHistogram.ts)
 *   tally      counts per key added up key by key (errors by error.type)
 * and which documents carry it: `rollup` (hourly_metrics, daily_metrics), `minute`
 * (minute_metrics: the same per UTC minute, for live charts and alert rules), `agentDay`
 * (agent_metrics) and `modelDay` (model_metrics: model calls per agent, provider, model and
 * UTC day). Field names are the public contract of the documents (SPEC §2).
 */
import { addToHistogram, mergeHistogram, type LatencyHistogram } from '../mapping/latencyHistogram.js';
import type { CountedRecord } from './types.js';

/** The pre-aggregated documents that carry figures. */
export type FigureDocument = 'rollup' | 'minute' | 'agentDay' | 'modelDay';

export type MergeRule = 'sum' | 'min' | 'max' | 'histogram' | 'tally';

/** Counts per key (a `tally` figure), e.g. `{ "timeout": 3, "_OTHER": 1 }`. */
export type Tally = Record<string, number>;

interface Declaration {
  merge: MergeRule;
  /** `count`: whole numbers; `ms`: milliseconds, fractional. */
  unit: 'count' | 'ms';
  documents: readonly FigureDocument[];
  /**
   * What one record adds (for a tally: the key it adds 1 to, or null). Absent for
   * `activeUsers`, a distinct count: the writer adds one for each session it sees in the
   * document's period for the first time (presence keys).
   */
  of?: (record: CountedRecord) => number;
  key?: (record: CountedRecord) => string | null;
}

const ALL = ['rollup', 'minute', 'agentDay'] as const;
const WITH_MODELS = [...ALL, 'modelDay'] as const;
const MODELS = ['modelDay'] as const;
const modelCall = <T>(record: CountedRecord, value: (call: Extract<CountedRecord, { kind: 'model_call' }>) => T, otherwise: T): T =>
  record.kind === 'model_call' ? value(record) : otherwise;

export const FIGURES = {
  requestCount: { merge: 'sum', unit: 'count', documents: ALL, of: () => 1 },
  successCount: { merge: 'sum', unit: 'count', documents: ALL, of: (r) => (r.outcome === 'success' ? 1 : 0) },
  /** HTTP >= 500 or span status ERROR (model calls: span status ERROR or error.type). */
  errorCount: { merge: 'sum', unit: 'count', documents: WITH_MODELS, of: (r) => (r.outcome === 'error' ? 1 : 0) },
  /** HTTP 4xx: counted apart, not failures of the platform. */
  clientErrorCount: { merge: 'sum', unit: 'count', documents: ALL, of: (r) => (r.outcome === 'client_error' ? 1 : 0) },
  totalResponseTime: { merge: 'sum', unit: 'ms', documents: WITH_MODELS, of: (r) => r.responseTime },
  minResponseTime: { merge: 'min', unit: 'ms', documents: ALL, of: (r) => r.responseTime },
  maxResponseTime: { merge: 'max', unit: 'ms', documents: ALL, of: (r) => r.responseTime },
  latencyHistogram: { merge: 'histogram', unit: 'ms', documents: WITH_MODELS, of: (r) => r.responseTime },
  /** Input tokens, cached ones included (GenAI conventions). */
  inputTokens: { merge: 'sum', unit: 'count', documents: WITH_MODELS, of: (r) => r.inputTokens },
  outputTokens: { merge: 'sum', unit: 'count', documents: WITH_MODELS, of: (r) => r.outputTokens },
  /** Model calls (model_metrics). */
  callCount: { merge: 'sum', unit: 'count', documents: MODELS, of: () => 1 },
  /** Failed model calls by error.type (`_OTHER` when none was given). */
  errorTypes: { merge: 'tally', unit: 'count', documents: MODELS, key: (r) => modelCall(r, (c) => c.errorType, null) },
  cacheReadTokens: { merge: 'sum', unit: 'count', documents: MODELS, of: (r) => modelCall(r, (c) => c.cacheReadTokens, 0) },
  cacheWriteTokens: { merge: 'sum', unit: 'count', documents: MODELS, of: (r) => modelCall(r, (c) => c.cacheWriteTokens, 0) },
  /** Part of outputTokens. */
  reasoningTokens: { merge: 'sum', unit: 'count', documents: MODELS, of: (r) => modelCall(r, (c) => c.reasoningTokens, 0) },
  /**
   * Cost of the priced calls in billionths of the price table's currency: whole numbers, so
   * sums are exact in any order (up to 9 million currency units per document).
   */
  costNanos: { merge: 'sum', unit: 'count', documents: MODELS, of: (r) => modelCall(r, (c) => c.costNanos ?? 0, 0) },
  /** Of callCount, how many had a price (cost is null when none had). */
  pricedCallCount: { merge: 'sum', unit: 'count', documents: MODELS, of: (r) => modelCall(r, (c) => (c.costNanos === null ? 0 : 1), 0) },
  /** Of requestCount, how many were agent invocations (non-SERVER spans naming an agent). */
  invocationCount: { merge: 'sum', unit: 'count', documents: ['agentDay'], of: (r) => (r.kind === 'agent_invocation' ? 1 : 0) },
  /**
   * Distinct sessions of the period: service-level rollups (0 on the others) and agent days. Not
   * per minute: distinct counts do not add up over minutes, and the live figures need windows.
   */
  activeUsers: { merge: 'sum', unit: 'count', documents: ['rollup', 'agentDay'] },
} as const satisfies Record<string, Declaration>;

type Declared = typeof FIGURES;
export type FigureName = keyof Declared;

type ValueOf<D extends Declaration> = D['merge'] extends 'histogram' ? LatencyHistogram
  : D['merge'] extends 'tally' ? Tally
  : D['merge'] extends 'sum' ? number
  : number | null; // min / max of nothing

/** The figures of one kind of document; min / max are null only when no record was counted. */
export type FiguresOf<D extends FigureDocument> = {
  -readonly [K in FigureName as [D] extends [Declared[K]['documents'][number]] ? K : never]: ValueOf<Declared[K]>;
};

/** The documents that count requests (model_metrics counts model calls). */
export type RequestDocument = (typeof ALL)[number];

/** The figures every one of `D` carries (what the API adds up across rollups and agent days alike). */
export type CommonFigures<D extends FigureDocument = RequestDocument> = {
  -readonly [K in FigureName as [D] extends [Declared[K]['documents'][number]] ? K : never]: ValueOf<Declared[K]>;
};

export interface FigureSpec {
  name: FigureName;
  merge: MergeRule;
  unit: 'count' | 'ms';
  of: ((record: CountedRecord) => number) | undefined;
  key: ((record: CountedRecord) => string | null) | undefined;
}

const SPECS: readonly FigureSpec[] = (Object.keys(FIGURES) as FigureName[]).map((name) => {
  const declaration: Declaration = FIGURES[name];
  return { name, merge: declaration.merge, unit: declaration.unit, of: declaration.of, key: declaration.key };
});

const carriedBy = (document: FigureDocument) => SPECS.filter((spec) => (FIGURES[spec.name].documents as readonly FigureDocument[]).includes(document));
const BY_DOCUMENT: Record<FigureDocument, readonly FigureSpec[]> = {
  rollup: carriedBy('rollup'), minute: carriedBy('minute'), agentDay: carriedBy('agentDay'), modelDay: carriedBy('modelDay'),
};

/** Histograms and tallies: maps of counts merged key by key (stored as JSON text in SQLite, sub-documents in MongoDB). */
export function isKeyedCounts(merge: MergeRule): merge is 'histogram' | 'tally' {
  return merge === 'histogram' || merge === 'tally';
}


/** The figures of a document kind, in declaration order (the column order of the SQLite tables). */
export function figuresOf(document: FigureDocument): readonly FigureSpec[] {
  return BY_DOCUMENT[document];
}

export function emptyFigures<D extends FigureDocument>(document: D): FiguresOf<D> {
  return emptyOf(BY_DOCUMENT[document]) as FiguresOf<D>;
}

/** Empty figures carried by every one of `documents`. */
export function emptyCommonFigures<D extends FigureDocument>(documents: readonly D[]): CommonFigures<D> {
  return emptyOf(SPECS.filter((spec) => documents.every((document) => BY_DOCUMENT[document].includes(spec)))) as CommonFigures<D>;
}

/** Adds what `record` contributes to each figure of `document` (all but the distinct counts). */
export function countRecord<D extends FigureDocument>(figures: FiguresOf<D>, document: D, record: CountedRecord): void {
  const target = figures as unknown as Record<string, unknown>;
  for (const spec of BY_DOCUMENT[document]) {
    if (spec.merge === 'tally') {
      const key = spec.key?.(record) ?? null;
      if (key !== null) {
        const tally = target[spec.name] as Tally;
        tally[key] = (tally[key] ?? 0) + 1;
      }
      continue;
    }
    if (spec.of === undefined) continue;
    const value = spec.of(record);
    if (spec.merge === 'histogram') addToHistogram(target[spec.name] as LatencyHistogram, value);
    else target[spec.name] = mergeValue(spec.merge, target[spec.name] as number | null, value);
  }
}

/** Merges the figures `from` into `into`, for the figures both carry (e.g. an agent day into common totals). */
export function mergeFigures<T extends Partial<Record<FigureName, unknown>>>(into: T, from: Readonly<Partial<Record<FigureName, unknown>>>): T {
  const target = into as Record<string, unknown>;
  for (const spec of SPECS) {
    if (!(spec.name in target) || !(spec.name in from)) continue;
    const value = from[spec.name];
    if (isKeyedCounts(spec.merge)) mergeHistogram(target[spec.name] as LatencyHistogram, value as LatencyHistogram);
    else target[spec.name] = mergeValue(spec.merge, target[spec.name] as number | null, value as number | null);
  }
  return into;
}

function mergeValue(rule: Exclude<MergeRule, 'histogram' | 'tally'>, a: number | null, b: number | null): number | null {
  if (rule === 'sum') return (a ?? 0) + (b ?? 0);
  if (a === null) return b;
  if (b === null) return a;
  return rule === 'min' ? Math.min(a, b) : Math.max(a, b);
}

function emptyOf(specs: readonly FigureSpec[]): Record<string, unknown> {
  const figures: Record<string, unknown> = {};
  for (const spec of specs) figures[spec.name] = isKeyedCounts(spec.merge) ? {} : spec.merge === 'sum' ? 0 : null;
  return figures;
}
