/**
 * `extensions.alerts`: the shipped rules and their defaults, environment variables, and every
 * kind of mistake reported with its key path.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../../collector/config/loadConfig.js';
import { problemsOf } from './configProblems.js';

const shipped = fileURLToPath(new URL('../../../otel-config.yaml', import.meta.url));

const rules = (...lines: string[]) => `extensions: {alerts: {rules: [${lines.join(', ')}]}}`;

describe('extensions.alerts', () => {
  it('the shipped file writes out the schema defaults: three rules, the last one off, no webhook, every 30 s', () => {
    const fromFile = loadConfig(shipped, {}).extensions.alerts;
    const defaults = parseConfig('', 'x', {}).extensions.alerts;
    expect({ ...fromFile, webhooks: [] }).toEqual(defaults);
    expect(fromFile.evaluation_interval).toBe(30_000);
    expect(fromFile.rules).toEqual([
      { name: 'high-error-rate', metric: 'error_rate', above: 5, window: 300_000, for: 120_000, per: 'service', min_requests: 20, enabled: true },
      { name: 'slow-p95', metric: 'p95_response_time', above: 1000, window: 300_000, for: 300_000, per: 'endpoint', min_requests: 20, enabled: true },
      { name: 'low-active-users', metric: 'active_users', below: 5, window: 1_800_000, for: 900_000, per: 'service', min_requests: 0, enabled: false },
    ]);
    // The shipped entry reads SPANPULSE_ALERT_WEBHOOK_URL: empty, it is no webhook.
    expect(fromFile.webhooks).toEqual([{ url: '', secret: '' }]);
    expect(loadConfig(shipped, {}).service.extensions).toEqual(['status_api', 'retention', 'alerts', 'reports']);
  });

  it('reads the interval, webhook and secret from the SPEC variables', () => {
    const alerts = loadConfig(shipped, {
      SPANPULSE_ALERT_INTERVAL: '5s', SPANPULSE_ALERT_WEBHOOK_URL: 'https://hooks.example/x', SPANPULSE_ALERT_WEBHOOK_SECRET: 'k',
    }).extensions.alerts;
    expect(alerts.evaluation_interval).toBe(5000);
    expect(alerts.webhooks).toEqual([{ url: 'https://hooks.example/x', secret: 'k' }]);
  });

  it('takes every metric and grouping it documents, filters included', () => {
    expect(problemsOf(rules(
      '{name: a, metric: client_error_rate, above: 10, per: platform}',
      '{name: b, metric: avg_response_time, above: 500, per: agent, service: shop, agent: support}',
      '{name: c, metric: p99_response_time, above: 2000, per: endpoint, endpoint: "POST /api/chat", for: 0s}',
      '{name: d, metric: requests, below: 1, per: service, window: 48h}',
      '{name: e, metric: no_data, window: 10m}',
      '{name: f, metric: cost, above: 0.5, per: agent, agent: support, model: gpt-4o}',
      '{name: g, metric: tokens, above: 100000, per: platform}',
      '{name: h, metric: cost, above: 1, per: model, agent: support}',
      '{name: i, metric: tokens, above: 1000, per: model, model: gpt-4o}',
    ))).toEqual([]);
  });

  it('cost and tokens are counted from model calls: per platform, service, agent or model, filtered by agent or model, not by endpoint; requests have no model', () => {
    expect(problemsOf(rules(
      '{name: a, metric: cost, above: 1, per: endpoint}',
      '{name: b, metric: tokens, above: 1, endpoint: "POST /api/chat"}',
      '{name: c, metric: error_rate, above: 5, model: gpt-4o}',
      '{name: d, metric: active_users, below: 5, model: gpt-4o}',
      '{name: e, metric: error_rate, above: 5, per: model}',
      '{name: f, metric: active_users, below: 5, per: model}',
      '{name: g, metric: no_data, per: model}',
    ))).toEqual([
      'extensions.alerts.rules.0.per: cost is counted per platform or service or agent or model only',
      'extensions.alerts.rules.1.endpoint: tokens is counted per platform or service or agent or model: it cannot be filtered by endpoint',
      'extensions.alerts.rules.2.model: error_rate is counted from requests, which have no model: it cannot be filtered by model',
      'extensions.alerts.rules.3.model: active_users is counted per platform or service: it cannot be filtered by model',
      'extensions.alerts.rules.4.per: error_rate is counted from requests, which have no model: per model is for cost and tokens only',
      'extensions.alerts.rules.5.per: active_users is counted per platform or service only',
      'extensions.alerts.rules.6.per: no_data is counted per platform or service only',
    ]);
  });

  it('refuses mistakes with their key paths, all at once', () => {
    expect(problemsOf(`
extensions:
  alerts:
    evaluation_interval: 500ms
    rules:
      - {name: a, metric: error_ratio, above: 5}
      - {name: b, metric: error_rate, above: 5, below: 1}
      - {name: c, metric: error_rate}
      - {name: d, metric: error_rate, above: 5, window: 30s}
      - {name: e, metric: error_rate, above: 5, window: 90s}
      - {name: f, metric: no_data, below: 1}
      - {name: g, metric: active_users, below: 5, per: endpoint}
      - {name: h, metric: error_rate, above: 5, endpoint: "/api/chat"}
      - {name: a, metric: requests, above: 1, colour: red}
    webhooks:
      - {url: "ftp://x"}
`)).toEqual([
      'extensions.alerts.evaluation_interval: must be 1s or longer',
      expect.stringMatching(/^extensions\.alerts\.rules\.0\.metric: /),
      'extensions.alerts.rules.1.above: give exactly one of above or below (both are set)',
      'extensions.alerts.rules.2.above: give exactly one of above or below (neither is set)',
      'extensions.alerts.rules.3.window: must be whole minutes, at least 1m (figures are kept per minute)',
      'extensions.alerts.rules.4.window: must be whole minutes, at least 1m (figures are kept per minute)',
      'extensions.alerts.rules.5.below: no_data takes neither above nor below: it fires when a group that was sending sends nothing for the window',
      'extensions.alerts.rules.6.per: active_users is counted per platform or service only',
      'extensions.alerts.rules.7.endpoint: expected "METHOD /route", e.g. "POST /api/chat"',
      'extensions.alerts.rules.8.colour: unknown key',
      'extensions.alerts.webhooks.0.url: expected an http:// or https:// URL, or empty for none',
    ]);
  });

  it('refuses two rules of one name, and a window longer than the minute retention', () => {
    expect(problemsOf(rules('{name: a, metric: requests, above: 1}', '{name: a, metric: requests, below: 1}'))).toEqual([
      'extensions.alerts.rules.1.name: "a" is also the name of rules[0]; names must be unique',
    ]);
    expect(problemsOf('extensions: {alerts: {rules: [{name: a, metric: requests, above: 1, window: 3h}]}, retention: {minute_metrics: 2h}}')).toEqual([
      'extensions.alerts.rules.0.window: is longer than extensions.retention.minute_metrics (120 min), so its figures would be gone',
    ]);
  });

  it('alerts is an extension that can be left out', () => {
    expect(problemsOf('service: {extensions: [status_api]}')).toEqual([]);
    expect(problemsOf('service: {extensions: [alarms]}')).toEqual([
      'service.extensions[0]: "alarms" is not a component; expected one of status_api, retention, alerts, reports',
    ]);
  });
});
