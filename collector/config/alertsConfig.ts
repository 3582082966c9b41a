/**
 * `extensions.alerts`: alert rules over the minute rollups, how often they are evaluated, and
 * the webhooks that hear of them (README "Alerts"). Validated like every key, each problem
 * with its key path: an unknown metric or grouping, both or neither of above/below (no_data
 * takes neither: it fires when a group that was sending sends nothing for the window), a
 * window that is not whole minutes, shorter than one or longer than the minute retention
 * (checked against extensions.retention by alertsProblems), groupings and filters a metric
 * cannot honour (its declaration's `per` and `filters`: requests have no model),
 * two rules of one name.
 *
 *   alerts:
 *     evaluation_interval: 30s
 *     rules:
 *       - {name: high-error-rate, metric: error_rate, above: 5, window: 5m, for: 2m, per: service, min_requests: 20}
 *     webhooks:
 *       - {url: "https://hooks.example/abc", secret: "..."}
 */
import { z } from 'zod';
import { ALERT_FILTERS, ALERT_GROUPINGS, ALERT_METRIC_NAMES, groupingsOf, metricDeclaration } from '../alerts/alertMetrics.js';
import { durationSchema, endpointKey } from './valueSchemas.js';

const MINUTE_MS = 60_000;
/** Node's timers take at most 2^31-1 ms. */
const MAX_TIMER_MS = 2_147_483_647;

/** A number, also as a string after ${env:...} substitution; empty is an error, not 0. */
const threshold = z
  .union([z.number(), z.string().trim().regex(/^-?\d+(\.\d+)?$/, 'expected a number').transform(Number)])
  .pipe(z.number().finite());

/** The metrics that can be grouped per model (cost, tokens). */
const MODEL_METRICS = ALERT_METRIC_NAMES.filter((metric) => groupingsOf(metric).includes('model'));

const rule = z.strictObject({
  /** Names the rule in the API, webhooks and silences; unique. */
  name: z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'expected a name of letters, digits and _ . : - (at most 100)'),
  metric: z.enum(ALERT_METRIC_NAMES),
  above: threshold.optional(),
  below: threshold.optional(),
  /** The figures of the last `window` (whole minutes): the minute in progress and those before it. */
  window: durationSchema(Number.MAX_SAFE_INTEGER).default(5 * MINUTE_MS),
  /** How long the condition holds (pending) before the alert fires; 0s fires at once. */
  for: durationSchema(Number.MAX_SAFE_INTEGER, true).default(0),
  /**
   * One alert per platform, service, endpoint (service + "METHOD /route"), agent (service +
   * agent) or model (service + provider + model; cost and tokens only).
   */
  per: z.enum(ALERT_GROUPINGS).default('service'),
  service: z.string().min(1).optional(),
  endpoint: endpointKey.optional(),
  agent: z.string().min(1).optional(),
  /** The model (response model, else request model, as model_metrics has it); cost and tokens only. */
  model: z.string().min(1).optional(),
  /** No verdict on a group with fewer requests in the window. */
  min_requests: z.coerce.number().int().min(0).default(0),
  enabled: z.boolean().default(true),
}).superRefine((r, ctx) => {
  const thresholds = [r.above, r.below].filter((t) => t !== undefined).length;
  if (r.metric === 'no_data') {
    if (thresholds > 0) ctx.addIssue({ code: 'custom', path: [r.above !== undefined ? 'above' : 'below'], message: 'no_data takes neither above nor below: it fires when a group that was sending sends nothing for the window' });
  } else if (thresholds !== 1) {
    ctx.addIssue({ code: 'custom', path: ['above'], message: `give exactly one of above or below (${thresholds === 0 ? 'neither is' : 'both are'} set)` });
  }
  if (r.window < MINUTE_MS || r.window % MINUTE_MS !== 0) {
    ctx.addIssue({ code: 'custom', path: ['window'], message: 'must be whole minutes, at least 1m (figures are kept per minute)' });
  }
  const { per, filters = ['endpoint', 'agent'] } = metricDeclaration(r.metric);
  if (!groupingsOf(r.metric).includes(r.per)) {
    const message = per === undefined ? `${r.metric} is counted from requests, which have no model: per model is for ${MODEL_METRICS.join(' and ')} only`
      : `${r.metric} is counted per ${per.join(' or ')} only`;
    ctx.addIssue({ code: 'custom', path: ['per'], message });
  }
  for (const key of ALERT_FILTERS) {
    if (r[key] === undefined || filters.includes(key)) continue;
    const why = per !== undefined ? `is counted per ${per.join(' or ')}` : 'is counted from requests, which have no model';
    ctx.addIssue({ code: 'custom', path: [key], message: `${r.metric} ${why}: it cannot be filtered by ${key}` });
  }
});

const webhook = z.strictObject({
  /** Where notifications are POSTed; empty: this entry is off (the shipped file reads SPANPULSE_ALERT_WEBHOOK_URL). */
  url: z.string().refine((url) => url === '' || /^https?:\/\/[^\s/]/.test(url), 'expected an http:// or https:// URL, or empty for none').default(''),
  /** HMAC-SHA256 key of the X-Spanpulse-Signature header; empty: unsigned. */
  secret: z.string().default(''),
});

/** The shipped rules (otel-config.yaml writes them out): the alerts the replaced system planned. */
const DEFAULT_RULES = [
  { name: 'high-error-rate', metric: 'error_rate', above: 5, window: '5m', for: '2m', per: 'service', min_requests: 20 },
  { name: 'slow-p95', metric: 'p95_response_time', above: 1000, window: '5m', for: '5m', per: 'endpoint', min_requests: 20 },
  // Noise on a quiet app, so off until someone wants it.
  { name: 'low-active-users', metric: 'active_users', below: 5, window: '30m', for: '15m', per: 'service', enabled: false },
];

export const alertsConfig = z.strictObject({
  evaluation_interval: durationSchema(MAX_TIMER_MS).refine((ms) => ms >= 1000, 'must be 1s or longer').default(30_000),
  rules: z.array(rule).default(() => z.array(rule).parse(DEFAULT_RULES)),
  webhooks: z.array(webhook).default([]),
}).prefault({}).superRefine((alerts, ctx) => {
  const seen = new Map<string, number>();
  alerts.rules.forEach((r, i) => {
    const earlier = seen.get(r.name);
    if (earlier !== undefined) ctx.addIssue({ code: 'custom', path: ['rules', i, 'name'], message: `"${r.name}" is also the name of rules[${earlier}]; names must be unique` });
    seen.set(r.name, i);
  });
});

export type AlertsConfig = z.output<typeof alertsConfig>;
export type AlertRuleConfig = AlertsConfig['rules'][number];

/** The webhooks that are configured (an empty url, as the shipped one without its variable, is none); alerts and scheduled reports post to them. */
export function configuredWebhooks(alerts: AlertsConfig): AlertsConfig['webhooks'] {
  return alerts.webhooks.filter((webhook) => webhook.url !== '');
}

/** Checks against other sections: a window must fit in the minute rollups' retention. */
export function alertsProblems(alerts: AlertsConfig, minuteRetentionMs: number): string[] {
  return alerts.rules.flatMap((r, i) => r.window > minuteRetentionMs
    ? [`extensions.alerts.rules.${i}.window: is longer than extensions.retention.minute_metrics (${minuteRetentionMs / MINUTE_MS} min), so its figures would be gone`]
    : []);
}
