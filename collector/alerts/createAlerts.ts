/**
 * The `alerts` extension built from `extensions.alerts`: the evaluator with its rules and the
 * webhook sender (webhooks with an empty url are left out). Links in notifications point at the
 * status API's bound address; a wildcard address (0.0.0.0, ::) is named by the host's name,
 * which is what people on the same network reach it by.
 */
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import { configuredWebhooks, type AlertsConfig } from '../config/alertsConfig.js';
import type { Store } from '../store/types.js';
import type { Telemetry } from '../telemetry/Telemetry.js';
import { AlertEvaluator } from './AlertEvaluator.js';
import { alertRulesOf } from './AlertRule.js';
import { WebhookSender } from './WebhookSender.js';

export interface StatusPages {
  address: AddressInfo | undefined;
  scheme: 'http' | 'https';
}

export function createAlerts(alerts: AlertsConfig, store: Store, telemetry: Telemetry, minuteRetentionMs: number, pages: StatusPages | undefined,
  now?: () => Date): AlertEvaluator {
  const webhooks = new WebhookSender(configuredWebhooks(alerts), store, telemetry.alerts);
  return new AlertEvaluator(store, webhooks, telemetry.alerts, {
    rules: alertRulesOf(alerts.rules),
    intervalMs: alerts.evaluation_interval,
    minuteRetentionMs,
    pageUrl: () => (pages?.address === undefined ? null : pageUrlOf(pages.address, pages.scheme)),
    now,
  });
}

export function pageUrlOf(address: AddressInfo, scheme: 'http' | 'https'): string {
  const wildcard = address.address === '0.0.0.0' || address.address === '::';
  const host = wildcard ? hostname() : address.address;
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}
