// Shared helpers of the status pages: DOM building (text only, never innerHTML, since
// service, route and agent names come from spans), number formatting, sortable tables,
// polling the JSON endpoints, and the "no data yet" help.

export const POLL_MS = 5000;

/** Creates an element; `props` sets attributes (and `class`), children are nodes or text. */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else el.setAttribute(key === 'className' ? 'class' : key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// Code points that would hide, reorder or garble a name a client chose: C0 and C1 controls and
// DEL (NUL and BEL show as boxes), the soft hyphen, bidi marks, embeddings and overrides
// (U+202E makes "gnp.exe" read "exe.png"), the zero-width space, line and paragraph
// separators, the invisible format characters U+2060-U+206F (word joiner, bidi isolates), the
// BOM, tag characters and lone surrogates. ZWJ and ZWNJ stay: emoji sequences and Indic and
// Persian script need them.
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u2028-\u202e\u2060-\u206f\ufeff\u{e0000}-\u{e007f}\p{Cs}]/gu;

/**
 * A stored name (service, endpoint, agent, method) as it is shown, in text and in attributes:
 * every HIDDEN code point as a visible escape such as `\u202E`.
 */
export function displayName(raw) {
  return String(raw).replace(HIDDEN, (c) => {
    const code = c.codePointAt(0).toString(16).toUpperCase();
    return code.length > 4 ? `\\u{${code}}` : `\\u${code.padStart(4, '0')}`;
  });
}

/**
 * A stored name as an element: displayName's text, bidi-isolated (<bdi>) so a right-to-left
 * name cannot reorder what stands around it, the full name on hover; long names wrap, and in
 * table cells end in an ellipsis (common.css, `.name`). `cls` adds classes.
 */
export function nameEl(raw, cls = '') {
  const text = displayName(raw);
  return h('bdi', { class: cls ? `name ${cls}` : 'name', title: text }, text);
}

const NO_VALUE = '—';

export const fmt = {
  int: (n) => (n === null || n === undefined ? NO_VALUE : Math.round(n).toLocaleString('en-US')),
  // 100 and 0 exactly are shown without decimals, so "100 %" is never a rounded 99.996.
  percent: (n, digits = 2) => (n === null || n === undefined ? NO_VALUE : n === 100 || n === 0 ? `${n} %` : `${n.toFixed(digits)} %`),
  ms: (n) => {
    if (n === null || n === undefined) return NO_VALUE;
    if (n >= 10_000) return `${(n / 1000).toFixed(1)} s`;
    return n >= 100 ? `${Math.round(n)} ms` : `${n.toFixed(1)} ms`;
  },
  bytes: (n) => {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
    return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
  },
  duration: (seconds) => {
    const s = Math.floor(seconds);
    const d = Math.floor(s / 86400), hr = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    if (d > 0) return `${d} d ${hr} h`;
    if (hr > 0) return m > 0 ? `${hr} h ${m} min` : `${hr} h`;
    if (m > 0) return s % 60 > 0 ? `${m} min ${s % 60} s` : `${m} min`;
    return `${s} s`;
  },
  ago: (iso, now = Date.now()) => {
    if (!iso) return NO_VALUE;
    const seconds = Math.max(0, (now - Date.parse(iso)) / 1000);
    return seconds < 5 ? 'just now' : `${fmt.duration(seconds)} ago`;
  },
  dateTime: (iso) => (iso ? new Date(iso).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : NO_VALUE),
};

/** A cost in the API's currency, or "no price" when none of the calls had one (never a guess). */
export function money(value, currency) {
  if (value === null || value === undefined) return 'no price';
  const digits = value !== 0 && Math.abs(value) < 1 ? 4 : 2;
  return `${value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })} ${currency}`;
}

/** A growth figure as text and a class: `+12.5 %` (up) / `−3.0 %`; `unit` is '%' or ' pts'. */
export function growthText(value, unit = ' %', higherIsBetter = true) {
  if (value === null || value === undefined) return { text: 'no earlier data', cls: '' };
  const sign = value > 0 ? '+' : value < 0 ? '−' : '±';
  const good = value === 0 ? '' : (value > 0) === higherIsBetter ? 'up' : 'down';
  return { text: `${sign}${Math.abs(value).toFixed(1)}${unit} vs previous`, cls: `growth ${good}` };
}

export function card(label, value, sub, props = {}) {
  const subEl = sub && typeof sub === 'object' && 'text' in sub ? h('div', { class: `sub ${sub.cls}` }, sub.text) : sub ? h('div', { class: 'sub' }, sub) : null;
  return h('div', { class: 'card', ...props }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, value), subEl);
}

export function badge(state) {
  const labels = { operational: 'operational', degraded: 'degraded', down: 'down', no_data: 'no data', idle: 'idle', receiving: 'receiving', stale: 'stale' };
  return h('span', { class: `badge ${state}` }, labels[state] ?? state);
}

/** Rows ordered by the column `sort.key`; missing values (null) last in either direction. */
export function sortRows(rows, columns, sort) {
  const column = columns.find((c) => c.key === sort.key) ?? columns[0];
  return [...rows].sort((a, b) => {
    const x = column.value(a), y = column.value(b);
    if (x === y) return 0;
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return sort.dir === 'asc' ? order : -order;
  });
}

/**
 * A table sortable by clicking column headers. `columns`: { key, label, value(row), render?(row),
 * numeric?, name? }; a `name` column shows its value through nameEl. `sort` ({ key, dir }) is
 * kept by the caller so a live refresh keeps the order.
 */
export function sortableTable({ columns, rows, sort, onSort, caption, empty = 'No data yet' }) {
  const column = columns.find((c) => c.key === sort.key) ?? columns[0];
  const sorted = sortRows(rows, columns, sort);
  const head = h('tr', {}, columns.map((c) => h('th', {
    class: c.numeric ? 'num' : null,
    scope: 'col',
    'aria-sort': c.key === column.key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none',
  }, h('button', {
    type: 'button',
    'aria-label': `Sort by ${c.label}`,
    onclick: () => onSort({ key: c.key, dir: c.key === column.key && sort.dir === 'desc' ? 'asc' : 'desc' }),
  }, c.label))));
  const body = sorted.length === 0
    ? [h('tr', { class: 'empty-row' }, h('td', { colspan: columns.length }, empty))]
    : sorted.map((row) => h('tr', {}, columns.map((c) => h('td', { class: c.numeric ? 'num' : null }, cell(c, row)))));
  return h('div', { class: 'table-wrap' }, h('table', {}, caption ? h('caption', { class: 'muted' }, caption) : null, h('thead', {}, head), h('tbody', {}, body)));
}

function cell(column, row) {
  if (column.render) return column.render(row);
  return column.name ? nameEl(column.value(row)) : column.value(row);
}

/** Replaces the children of the element with id `id`. */
export function fill(id, ...children) {
  document.getElementById(id).replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined));
}

/** The help shown until the first span arrives. */
export function noDataHelp() {
  const collector = `${location.protocol}//${location.hostname}:4318`;
  return h('section', { class: 'no-data', 'aria-label': 'No data yet' },
    h('h2', {}, 'No data yet — how to send spans'),
    h('p', {}, 'spanpulse shows only real numbers, measured from the traces your application sends. Nothing has arrived yet. Start your Node.js app with the preload, pointing it at this collector:'),
    h('pre', {}, `OTEL_SERVICE_NAME=my-app \\\nOTEL_EXPORTER_OTLP_ENDPOINT=${collector} \\\nnode --import spanpulse/register app.js`),
    h('p', {}, 'Any app already instrumented with OpenTelemetry (any language) can send OTLP/HTTP (protobuf or JSON) to ',
      h('code', {}, `${collector}/v1/traces`), '. This page updates by itself once spans arrive.'));
}

/** Reads the page's pickers from the URL so a reload or shared link keeps them. */
export function urlParams(defaults) {
  const params = new URLSearchParams(location.search);
  const result = {};
  for (const [key, value] of Object.entries(defaults)) result[key] = params.get(key) ?? value;
  return result;
}

export function saveUrlParams(params, defaults) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value && value !== defaults[key]) search.set(key, value);
  const query = search.toString();
  history.replaceState(null, '', query ? `?${query}` : location.pathname);
}

/**
 * Fills a <select> with options, keeping the current choice when it is still offered. Labels
 * may be stored names: they are shown through displayName, in full on hover, and a long one
 * is cut off by the picker's width (common.css) rather than widening the page.
 */
export function setOptions(select, options, selected) {
  const wanted = JSON.stringify(options);
  if (select.dataset.options !== wanted) {
    select.replaceChildren(...options.map(([value, label]) => {
      const text = displayName(label);
      return h('option', { value, title: text }, text);
    }));
    select.dataset.options = wanted;
  }
  select.value = options.some(([value]) => value === selected) ? selected : options[0]?.[0] ?? '';
  select.title = select.selectedOptions[0]?.title ?? '';
}

/**
 * Fetches `url()` now and every POLL_MS, calling `render(json)`; shows failures in the
 * #error banner and the time of the last update in the header. `url()` may give a list of
 * URLs: they are fetched together and `render` gets the list of answers. The first one is
 * what the page shows; a later one that failed is given as null (and reported), so that a
 * page still shows what it could load, such as /status the store being down. Returns
 * `refresh()` for when a picker changes.
 */
export function poll(url, render) {
  const live = document.getElementById('live');
  const banner = document.getElementById('error');
  let timer = null;
  let generation = 0;
  async function refresh() {
    clearTimeout(timer);
    const mine = ++generation;
    try {
      const urls = url();
      const answers = await Promise.allSettled((Array.isArray(urls) ? urls : [urls]).map(fetchJson));
      if (mine !== generation) return;
      const failed = answers.find((answer) => answer.status === 'rejected');
      if (answers[0].status === 'rejected') throw answers[0].reason;
      const bodies = answers.map((answer) => (answer.status === 'fulfilled' ? answer.value : null));
      render(Array.isArray(urls) ? bodies : bodies[0]);
      if (failed !== undefined) throw failed.reason;
      banner.hidden = true;
      live.classList.remove('failing');
      live.textContent = `Live · updated ${new Date().toLocaleTimeString()}`;
    } catch (error) {
      if (mine !== generation) return;
      banner.hidden = false;
      banner.textContent = `Could not load data: ${error.message}`;
      live.classList.add('failing');
      live.textContent = 'Live · update failed, retrying';
    } finally {
      if (mine === generation) timer = setTimeout(refresh, POLL_MS);
    }
  }
  refresh();
  return refresh;
}

async function fetchJson(url) {
  const response = await fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store' });
  const body = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
  return body;
}
