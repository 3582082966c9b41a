// /status/api-status: every endpoint's state and figures for the chosen window, its
// availability over 24 h / 7 / 30 / 90 days with one bar per day, and the split by agent;
// refreshed from /api/status/api-status every few seconds without reloading. Endpoints with an
// active alert (from /api/status) are marked; an endpoint's "Last 60 minutes" chart, once
// opened, is refreshed from /api/status/minutes with the rest.
import { activeAlerts, alertMark, alertsOfEndpoint } from './alerts.js';
import { badge, card, displayName, fill, fmt, h, nameEl, noDataHelp, poll, saveUrlParams, setOptions, sortRows, sortableTable, urlParams } from './common.js';
import { minuteChart } from './minuteChart.js';

const DEFAULTS = { window: '24h', service: '' };
const params = urlParams(DEFAULTS);
let sort = { key: 'state', dir: 'desc' };
let last = null;
const openDetails = new Set();
/** Each endpoint's agent table keeps its own order, like its open state, across refreshes. */
const agentSorts = new Map();
const AGENTS_SORT = { key: 'totalRequests', dir: 'desc' };
/** The endpoints whose minute chart is open, by key, with the chart (kept across refreshes, so it redraws in place). */
const minuteCharts = new Map();
/** The active alerts of the last /api/status answer. */
let alerts = [];

const windowSelect = document.getElementById('window');
const serviceSelect = document.getElementById('service');
windowSelect.value = params.window;
setOptions(serviceSelect, [['', 'All services'], ...(params.service ? [[params.service, params.service]] : [])], params.service);
for (const select of [windowSelect, serviceSelect]) {
  select.addEventListener('change', () => {
    params[select.name] = select.value;
    saveUrlParams(params, DEFAULTS);
    refresh();
  });
}

function url() {
  const search = new URLSearchParams({ window: params.window });
  if (params.service) search.set('service', params.service);
  return [`/api/status/api-status?${search}`, '/api/status', ...[...minuteCharts.values()].map(({ endpoint }) => minutesUrl(endpoint))];
}

function minutesUrl(endpoint) {
  return `/api/status/minutes?${new URLSearchParams({ service: endpoint.serviceName, method: endpoint.method, route: endpoint.endpoint })}`;
}

const SEVERITY = { down: 3, degraded: 2, operational: 1, no_data: 0 };
const keyOf = (e) => `${e.serviceName} ${e.method} ${e.endpoint}`;
const alertsOf = (e) => alertsOfEndpoint(alerts, e.serviceName, e.method, e.endpoint);

const COLUMNS = [
  { key: 'endpoint', label: 'Endpoint', value: (e) => `${e.endpoint} ${e.method}`, render: (e) => h('span', { class: 'endpoint-cell' }, nameEl(e.method, 'method'), ' ', h('code', {}, nameEl(e.endpoint))) },
  { key: 'serviceName', label: 'Service', value: (e) => e.serviceName, name: true },
  { key: 'state', label: 'State', value: (e) => SEVERITY[e.state], render: (e) => h('span', { class: 'state-cell' }, badge(e.state), alertMark(alertsOf(e))) },
  { key: 'totalRequests', label: 'Requests', value: (e) => e.totalRequests, render: (e) => fmt.int(e.totalRequests), numeric: true },
  { key: 'avgResponseTime', label: 'Avg', value: (e) => e.avgResponseTime, render: (e) => fmt.ms(e.avgResponseTime), numeric: true },
  { key: 'p95ResponseTime', label: 'p95', value: (e) => e.p95ResponseTime, render: (e) => fmt.ms(e.p95ResponseTime), numeric: true },
  { key: 'p99ResponseTime', label: 'p99', value: (e) => e.p99ResponseTime, render: (e) => fmt.ms(e.p99ResponseTime), numeric: true },
  { key: 'errorRate', label: 'Errors', value: (e) => e.errorRate, render: (e) => fmt.percent(e.errorRate), numeric: true },
  { key: 'clientErrorRate', label: '4xx', value: (e) => e.clientErrorRate, render: (e) => fmt.percent(e.clientErrorRate), numeric: true },
  { key: 'availability24h', label: '24 h', value: (e) => e.availability24h, render: (e) => fmt.percent(e.availability24h), numeric: true },
  { key: 'availability7d', label: '7 d', value: (e) => e.availability7d, render: (e) => fmt.percent(e.availability7d), numeric: true },
  { key: 'availability30d', label: '30 d', value: (e) => e.availability30d, render: (e) => fmt.percent(e.availability30d), numeric: true },
  { key: 'availability90d', label: '90 d', value: (e) => e.availability90d, render: (e) => fmt.percent(e.availability90d), numeric: true },
];

function barClass(availability) {
  if (availability === null) return '';
  if (availability >= 99.9) return 'full';
  if (availability >= 99) return 'minor';
  if (availability >= 95) return 'partial';
  return 'major';
}

function bars(endpoint, days) {
  return h('div', {},
    h('div', { class: 'bars', role: 'img', 'aria-label': `Daily availability of ${displayName(endpoint.method)} ${displayName(endpoint.endpoint)} over 90 days: ${fmt.percent(endpoint.availability90d)}` },
      endpoint.dailyAvailability.map((availability, i) => h('span', {
        class: barClass(availability),
        title: availability === null ? `${days[i]}: no requests` : `${days[i]}: ${fmt.percent(availability)} of ${fmt.int(endpoint.dailyRequests[i])} requests`,
      }))),
    h('div', { class: 'bars-legend' }, h('span', {}, days[0] ?? ''), h('span', {}, 'today')));
}

function agentsTable(endpoint, key) {
  return sortableTable({
    columns: [
      { key: 'agentName', label: 'Agent', value: (a) => a.agentName ?? '(none)', name: true },
      { key: 'totalRequests', label: 'Requests', value: (a) => a.totalRequests, render: (a) => fmt.int(a.totalRequests), numeric: true },
      { key: 'errorRate', label: 'Errors', value: (a) => a.errorRate, render: (a) => fmt.percent(a.errorRate), numeric: true },
      { key: 'avgResponseTime', label: 'Avg', value: (a) => a.avgResponseTime, render: (a) => fmt.ms(a.avgResponseTime), numeric: true },
      { key: 'p95ResponseTime', label: 'p95', value: (a) => a.p95ResponseTime, render: (a) => fmt.ms(a.p95ResponseTime), numeric: true },
    ],
    rows: endpoint.agents,
    sort: agentSorts.get(key) ?? AGENTS_SORT,
    onSort: (next) => { agentSorts.set(key, next); render(last); },
    empty: 'No requests in this window',
  });
}

function endpointCard(endpoint, days) {
  const key = keyOf(endpoint);
  const details = h('details', { class: 'agents', open: openDetails.has(key) },
    h('summary', {}, `By agent (${endpoint.agents.length})`), agentsTable(endpoint, key));
  details.addEventListener('toggle', () => (details.open ? openDetails.add(key) : openDetails.delete(key)));
  const name = `${displayName(endpoint.method)} ${displayName(endpoint.endpoint)} (${displayName(endpoint.serviceName)})`;
  return h('article', { class: 'endpoint', 'aria-label': name },
    h('div', { class: 'head' }, nameEl(endpoint.method, 'method'), nameEl(endpoint.endpoint, 'route'),
      badge(endpoint.state), alertMark(alertsOf(endpoint)), nameEl(endpoint.serviceName, 'service')),
    h('div', { class: 'figures' },
      h('span', {}, '24 h ', h('b', {}, fmt.percent(endpoint.availability24h))),
      h('span', {}, '7 d ', h('b', {}, fmt.percent(endpoint.availability7d))),
      h('span', {}, '30 d ', h('b', {}, fmt.percent(endpoint.availability30d))),
      h('span', {}, '90 d ', h('b', {}, fmt.percent(endpoint.availability90d)))),
    bars(endpoint, days),
    minutesDetails(endpoint, key, name),
    details);
}

/** The endpoint's last 60 minutes, loaded when opened and then refreshed with the page. */
function minutesDetails(endpoint, key, name) {
  const open = minuteCharts.get(key);
  const details = h('details', { class: 'minutes', open: open !== undefined },
    h('summary', {}, 'Last 60 minutes'), open?.chart.el);
  details.addEventListener('toggle', () => {
    if (details.open === minuteCharts.has(key)) return;
    if (details.open) {
      const chart = minuteChart(`Requests, errors and p95 response time per minute of ${name} over the last 60 minutes`);
      minuteCharts.set(key, { endpoint, chart });
      details.append(chart.el);
    } else {
      minuteCharts.get(key)?.chart.destroy();
      minuteCharts.delete(key);
    }
    refresh();
  });
  return details;
}

function render(answers) {
  last = answers;
  const [data, status, ...minutes] = answers;
  // Without a fresh /api/status, the marks of the last one stay.
  if (status !== null) alerts = activeAlerts(status);
  setOptions(serviceSelect, [['', 'All services'], ...data.services.map((s) => [s, s])], params.service);
  fill('no-data', data.usingRealData ? null : noDataHelp());
  const t = data.thresholds;
  document.getElementById('range').textContent =
    `Window ${fmt.dateTime(data.window.from)} – ${fmt.dateTime(data.window.to)} · degraded above ${t.degradedErrorRate} % errors or p95 ${fmt.ms(t.degradedP95Ms)},` +
    ` down above ${t.downErrorRate} % or ${fmt.ms(t.downP95Ms)} · percentiles within ±${(data.percentileRelativeError * 100).toFixed(1)} %`;
  const s = data.summary;
  fill('summary',
    card('Endpoints', fmt.int(s.endpoints), null, { 'data-testid': 'endpoints' }),
    card('Operational', fmt.int(s.operational), null, { 'data-testid': 'operational' }),
    card('Degraded', fmt.int(s.degraded), null, { 'data-testid': 'degraded' }),
    card('Down', fmt.int(s.down), null, { 'data-testid': 'down' }),
    card('No requests', fmt.int(s.noData), 'in this window'));
  fill('endpoints', sortableTable({
    columns: COLUMNS,
    rows: data.endpoints,
    sort,
    onSort: (next) => { sort = next; render(last); },
    empty: 'No endpoint has received requests yet',
  }));
  const ordered = sortRows(data.endpoints, COLUMNS, sort);
  fill('bars', ordered.length === 0 ? h('p', { class: 'muted' }, 'No data yet') : ordered.map((endpoint) => endpointCard(endpoint, data.days)));
  // A chart of an endpoint no longer listed (another service picked) is no longer polled.
  const listed = new Set(data.endpoints.map(keyOf));
  for (const [key, { chart }] of minuteCharts) {
    if (listed.has(key)) continue;
    chart.destroy();
    minuteCharts.delete(key);
  }
  // After the cards, so that a chart drawn for the first time is drawn on a canvas in the page.
  // Each answer names its endpoint; one that failed (null) leaves its chart as it was.
  for (const answer of minutes) {
    if (answer !== null) minuteCharts.get(keyOf({ serviceName: answer.service, method: answer.method, endpoint: answer.route }))?.chart.update(answer);
  }
}

const refresh = poll(url, render);
