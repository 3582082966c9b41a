// The sessions table of /status/analytics (GET /api/status/sessions: latest activity first,
// paged by cursor) and the timeline of the session opened from it (GET /api/status/sessions/:id:
// its requests in order). Session ids, user ids, agents and routes come from spans: they are
// shown through nameEl (escaped, bidi-isolated, complete on hover).
import { displayName, fill, fmt, h, money, nameEl, sortableTable } from './common.js';

const PAGE_SIZE = 25;

/** The page's sessions state: the cursors of the pages before (a stack), the open session and the tables' order. */
export function sessionsState() {
  return { cursors: [null], open: null, sort: { key: 'lastActivity', dir: 'desc' }, timelineSort: { key: 'time', dir: 'asc' } };
}

export function sessionsUrl(state, params) {
  const search = new URLSearchParams({ window: params.window, limit: String(PAGE_SIZE) });
  if (params.service) search.set('service', params.service);
  const cursor = state.cursors.at(-1);
  if (cursor) search.set('cursor', cursor);
  return `/api/status/sessions?${search}`;
}

/** The timeline's URL, or null when no session is open. */
export function timelineUrl(state) {
  if (state.open === null) return null;
  return `/api/status/sessions/${encodeURIComponent(state.open.sessionId)}?${new URLSearchParams({ service: state.open.serviceName })}`;
}

const agentsEl = (agents) => (agents.length === 0 ? '—' : h('span', {}, agents.flatMap((a, i) => (i === 0 ? [nameEl(a)] : [', ', nameEl(a)]))));
const tokens = (x) => `${fmt.int(x.inputTokens)} / ${fmt.int(x.outputTokens)}`;
const cost = (x, currency) => (x.modelCalls === 0 ? '—' : money(x.cost, currency));

/** `changed()` is called when a click changes the state (a page, a session opened or closed, an order). */
export function renderSessions(data, state, changed) {
  fill('sessions', sortableTable({
    caption: `Sessions active in the window, latest first (page ${state.cursors.length}); costs in ${data.currency}`,
    columns: [
      {
        key: 'sessionId', label: 'Session', value: (s) => s.sessionId,
        render: (s) => h('button', {
          type: 'button', class: 'link', 'data-session': `${s.serviceName}\u001f${s.sessionId}`,
          'aria-label': `Open the timeline of session ${displayName(s.sessionId)}`,
          onclick: () => { state.open = { serviceName: s.serviceName, sessionId: s.sessionId }; changed(); },
        }, nameEl(s.sessionId)),
      },
      { key: 'userId', label: 'User', value: (s) => s.userId ?? '', render: (s) => (s.userId === null ? '—' : nameEl(s.userId)) },
      { key: 'serviceName', label: 'Service', value: (s) => s.serviceName, name: true },
      { key: 'lastActivity', label: 'Last activity', value: (s) => Date.parse(s.lastActivity), render: (s) => fmt.dateTime(s.lastActivity) },
      { key: 'durationMs', label: 'Duration', value: (s) => s.durationMs, render: (s) => fmt.duration(s.durationMs / 1000), numeric: true },
      { key: 'requests', label: 'Requests', value: (s) => s.requests, render: (s) => fmt.int(s.requests), numeric: true },
      { key: 'errors', label: 'Errors', value: (s) => s.errors, render: (s) => fmt.int(s.errors), numeric: true },
      { key: 'agents', label: 'Agents', value: (s) => s.agents.join(', '), render: (s) => agentsEl(s.agents) },
      { key: 'totalTokens', label: 'Tokens (in / out)', value: (s) => s.totalTokens, render: tokens, numeric: true },
      { key: 'cost', label: 'Cost', value: (s) => s.cost, render: (s) => cost(s, data.currency), numeric: true },
    ],
    rows: data.sessions,
    sort: state.sort,
    onSort: (sort) => { state.sort = sort; changed(); },
    empty: 'No sessions in this window',
  }));
  fill('sessions-pager',
    h('button', { type: 'button', disabled: state.cursors.length === 1, onclick: () => { state.cursors.pop(); changed(); } }, 'Newer sessions'),
    h('button', { type: 'button', disabled: data.nextCursor === null, onclick: () => { state.cursors.push(data.nextCursor); changed(); } }, 'Older sessions'));
}

export function renderTimeline(data, state, changed) {
  const section = document.getElementById('timeline');
  if (state.open === null || data === null) {
    section.hidden = state.open === null;
    return;
  }
  section.hidden = false;
  const s = data.session;
  fill('timeline-title', 'Timeline of session ', nameEl(s.sessionId), ' (', nameEl(s.serviceName), ')',
    h('button', { type: 'button', class: 'close', onclick: () => { state.open = null; changed(); } }, 'Close'));
  const removed = s.retained.removedByRetention;
  fill('timeline-summary',
    `${fmt.dateTime(s.firstActivity)} – ${fmt.dateTime(s.lastActivity)} · ${fmt.int(s.requests)} requests, ${fmt.int(s.errors)} errors · ` +
    `tokens ${tokens(s)} · cost ${cost(s, data.currency)}` +
    (removed !== null && removed > 0 ? ` · ${fmt.int(removed)} older requests already removed by retention` : '') +
    (data.more ? ` · the first ${fmt.int(data.requests.length)} requests shown` : ''));
  fill('timeline-requests', sortableTable({
    caption: 'Requests in order (UTC)',
    columns: [
      { key: 'time', label: 'Time', value: (r) => Date.parse(r.time), render: (r) => new Date(r.time).toISOString().slice(11, 23) },
      { key: 'method', label: 'Method', value: (r) => r.method, name: true },
      { key: 'route', label: 'Route', value: (r) => r.route, name: true },
      { key: 'statusCode', label: 'Status', value: (r) => r.statusCode, render: (r) => (r.statusCode === null ? '—' : String(r.statusCode)), numeric: true },
      { key: 'durationMs', label: 'Duration', value: (r) => r.durationMs, render: (r) => fmt.ms(r.durationMs), numeric: true },
      { key: 'agents', label: 'Agent', value: (r) => r.agents.join(', '), render: (r) => agentsEl(r.agents) },
      { key: 'totalTokens', label: 'Tokens (in / out)', value: (r) => r.totalTokens, render: tokens, numeric: true },
      { key: 'cost', label: 'Cost', value: (r) => r.cost, render: (r) => cost(r, data.currency), numeric: true },
    ],
    rows: data.requests,
    sort: state.timelineSort,
    onSort: (sort) => { state.timelineSort = sort; changed(); },
    empty: 'No request of this session is kept any more',
  }));
}
