/**
 * A rule as the evaluator uses it (Options, from `extensions.alerts.rules`, alertsConfig.ts):
 * the comparison spelled out and durations in milliseconds. `no_data` compares the time since
 * the group's last span with the window: "above window".
 */
import type { AlertRuleConfig } from '../config/alertsConfig.js';
import type { AlertGrouping, AlertMetric } from './alertMetrics.js';

export interface AlertRule {
  name: string;
  metric: AlertMetric;
  comparison: 'above' | 'below';
  threshold: number;
  windowMs: number;
  forMs: number;
  per: AlertGrouping;
  /** Filters; undefined matches every value. */
  service: string | undefined;
  /** "METHOD /route". */
  endpoint: string | undefined;
  agent: string | undefined;
  /** cost and tokens: the model of the calls. */
  model: string | undefined;
  minRequests: number;
}

/** The enabled rules of the config. */
export function alertRulesOf(rules: readonly AlertRuleConfig[]): AlertRule[] {
  return rules.filter((rule) => rule.enabled).map((rule) => ({
    name: rule.name,
    metric: rule.metric,
    comparison: rule.below !== undefined ? 'below' : 'above',
    threshold: rule.metric === 'no_data' ? rule.window : (rule.below ?? rule.above)!,
    windowMs: rule.window,
    forMs: rule.for,
    per: rule.per,
    service: rule.service,
    endpoint: rule.endpoint,
    agent: rule.agent,
    model: rule.model,
    minRequests: rule.min_requests,
  }));
}

/** Whether `value` breaks the rule; null (no verdict) when there is no value. */
export function conditionHolds(rule: Pick<AlertRule, 'comparison' | 'threshold'>, value: number | null): boolean | null {
  if (value === null) return null;
  return rule.comparison === 'above' ? value > rule.threshold : value < rule.threshold;
}

/** The farther past the threshold of two values (largest for above, smallest for below). */
export function peakOf(rule: Pick<AlertRule, 'comparison'>, a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return rule.comparison === 'above' ? Math.max(a, b) : Math.min(a, b);
}
