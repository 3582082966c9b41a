// /status: active alerts, overall state, live figures, the last 60 minutes, services, agents,
// the incidents of the last 90 days and the collector's own health, refreshed every few
// seconds from /api/status, /api/status/minutes and (when the collector evaluates alerts)
// /api/status/alerts.
import { activeAlerts, alertList, alertsServed, incidentStrip, incidentTable, silenceTable } from './alerts.js';
import { badge, card, fill, fmt, h, noDataHelp, poll, sortableTable } from './common.js';
import { minuteChart } from './minuteChart.js';

const STATE_TITLES = {
  operational: 'All systems operational',
  degraded: 'Degraded performance',
  down: 'Major outage',
  no_data: 'Waiting for data',
};

let servicesSort = { key: 'serviceName', dir: 'asc' };
let agentsSort = { key: 'totalRequests', dir: 'desc' };
let incidentsSort = { key: 'startsAt', dir: 'desc' };
let silencesSort = { key: 'from', dir: 'desc' };
let last = null;
/** Known from the first /api/status answer: until then, and on a collector without alerts, no history is asked for. */
let withAlerts = false;
const chart = minuteChart('Requests, errors and p95 response time per minute over the last 60 minutes, all services');
document.getElementById('minutes').append(chart.el);

function url() {
  return ['/api/status', '/api/status/minutes', ...(withAlerts ? ['/api/status/alerts?window=90d'] : [])];
}

function render([status, minutes, history = null]) {
  last = [status, minutes, history];
  fill('no-data', status.usingRealData ? null : noDataHelp());
  const now = Date.parse(status.timestamp);
  fill('alerts', alertList(activeAlerts(status), now));
  chart.update(minutes);
  renderHistory(history, now);

  const overall = document.getElementById('overall');
  overall.className = `banner overall state-${status.status}`;
  overall.replaceChildren(
    badge(status.status),
    h('div', {}, h('div', { class: 'title' }, STATE_TITLES[status.status] ?? status.status),
      status.reasons.length > 0 ? h('ul', {}, status.reasons.map((r) => h('li', {}, r))) : null),
  );

  const perf = status.apiPerformance;
  fill('cards',
    card('Active users now', fmt.int(status.activeUsers), `sessions active in the last ${fmt.duration(status.sessionInactivityMs / 1000)}`, { 'data-testid': 'active-users' }),
    card('Requests', fmt.int(perf?.totalRequests), 'last hour', { 'data-testid': 'requests' }),
    card('Success rate', fmt.percent(perf?.successRate), 'last hour, non-5xx', { 'data-testid': 'success-rate' }),
    card('Avg response', fmt.ms(perf?.avgResponseTime), 'last hour', { 'data-testid': 'avg-response' }),
    card('p95 response', fmt.ms(perf?.p95ResponseTime), 'last hour', { 'data-testid': 'p95-response' }),
    card('Tracked agents', fmt.int(status.trackedAgents), 'seen yesterday or today', { 'data-testid': 'tracked-agents' }),
  );

  fill('services', sortableTable({
    columns: [
      { key: 'serviceName', label: 'Service', value: (s) => s.serviceName, name: true },
      { key: 'state', label: 'State', value: (s) => s.state, render: (s) => badge(s.state) },
      { key: 'lastSeen', label: 'Last span', value: (s) => s.lastSeen, render: (s) => fmt.ago(s.lastSeen, Date.parse(status.timestamp)) },
      { key: 'spanCount', label: 'Spans', value: (s) => s.spanCount, render: (s) => fmt.int(s.spanCount), numeric: true },
    ],
    rows: status.services,
    sort: servicesSort,
    onSort: (sort) => { servicesSort = sort; render(last); },
    empty: 'No service has sent spans yet',
  }));

  fill('agents', sortableTable({
    columns: [
      { key: 'agentName', label: 'Agent', value: (a) => a.agentName, name: true },
      { key: 'serviceName', label: 'Service', value: (a) => a.serviceName, name: true },
      { key: 'state', label: 'State', value: (a) => a.state, render: (a) => badge(a.state) },
      { key: 'activeUsers', label: 'Active users', value: (a) => a.activeUsers, render: (a) => fmt.int(a.activeUsers), numeric: true },
      { key: 'totalRequests', label: 'Requests', value: (a) => a.totalRequests, render: (a) => fmt.int(a.totalRequests), numeric: true },
      { key: 'errorRate', label: 'Error rate', value: (a) => a.errorRate, render: (a) => fmt.percent(a.errorRate), numeric: true },
      { key: 'avgResponseTime', label: 'Avg response', value: (a) => a.avgResponseTime, render: (a) => fmt.ms(a.avgResponseTime), numeric: true },
      { key: 'lastSeen', label: 'Last seen', value: (a) => a.lastSeen, render: (a) => fmt.ago(a.lastSeen, Date.parse(status.timestamp)) },
    ],
    rows: status.agents,
    sort: agentsSort,
    onSort: (sort) => { agentsSort = sort; render(last); },
    empty: 'No agent activity yesterday or today',
  }));

  const store = status.store;
  fill('collector',
    card('Uptime', fmt.duration(status.collector.uptimeSeconds), `version ${status.collector.version}`),
    card('Store', store.reachable ? `${store.backend}` : `${store.backend} unreachable`,
      store.reachable ? `ping ${fmt.ms(store.pingMs)}` : store.error, { 'data-testid': 'store' }),
    card('Spans accepted', fmt.int(status.collector.spansAccepted), `${fmt.int(status.collector.spansRejected)} rejected · queue ${fmt.int(status.collector.queueDepth)}`),
    hostCards(status.system),
  );
  if (alertsServed(status) !== withAlerts) {
    withAlerts = alertsServed(status);
    refresh();
  }
}

/**
 * The incident timeline and the silences: empty on a collector without alerts, and left as
 * they were when /api/status/alerts could not be read this time.
 */
function renderHistory(history, now) {
  if (withAlerts && history === null) return;
  const incidents = history?.incidents ?? [];
  fill('incident-strip', incidentStrip(incidents, now));
  fill('incidents', incidentTable(incidents, incidentsSort, (sort) => { incidentsSort = sort; render(last); }));
  fill('silences', silenceTable(history?.silences ?? [], silencesSort, (sort) => { silencesSort = sort; render(last); }));
}

/** CPU, memory and load of the collector host, or one card saying they are hidden (config `host_details: false`). */
function hostCards(sys) {
  if (sys === null) {
    return card('Host details', 'hidden', 'not published by this collector (extensions.status_api.host_details)', { 'data-testid': 'host-details' });
  }
  return [
    card('CPU', fmt.percent(sys.cpu.hostUsagePercent, 0), `${sys.cpu.cores} cores · collector ${fmt.percent(sys.cpu.processUsagePercent, 0)}`, { 'data-testid': 'cpu' }),
    card('Memory', fmt.percent(sys.memory.usedPercent, 0), `${fmt.bytes(sys.memory.totalBytes - sys.memory.freeBytes)} of ${fmt.bytes(sys.memory.totalBytes)} · collector ${fmt.bytes(sys.memory.processRssBytes)}`),
    card('Load (1 min)', sys.loadAverage[0].toFixed(2), `5 min ${sys.loadAverage[1].toFixed(2)} · 15 min ${sys.loadAverage[2].toFixed(2)}`),
  ];
}

const refresh = poll(url, render);
