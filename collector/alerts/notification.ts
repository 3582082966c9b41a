/**
 * The JSON body of a webhook notification (README "Alerts"), with a one-line `text` so that
 * Slack- and Mattermost-style incoming webhooks show it as it is.
 */
import type { AlertEvent } from '../store/alertTypes.js';
import { metricDeclaration } from './alertMetrics.js';

export interface WebhookPayload {
  status: 'firing' | 'resolved';
  rule: string;
  metric: AlertEvent['metric'];
  value: number | null;
  threshold: number;
  comparison: 'above' | 'below';
  service: string | null;
  endpoint: string | null;
  agent: string | null;
  /** Per model (cost, tokens): the calls' provider and model; else null. */
  provider: string | null;
  model: string | null;
  /** When the alert began firing. */
  startsAt: string;
  /** When it resolved; null while firing. */
  endsAt: string | null;
  /** The status page of the group; null when the status API does not run. */
  link: string | null;
  text: string;
}

/** `baseUrl`: where people reach the status pages, without a trailing slash (null: no pages). */
export function webhookPayload(event: AlertEvent & { state: 'firing' | 'resolved' }, baseUrl: string | null): WebhookPayload {
  const startsAt = event.firingSince ?? event.at;
  return {
    status: event.state,
    rule: event.rule,
    metric: event.metric,
    value: event.value,
    threshold: event.threshold,
    comparison: event.comparison,
    service: event.service,
    endpoint: event.endpoint,
    agent: event.agent,
    provider: event.provider,
    model: event.model,
    startsAt: startsAt.toISOString(),
    endsAt: event.state === 'resolved' ? event.at.toISOString() : null,
    link: baseUrl === null ? null : `${baseUrl}${event.endpoint === null ? '/status' : '/status/api-status'}`,
    text: textOf(event, startsAt),
  };
}

function textOf(event: AlertEvent, startsAt: Date): string {
  const { label, unit, digits = 1 } = metricDeclaration(event.metric);
  const amount = (value: number) => {
    const minutes = unit === 'ms' && event.metric === 'no_data';
    if (minutes) return `${Math.round(value / 60_000)} min`;
    return `${Number.isInteger(value) ? value : value.toFixed(digits)}${unit === '' ? '' : ` ${unit}`}`;
  };
  const where = [event.service === null ? 'all services' : `service ${event.service}`, event.endpoint, event.agent === null ? null : `agent ${event.agent}`,
    event.model === null ? null : `model ${event.model}${event.provider === null ? '' : ` (${event.provider})`}`]
    .filter((part) => part !== null).join(', ');
  const value = event.value === null ? 'no value' : amount(event.value);
  if (event.state === 'resolved') {
    const minutes = Math.max(0, Math.round((event.at.getTime() - startsAt.getTime()) / 60_000));
    return `[RESOLVED] ${event.rule}: ${label} ${value} (it fired ${event.comparison} ${amount(event.threshold)}) on ${where}, after ${minutes} min`;
  }
  return `[FIRING] ${event.rule}: ${label} ${value} ${event.comparison} ${amount(event.threshold)} on ${where} since ${startsAt.toISOString()}`;
}
