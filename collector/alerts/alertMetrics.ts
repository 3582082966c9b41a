/**
 * The metrics an alert rule can watch, declared once: config validation (alertsConfig.ts), the
 * evaluator (groupFigures.ts), the webhook text and the docs all read this list.
 *
 * Each metric is computed for one group over the minute rollups of the rule's window: rates in
 * percent (0-100), times in milliseconds, counts as counts. `active_users` counts the distinct
 * sessions active in the window (so it exists per platform and per service only), `no_data`
 * the milliseconds since the group's last span (it fires when that exceeds the window).
 * `cost` and `tokens` are those of the group's model calls (model_calls, credited to agents as
 * README "AI agents and models" says): cost in the price table's currency, 0 without calls,
 * null when calls were made but none had a price (never a guess).
 */
import { costOf } from '../../api/stats/modelStats.js';
import type { Performance } from '../../api/stats/Totals.js';
import type { ModelCallSums } from '../store/types.js';

/** The model-call figures of a group (ModelCallSums without its identity). */
export type ModelCallTotals = Pick<ModelCallSums, 'callCount' | 'inputTokens' | 'outputTokens' | 'costNanos' | 'pricedCallCount'>;

export interface WindowFigures {
  performance: Performance;
  /** Distinct sessions active in the window; only for metrics that need it. */
  activeUsers: number | null;
  /** Milliseconds since the group's last span; only for `no_data`. */
  silentMs: number | null;
  /** The group's model calls in the window; only for metrics counted from them. */
  modelCalls: ModelCallTotals | null;
}

interface MetricDeclaration {
  /** For the one-line text of a notification: "error rate 7.5 % above 5 %". */
  label: string;
  unit: '%' | 'ms' | '';
  /** Decimals of a fractional value in that text; default 1. */
  digits?: number;
  of: (figures: WindowFigures) => number | null;
  /** Groups this metric exists for; absent: every kind requests have (REQUEST_GROUPINGS). */
  per?: readonly AlertGrouping[];
  /** Filters a rule on it may set; absent: endpoint and agent. */
  filters?: readonly AlertFilter[];
  /**
   * What it is computed from, and so what `min_requests` counts: `requests` (minute rollups,
   * the default), `model_calls` (model_calls; min_requests counts calls), `nothing` (no_data:
   * min_requests does not apply).
   */
  source?: 'requests' | 'model_calls' | 'nothing';
}

export const ALERT_FILTERS = ['endpoint', 'agent', 'model'] as const;
export type AlertFilter = (typeof ALERT_FILTERS)[number];

/** `model`: service + provider + model, as model_metrics keys a model (README "Alerts"). */
export const ALERT_GROUPINGS = ['platform', 'service', 'endpoint', 'agent', 'model'] as const;
export type AlertGrouping = (typeof ALERT_GROUPINGS)[number];
/** Requests have no model. */
export const REQUEST_GROUPINGS = ['platform', 'service', 'endpoint', 'agent'] as const satisfies readonly AlertGrouping[];
/** Model calls have no endpoint. */
const MODEL_GROUPINGS = ['platform', 'service', 'agent', 'model'] as const;

export const ALERT_METRICS = {
  error_rate: { label: 'error rate', unit: '%', of: (f) => f.performance.errorRate },
  client_error_rate: { label: 'client error rate', unit: '%', of: (f) => f.performance.clientErrorRate },
  avg_response_time: { label: 'average response time', unit: 'ms', of: (f) => f.performance.avgResponseTime },
  p95_response_time: { label: 'p95 response time', unit: 'ms', of: (f) => f.performance.p95ResponseTime },
  p99_response_time: { label: 'p99 response time', unit: 'ms', of: (f) => f.performance.p99ResponseTime },
  requests: { label: 'requests', unit: '', of: (f) => f.performance.totalRequests },
  active_users: { label: 'active users', unit: '', of: (f) => f.activeUsers, per: ['platform', 'service'], filters: [] },
  no_data: { label: 'time without data', unit: 'ms', of: (f) => f.silentMs, per: ['platform', 'service'], filters: [], source: 'nothing' },
  cost: {
    label: 'cost', unit: '', digits: 4, of: (f) => (f.modelCalls === null ? null : f.modelCalls.callCount === 0 ? 0 : costOf(f.modelCalls)),
    per: MODEL_GROUPINGS, filters: ['agent', 'model'], source: 'model_calls',
  },
  tokens: {
    label: 'tokens', unit: '', of: (f) => (f.modelCalls === null ? null : f.modelCalls.inputTokens + f.modelCalls.outputTokens),
    per: MODEL_GROUPINGS, filters: ['agent', 'model'], source: 'model_calls',
  },
} as const satisfies Record<string, MetricDeclaration>;

export type AlertMetric = keyof typeof ALERT_METRICS;
export const ALERT_METRIC_NAMES = Object.keys(ALERT_METRICS) as [AlertMetric, ...AlertMetric[]];

export function metricDeclaration(metric: AlertMetric): MetricDeclaration {
  return ALERT_METRICS[metric];
}

/** The groupings a rule on `metric` may ask for. */
export function groupingsOf(metric: AlertMetric): readonly AlertGrouping[] {
  return metricDeclaration(metric).per ?? REQUEST_GROUPINGS;
}
