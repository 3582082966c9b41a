// The SLA report page: one month (default: the current one), per service and per endpoint,
// from /api/status/export?report=sla&format=json. Names are shown through nameEl (text only).
import { fill, fmt, h, nameEl, setOptions } from './common.js';

const params = new URLSearchParams(location.search);
const now = new Date();
const month = params.get('month') ?? `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
const service = params.get('service') ?? '';
document.getElementById('month').value = month;

function query(format) {
  const q = new URLSearchParams({ report: 'sla', format, month });
  if (service !== '') q.set('service', service);
  return `/api/status/export?${q}`;
}

document.getElementById('csv').setAttribute('href', query('csv'));
document.getElementById('print').addEventListener('click', () => window.print());
for (const id of ['month', 'service']) {
  document.getElementById(id).addEventListener('change', () => {
    const next = new URLSearchParams({ month: document.getElementById('month').value || month });
    const chosen = document.getElementById('service').value;
    if (chosen !== '') next.set('service', chosen);
    location.search = next.toString();
  });
}

const met = (value) => (value === null ? '—' : h('span', { class: value ? 'met-yes' : 'met-no' }, value ? 'met' : 'missed'));

function table(entries, withEndpoint) {
  const head = ['Service', ...(withEndpoint ? ['Endpoint'] : []), 'Target', 'Requests', 'Failed', 'Availability', 'SLA',
    'Budget allowed', 'Budget used', 'Budget left', 'p95', 'p95 objective', 'Worst days'];
  const rows = entries.map((e) => h('tr', {},
    h('td', {}, nameEl(e.service)),
    withEndpoint ? h('td', {}, nameEl(`${e.method} ${e.endpoint}`)) : null,
    h('td', { class: 'num' }, fmt.percent(e.target, 3)),
    h('td', { class: 'num' }, fmt.int(e.requests)),
    h('td', { class: 'num' }, fmt.int(e.failed)),
    h('td', { class: 'num' }, fmt.percent(e.availability, 3)),
    h('td', {}, met(e.met)),
    h('td', { class: 'num' }, e.errorBudget.allowed.toFixed(1)),
    h('td', { class: 'num' }, e.errorBudget.usedPercent === null ? fmt.int(e.errorBudget.used) : `${fmt.int(e.errorBudget.used)} (${fmt.percent(e.errorBudget.usedPercent, 1)})`),
    h('td', { class: 'num' }, e.errorBudget.exhausted ? h('span', { class: 'met-no' }, 'exhausted') : e.errorBudget.remaining.toFixed(1)),
    h('td', { class: 'num' }, fmt.ms(e.p95ResponseTime)),
    h('td', {}, e.latencyObjectiveMs === null ? '—' : h('span', {}, `${fmt.ms(e.latencyObjectiveMs)} `, met(e.latencyMet))),
    h('td', {}, e.worstDays.map((d) => `${d.date} ${fmt.percent(d.availability, 2)}`).join(', ') || '—'),
  ));
  const body = rows.length === 0 ? [h('tr', { class: 'empty-row' }, h('td', { colspan: head.length }, 'No requests in this month yet'))] : rows;
  return h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, head.map((label) => h('th', { scope: 'col' }, label)))), h('tbody', {}, body)));
}

async function load() {
  const [report, status] = await Promise.all([fetch(query('json')), fetch('/api/status/analytics?window=24h')]);
  if (report.status === 401) {
    location.assign(`/status/sign-in?next=${encodeURIComponent('/status/sla')}`);
    return;
  }
  if (!report.ok) {
    const error = document.getElementById('error');
    error.hidden = false;
    error.textContent = (await report.json().catch(() => ({}))).error ?? `HTTP ${report.status}`;
    return;
  }
  const body = await report.json();
  const services = status.ok ? (await status.json()).services : [];
  setOptions(document.getElementById('service'), [['', 'All services'], ...services.map((s) => [s, s])], service);
  document.getElementById('period').textContent = `${body.from.slice(0, 10)} to ${body.to.slice(0, 10)} (UTC, end exclusive)`;
  document.getElementById('explain').textContent = 'A failed request is one the platform failed (HTTP 5xx or span status ERROR); 4xx answers spend no budget. '
    + 'The budget is the number of failed requests the target allows over the requests of the month.';
  fill('services', table(body.services, false));
  fill('endpoints', table(body.endpoints, true));
}

load();
