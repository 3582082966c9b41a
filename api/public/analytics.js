// /status/analytics: a window's usage and performance with growth, charts of the daily trend
// and the hour-of-day distribution, per-agent figures, model calls (tokens, cost per model
// and per day) and the window's sessions with the timeline of one (sessions.js); refreshed
// from /api/status/analytics and /api/status/sessions every few seconds without reloading.
import { CHART_COLORS, chartOptions, trendChart } from './charts.js';
import { card, fill, fmt, growthText, h, money, nameEl, noDataHelp, poll, saveUrlParams, setOptions, sortableTable, urlParams } from './common.js';
import { renderSessions, renderTimeline, sessionsState, sessionsUrl, timelineUrl } from './sessions.js';

const DEFAULTS = { window: '24h', service: '', tz: 'UTC' };
const params = urlParams(DEFAULTS);
const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
let agentsSort = { key: 'totalRequests', dir: 'desc' };
let modelsSort = { key: 'calls', dir: 'desc' };
let costChart = null;
let last = null;
let lastSessions = null;
let lastTimeline = null;
const sessions = sessionsState();
let dailyChart = null;
let hourlyChart = null;

const windowSelect = document.getElementById('window');
const serviceSelect = document.getElementById('service');
const tzSelect = document.getElementById('tz');
windowSelect.value = params.window;
setOptions(tzSelect, [['UTC', 'UTC'], ...(browserZone && browserZone !== 'UTC' ? [[browserZone, browserZone]] : [])], params.tz);
setOptions(serviceSelect, [['', 'All services'], ...(params.service ? [[params.service, params.service]] : [])], params.service);

for (const select of [windowSelect, serviceSelect, tzSelect]) {
  select.addEventListener('change', () => {
    params[select.name] = select.value;
    saveUrlParams(params, DEFAULTS);
    sessions.cursors = [null];
    refresh();
  });
}

/** The analytics, the page of sessions and, when one is open, its timeline (poll: the first is what the page shows). */
function urls() {
  const search = new URLSearchParams({ window: params.window, tz: params.tz });
  if (params.service) search.set('service', params.service);
  const analyticsUrl = `/api/status/analytics?${search}`;
  // Sessions are admin data (README "Access"): asked for only once the analytics say this person may see them.
  if (last?.sessionsVisible !== true) return [analyticsUrl];
  const timeline = timelineUrl(sessions);
  return [analyticsUrl, sessionsUrl(sessions, params), ...(timeline === null ? [] : [timeline])];
}

function renderCharts(data) {
  if (typeof Chart === 'undefined') return;
  const hourly = {
    labels: data.hourlyDistribution.map((b) => String(b.hour).padStart(2, '0')),
    datasets: [
      { label: 'Requests', data: data.hourlyDistribution.map((b) => b.requests), backgroundColor: CHART_COLORS.requests },
      { label: 'Errors', data: data.hourlyDistribution.map((b) => b.errors), backgroundColor: CHART_COLORS.errors },
    ],
  };
  if (dailyChart === null) {
    dailyChart = trendChart(document.getElementById('daily-chart'));
    hourlyChart = new Chart(document.getElementById('hourly-chart'), { type: 'bar', data: hourly, options: chartOptions({ y: { beginAtZero: true } }) });
  } else {
    hourlyChart.data = hourly;
    hourlyChart.update('none');
  }
  dailyChart.show(data.dailyTrend.map((d) => d.date.slice(5)), data.dailyTrend);
}

function renderCostChart(data) {
  if (typeof Chart === 'undefined') return;
  const colors = CHART_COLORS;
  const chartData = {
    labels: data.dailyCost.map((d) => d.date.slice(5)),
    datasets: [
      { type: 'bar', label: `Cost (${data.currency})`, data: data.dailyCost.map((d) => d.cost), backgroundColor: colors.cost, yAxisID: 'y' },
      { type: 'line', label: 'Model calls', data: data.dailyCost.map((d) => d.calls), borderColor: colors.requests, backgroundColor: colors.requests, yAxisID: 'calls', tension: 0.2 },
    ],
  };
  if (costChart === null) {
    costChart = new Chart(document.getElementById('cost-chart'), {
      data: chartData,
      options: chartOptions({
        y: { beginAtZero: true, position: 'left', title: { display: true, text: data.currency } },
        calls: { beginAtZero: true, position: 'right', grid: { drawOnChartArea: false } },
      }),
    });
  } else {
    costChart.data = chartData;
    costChart.update('none');
  }
}

function renderModels(data) {
  const use = data.modelUsage;
  document.getElementById('model-summary').textContent = use === null
    ? ''
    : `${fmt.int(use.calls)} model calls, ${fmt.int(use.inputTokens)} input / ${fmt.int(use.outputTokens)} output tokens, cost ${money(use.cost, data.currency)}` +
      (use.unpricedCalls > 0 ? ` (${fmt.int(use.unpricedCalls)} calls without a price not included)` : '') +
      (data.growth.cost === null ? '' : `, ${growthText(data.growth.cost).text}`);
  renderCostChart(data);
  fill('models', sortableTable({
    caption: `Whole UTC days ${data.agentDays.fromDate} to ${data.agentDays.toDate}; costs in ${data.currency}`,
    columns: [
      { key: 'model', label: 'Model', value: (m) => m.model ?? '', render: (m) => (m.model === null ? '(not sent)' : nameEl(m.model)), name: true },
      { key: 'provider', label: 'Provider', value: (m) => m.provider ?? '', render: (m) => (m.provider === null ? '(not sent)' : nameEl(m.provider)), name: true },
      { key: 'serviceName', label: 'Service', value: (m) => m.serviceName, name: true },
      { key: 'calls', label: 'Calls', value: (m) => m.calls, render: (m) => fmt.int(m.calls), numeric: true },
      { key: 'errorRate', label: 'Error rate', value: (m) => m.errorRate, render: (m) => fmt.percent(m.errorRate), numeric: true },
      { key: 'p95ResponseTime', label: 'p95', value: (m) => m.p95ResponseTime, render: (m) => fmt.ms(m.p95ResponseTime), numeric: true },
      { key: 'inputTokens', label: 'Input (cached)', value: (m) => m.inputTokens, render: (m) => `${fmt.int(m.inputTokens)} (${fmt.int(m.cacheReadTokens)})`, numeric: true },
      { key: 'outputTokens', label: 'Output (reasoning)', value: (m) => m.outputTokens, render: (m) => `${fmt.int(m.outputTokens)} (${fmt.int(m.reasoningTokens)})`, numeric: true },
      { key: 'cost', label: 'Cost', value: (m) => m.cost, render: (m) => money(m.cost, data.currency), numeric: true },
    ],
    rows: data.models,
    sort: modelsSort,
    onSort: (sort) => { modelsSort = sort; render(last); },
    empty: 'No model calls in this window',
  }));
}

function renderAll([data, sessionPage, timeline]) {
  const firstVisible = data.sessionsVisible && last?.sessionsVisible !== true;
  if (sessionPage !== undefined && sessionPage !== null) lastSessions = sessionPage;
  lastTimeline = timeline ?? null;
  render(data);
  // The first answer that allows sessions: read them now rather than at the next poll.
  if (firstVisible) setTimeout(refresh, 0);
}

// A click on the sessions or the timeline: shown at once from what is loaded, then read again.
function sessionsChanged() {
  if (lastSessions !== null) renderSessions(lastSessions, sessions, sessionsChanged);
  renderTimeline(sessions.open === null ? null : lastTimeline, sessions, sessionsChanged);
  refresh();
}

function render(data) {
  last = data;
  setOptions(serviceSelect, [['', 'All services'], ...data.services.map((s) => [s, s])], params.service);
  fill('no-data', data.usingRealData ? null : noDataHelp());
  document.getElementById('range').textContent =
    `${fmt.dateTime(data.window.from)} – ${fmt.dateTime(data.window.to)} (${data.window.hours.toFixed(1)} h, whole UTC hours)` +
    ` · percentiles within ±${(data.percentileRelativeError * 100).toFixed(1)} %`;
  document.getElementById('hourly-caption').textContent = `Requests by hour of day (${data.timeZone})`;

  const g = data.growth;
  fill('cards',
    card('Total requests', fmt.int(data.totalRequests), growthText(g.requests), { 'data-testid': 'total-requests' }),
    card('Active users', fmt.int(data.activeUsers), growthText(g.users), { 'data-testid': 'active-users' }),
    card('Unique users', fmt.int(data.uniqueUsers), 'by user id, else session', { 'data-testid': 'unique-users' }),
    card('Success rate', fmt.percent(data.successRate), growthText(g.successRatePoints, ' pts'), { 'data-testid': 'success-rate' }),
    card('Avg response', fmt.ms(data.avgResponseTime), growthText(g.avgResponseTime, ' %', false), { 'data-testid': 'avg-response' }),
    card('p50 response', fmt.ms(data.p50ResponseTime), null, { 'data-testid': 'p50-response' }),
    card('p95 response', fmt.ms(data.p95ResponseTime), growthText(g.p95ResponseTime, ' %', false), { 'data-testid': 'p95-response' }),
    card('p99 response', fmt.ms(data.p99ResponseTime), null, { 'data-testid': 'p99-response' }),
  );
  renderCharts(data);

  fill('agents', sortableTable({
    caption: `Whole UTC days ${data.agentDays.fromDate} to ${data.agentDays.toDate}`,
    columns: [
      { key: 'agentName', label: 'Agent', value: (a) => a.agentName, name: true },
      { key: 'serviceName', label: 'Service', value: (a) => a.serviceName, name: true },
      { key: 'totalRequests', label: 'Requests', value: (a) => a.totalRequests, render: (a) => fmt.int(a.totalRequests), numeric: true },
      { key: 'successRate', label: 'Success rate', value: (a) => a.successRate, render: (a) => fmt.percent(a.successRate), numeric: true },
      { key: 'avgResponseTime', label: 'Avg response', value: (a) => a.avgResponseTime, render: (a) => fmt.ms(a.avgResponseTime), numeric: true },
      { key: 'p95ResponseTime', label: 'p95', value: (a) => a.p95ResponseTime, render: (a) => fmt.ms(a.p95ResponseTime), numeric: true },
      { key: 'activeUsers', label: 'Active users', value: (a) => a.activeUsers, render: (a) => fmt.int(a.activeUsers), numeric: true },
      { key: 'totalTokens', label: 'Tokens (in / out)', value: (a) => a.totalTokens, render: (a) => `${fmt.int(a.inputTokens)} / ${fmt.int(a.outputTokens)}`, numeric: true },
      { key: 'modelCalls', label: 'Model calls', value: (a) => a.modelCalls, render: (a) => fmt.int(a.modelCalls), numeric: true },
      { key: 'cost', label: 'Cost', value: (a) => a.cost, render: (a) => (a.modelCalls === 0 ? '—' : money(a.cost, data.currency) + (a.costGrowth === null ? '' : ` (${growthText(a.costGrowth).text})`)), numeric: true },
    ],
    rows: data.agents,
    sort: agentsSort,
    onSort: (sort) => { agentsSort = sort; render(last); },
    empty: 'No agent activity in this window',
  }));
  renderModels(data);
  if (!data.sessionsVisible) {
    fill('sessions', h('p', { class: 'muted' }, 'Sessions name users: ', h('a', { href: `/status/sign-in?next=${encodeURIComponent('/status/analytics')}` }, 'sign in'), ' to see them.'));
    fill('sessions-pager');
  } else if (lastSessions !== null) {
    renderSessions(lastSessions, sessions, sessionsChanged);
  }
  renderTimeline(lastTimeline, sessions, sessionsChanged);
}

const refresh = poll(urls, renderAll);
