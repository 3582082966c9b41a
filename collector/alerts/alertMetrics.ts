/**
 * The metrics an alert rule can watch, declared once: config validation (alertsConfig.ts), the
 * evaluator (groupFigures.ts), the webhook text and the docs all read this list.
 *
 * Each metric is computed for one group over the minute rollups of the rule's window: rates in
 * percent (0-100), times in milliseconds, counts as counts. `active_users` counts the distinct
 * sessions active in the window (so it exists per platform and per service only), `no_data`
 * the milliseconds since the group's last span (it fires when that exceeds the window).
 */
import type { Performance } from '../../api/stats/Totals.js';

export interface WindowFigures {
  performance: Performance;
  /** Distinct sessions active in the window; only for metrics that need it. */
  activeUsers: number | null;
  /** Milliseconds since the group's last span; only for `no_data`. */
  silentMs: number | null;
}

interface MetricDeclaration {
  /** For the one-line text of a notification: "error rate 7.5 % above 5 %". */
  label: string;
  unit: '%' | 'ms' | '';
  of: (figures: WindowFigures) => number | null;
  /** Groups this metric exists for; absent: every kind. */
  per?: readonly AlertGrouping[];
}

export const ALERT_GROUPINGS = ['platform', 'service', 'endpoint', 'agent'] as const;
export type AlertGrouping = (typeof ALERT_GROUPINGS)[number];

export const ALERT_METRICS = {
  error_rate: { label: 'error rate', unit: '%', of: (f) => f.performance.errorRate },
  client_error_rate: { label: 'client error rate', unit: '%', of: (f) => f.performance.clientErrorRate },
  avg_response_time: { label: 'average response time', unit: 'ms', of: (f) => f.performance.avgResponseTime },
  p95_response_time: { label: 'p95 response time', unit: 'ms', of: (f) => f.performance.p95ResponseTime },
  p99_response_time: { label: 'p99 response time', unit: 'ms', of: (f) => f.performance.p99ResponseTime },
  requests: { label: 'requests', unit: '', of: (f) => f.performance.totalRequests },
  active_users: { label: 'active users', unit: '', of: (f) => f.activeUsers, per: ['platform', 'service'] },
  no_data: { label: 'time without data', unit: 'ms', of: (f) => f.silentMs, per: ['platform', 'service'] },
} as const satisfies Record<string, MetricDeclaration>;

export type AlertMetric = keyof typeof ALERT_METRICS;
export const ALERT_METRIC_NAMES = Object.keys(ALERT_METRICS) as [AlertMetric, ...AlertMetric[]];

export function metricDeclaration(metric: AlertMetric): MetricDeclaration {
  return ALERT_METRICS[metric];
}
