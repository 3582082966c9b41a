// Alerts on the pages: the active ones of GET /api/status (`alerts.active`), the incidents and
// silences of GET /api/status/alerts. Rule, service, endpoint, agent, provider and model names and silence
// comments are shown through nameEl / displayName like every stored name; an answer without
// an `alerts` object (a collector without alert rules) shows "No alerts".
import { displayName, fmt, h, nameEl, sortableTable } from './common.js';

/** The active alerts of a /api/status answer; none when it has no `alerts.active` list. */
export function activeAlerts(status) {
  const active = status?.alerts?.active;
  return Array.isArray(active) ? active : [];
}

/** Whether the collector evaluates alerts, and so serves GET /api/status/alerts. */
export function alertsServed(status) {
  const alerts = status?.alerts;
  return alerts !== null && typeof alerts === 'object' && Array.isArray(alerts.active);
}

const METRICS = {
  error_rate: { label: 'error rate', unit: 'percent' },
  client_error_rate: { label: '4xx rate', unit: 'percent' },
  avg_response_time: { label: 'avg response', unit: 'ms' },
  p95_response_time: { label: 'p95 response', unit: 'ms' },
  p99_response_time: { label: 'p99 response', unit: 'ms' },
  requests: { label: 'requests', unit: 'count' },
  active_users: { label: 'active users', unit: 'count' },
  no_data: { label: 'no data', unit: 'count' },
  // In the price table's currency, which the alert does not carry: 4 decimals, as the webhook text.
  cost: { label: 'cost', unit: 'amount' },
  tokens: { label: 'tokens', unit: 'count' },
};

export function metricLabel(metric) {
  return METRICS[metric]?.label ?? displayName(metric);
}

/** A value of `metric` in its unit: 12.3 %, 1,250 ms, 4. */
export function metricValue(metric, value) {
  if (value === null || value === undefined) return fmt.int(null);
  const unit = METRICS[metric]?.unit;
  if (unit === 'percent') return fmt.percent(value, 1);
  if (unit === 'ms') return fmt.ms(value);
  if (unit === 'amount') return value.toFixed(4);
  return fmt.int(value);
}

/** "error rate 12.3 % (above 5.0 %)"; a no_data alert has no value to show. */
export function conditionText(alert) {
  if (alert.metric === 'no_data') return 'no requests in the window';
  return `${metricLabel(alert.metric)} ${metricValue(alert.metric, alert.value)} (${alert.comparison === 'below' ? 'below' : 'above'} ${metricValue(alert.metric, alert.threshold)})`;
}

/** The parts of an alert's group that it names, as [kind, value]: service, endpoint, agent, provider, model. */
function groupParts(item) {
  return ['service', 'endpoint', 'agent', 'provider', 'model'].map((kind) => [kind, item[kind]]).filter(([, v]) => v !== null && v !== undefined);
}

/** What an alert, incident or silence is about: its service, endpoint, agent and model, or `none` when it names none. */
export function groupEl(item, none = 'platform') {
  const parts = groupParts(item);
  if (parts.length === 0) return h('span', { class: 'group' }, none);
  return h('span', { class: 'group' }, parts.flatMap(([kind, value], i) => [i > 0 ? ' · ' : null, `${kind} `, nameEl(value)]));
}

export function groupText(item, none = 'platform') {
  return groupParts(item).map(([, value]) => displayName(value)).join(' · ') || none;
}

const STATE_ORDER = { firing: 0, pending: 1 };

function stateBadge(state) {
  return h('span', { class: `badge alert-${state === 'firing' ? 'firing' : 'pending'}` }, displayName(state));
}

/** The active alerts, firing before pending and unsilenced before silenced, oldest first. */
export function alertList(active, nowMs) {
  if (active.length === 0) return h('p', { class: 'muted', 'data-testid': 'no-alerts' }, 'No alerts');
  const sorted = [...active].sort((a, b) => (STATE_ORDER[a.state] ?? 2) - (STATE_ORDER[b.state] ?? 2)
    || Number(a.silenced) - Number(b.silenced) || Date.parse(a.since) - Date.parse(b.since));
  return h('ul', { class: 'alerts' }, sorted.map((alert) => h('li', {
    class: `alert ${alert.state === 'firing' ? 'firing' : 'pending'}${alert.silenced ? ' silenced' : ''}`, 'data-testid': 'alert',
  },
  stateBadge(alert.state),
  alert.silenced ? h('span', { class: 'badge silenced', title: 'notifications stopped by a silence' }, 'silenced') : null,
  nameEl(alert.rule, 'rule'),
  groupEl(alert),
  h('span', { class: 'condition' }, conditionText(alert)),
  h('span', { class: 'muted' }, `since ${fmt.dateTime(alert.since)} (${fmt.ago(alert.since, nowMs)})`))));
}

/** The alerts of `active` about one endpoint of one service (an alert naming no service counts for every one). */
export function alertsOfEndpoint(active, serviceName, method, endpoint) {
  const name = `${method} ${endpoint}`;
  return active.filter((a) => a.endpoint === name && (a.service === null || a.service === undefined || a.service === serviceName));
}

/** A mark for an endpoint with active alerts (null without): the worst state, the rules on hover. */
export function alertMark(alerts) {
  if (alerts.length === 0) return null;
  const firing = alerts.some((a) => a.state === 'firing');
  const silenced = alerts.every((a) => a.silenced);
  const rules = alerts.map((a) => `${displayName(a.rule)}: ${conditionText(a)}${a.silenced ? ' (silenced)' : ''}`).join('\n');
  return h('span', { class: `badge alert-${firing ? 'firing' : 'pending'}${silenced ? ' silenced' : ''}`, title: rules, 'data-testid': 'endpoint-alert' },
    `alert ${firing ? 'firing' : 'pending'}${silenced ? ' (silenced)' : ''}`);
}

/** One cell per UTC day of the last `days` days, marked when an incident was open on it. */
export function incidentStrip(incidents, nowMs, days = 90) {
  const DAY = 86_400_000;
  const today = Math.floor(nowMs / DAY) * DAY;
  const first = today - (days - 1) * DAY;
  const counts = new Array(days).fill(0);
  for (const incident of incidents) {
    const start = Math.max(first, Math.floor(Date.parse(incident.startsAt) / DAY) * DAY);
    const end = incident.endsAt === null || incident.endsAt === undefined ? today : Math.floor(Date.parse(incident.endsAt) / DAY) * DAY;
    for (let day = start; day <= Math.min(end, today); day += DAY) counts[(day - first) / DAY] += 1;
  }
  const dayName = (i) => new Date(first + i * DAY).toISOString().slice(0, 10);
  return h('div', {},
    h('div', { class: 'bars incidents', role: 'img', 'aria-label': `Incidents per day over the last ${days} days: ${incidents.length} in all` },
      counts.map((n, i) => h('span', { class: n > 0 ? 'major' : 'full', title: `${dayName(i)}: ${n === 0 ? 'no incident' : n === 1 ? '1 incident' : `${n} incidents`}` }))),
    h('div', { class: 'bars-legend' }, h('span', {}, dayName(0)), h('span', {}, 'today')));
}

const INCIDENT_COLUMNS = [
  { key: 'startsAt', label: 'Started', value: (i) => i.startsAt, render: (i) => fmt.dateTime(i.startsAt) },
  { key: 'rule', label: 'Rule', value: (i) => i.rule, name: true },
  { key: 'group', label: 'Where', value: (i) => groupText(i), render: (i) => groupEl(i) },
  { key: 'durationMs', label: 'Duration', value: (i) => i.durationMs, render: (i) => (i.endsAt === null ? 'ongoing' : fmt.duration(i.durationMs / 1000)), numeric: true },
  { key: 'peakValue', label: 'Peak', value: (i) => i.peakValue, render: (i) => `${metricLabel(i.metric)} ${metricValue(i.metric, i.peakValue)}`, numeric: true },
  { key: 'notifications', label: 'Notified', value: (i) => i.notifications?.sent ?? 0,
    render: (i) => `${fmt.int(i.notifications?.sent ?? 0)} sent${i.notifications?.failed ? ` · ${fmt.int(i.notifications.failed)} failed` : ''}`, numeric: true },
];

export function incidentTable(incidents, sort, onSort) {
  return sortableTable({ columns: INCIDENT_COLUMNS, rows: incidents, sort, onSort, empty: 'No incidents in the last 90 days' });
}

const SILENCE_COLUMNS = [
  { key: 'rule', label: 'Rule', value: (s) => s.rule ?? 'every rule', name: true },
  { key: 'group', label: 'Where', value: (s) => groupText(s, 'everywhere'), render: (s) => groupEl(s, 'everywhere') },
  { key: 'from', label: 'From', value: (s) => s.from, render: (s) => fmt.dateTime(s.from) },
  { key: 'to', label: 'To', value: (s) => s.to, render: (s) => fmt.dateTime(s.to) },
  { key: 'comment', label: 'Comment', value: (s) => s.comment ?? '', name: true },
];

export function silenceTable(silences, sort, onSort) {
  return sortableTable({ columns: SILENCE_COLUMNS, rows: silences, sort, onSort, empty: 'No silences' });
}
