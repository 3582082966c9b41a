/**
 * GET /api/status/export against the seeded traffic: hourly, daily and ISO-weekly rows by
 * service, endpoint and agent, each row checked against the figures computed from the seeded
 * requests, against /api/status/analytics and /api/status/api-status for the same period,
 * and across its three formats (the CSV read back by a real CSV parser); the CSV's form
 * (header, CRLF, ISO dates, plain numbers), the file names, and the 400s of bad parameters.
 */
import { describe, expect, it } from 'vitest';
import { dayOf, performance } from '../support/expectedFigures.js';
import { expectClose, expectPercentile, TIME_PRECISION } from '../support/expectations.js';
import { csvRecords, expectCsvMatchesJson, getExport, ndjsonRows, PLAIN_NUMBER } from '../support/exports.js';
import type { SeedRecord } from '../support/seedTraffic.js';
import type { SeededApi } from './useSeededApi.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();
const floorDay = (ms: number) => Math.floor(ms / DAY) * DAY;

type Report = 'hourly' | 'daily' | 'weekly';
type By = 'service' | 'endpoint' | 'agent';

/** The columns the issue asks for, in order. */
const COLUMNS = [
  'periodStart', 'periodEnd', 'service', 'method', 'endpoint', 'agent', 'requests', 'errors', 'clientErrors', 'successRate',
  'availability', 'avgResponseTime', 'p50ResponseTime', 'p95ResponseTime', 'p99ResponseTime', 'activeUsers', 'inputTokens', 'outputTokens',
];

/** Monday 00:00 UTC of the ISO week of `ms`, from the calendar (getUTCDay: Sunday 0). */
function mondayOf(ms: number): number {
  const day = floorDay(ms);
  return day - ((new Date(day).getUTCDay() + 6) % 7) * DAY;
}

const PERIOD_MS: Record<Report, number> = { hourly: HOUR, daily: DAY, weekly: 7 * DAY };

function periodOf(ms: number, report: Report): number {
  return report === 'hourly' ? Math.floor(ms / HOUR) * HOUR : report === 'daily' ? floorDay(ms) : mondayOf(ms);
}

interface ExpectedRow {
  periodStart: string;
  periodEnd: string;
  service: string;
  method: string | null;
  endpoint: string | null;
  agent: string | null;
  records: SeedRecord[];
}

const rowKey = (row: { periodStart: string; service: string; method: string | null; endpoint: string | null; agent: string | null }) =>
  JSON.stringify([row.periodStart, row.service, row.method, row.endpoint, row.agent]);

/** The rows an export of [from, to) should have, worked out from the seeded requests. */
function expectedRows(records: readonly SeedRecord[], report: Report, by: By, from: number, to: number, service?: string): Map<string, ExpectedRow> {
  const rows = new Map<string, ExpectedRow>();
  for (const r of records) {
    if (r.kind !== 'request' || r.startMs < from || r.startMs >= to || (service !== undefined && r.service !== service)) continue;
    if (by === 'agent' && r.agent === null) continue;
    const start = periodOf(r.startMs, report);
    const row: ExpectedRow = {
      periodStart: iso(Math.max(start, from)),
      periodEnd: iso(Math.min(start + PERIOD_MS[report], to)),
      service: r.service,
      method: by === 'endpoint' ? r.method : null,
      endpoint: by === 'endpoint' ? r.endpoint : null,
      agent: by === 'agent' ? r.agent : null,
      records: [],
    };
    const key = rowKey(row);
    (rows.get(key) ?? rows.set(key, row).get(key)!).records.push(r);
  }
  return rows;
}

/** Every figure of one exported row against the requests it covers. */
function expectRowFigures(row: any, expected: ExpectedRow, report: Report, by: By): void {
  const what = `${report} ${by} ${rowKey(row)}`;
  const list = expected.records;
  const perf = performance(list);
  expect(row.periodEnd, what).toBe(expected.periodEnd);
  expect(row.requests, what).toBe(list.length);
  expect(row.errors, what).toBe(list.filter((r) => r.outcome === 'error').length);
  expect(row.clientErrors, what).toBe(list.filter((r) => r.outcome === 'client_error').length);
  expectClose(row.successRate, perf.successRate, `${what} successRate`);
  expectClose(row.availability, perf.successRate, `${what} availability`);
  expectClose(row.avgResponseTime, perf.avgResponseTime, `${what} avg`, TIME_PRECISION);
  expectPercentile(row.p50ResponseTime, perf.p50ResponseTime, `${what} p50`);
  expectPercentile(row.p95ResponseTime, perf.p95ResponseTime, `${what} p95`);
  expectPercentile(row.p99ResponseTime, perf.p99ResponseTime, `${what} p99`);
  // Distinct sessions add up only per service and hour or day; a week's (or an endpoint's) are not stored.
  const sessions = new Set(list.filter((r) => r.session !== null).map((r) => r.session)).size;
  expect(row.activeUsers, `${what} activeUsers`).toBe(by === 'service' && report !== 'weekly' ? sessions : null);
  expect(row.inputTokens, what).toBe(list.reduce((n, r) => n + r.inputTokens, 0));
  expect(row.outputTokens, what).toBe(list.reduce((n, r) => n + r.outputTokens, 0));
}

/** Fetches an export in JSON, NDJSON and CSV, checks the three hold the same rows, and returns them. */
async function exportRows(seeded: SeededApi, query: Record<string, string>): Promise<any[]> {
  const what = new URLSearchParams(query).toString();
  const json = await getExport(seeded.api.url, { ...query, format: 'json' });
  expect(json.status, `${what}: ${json.text}`).toBe(200);
  const rows = JSON.parse(json.text) as any[];
  const ndjson = await getExport(seeded.api.url, { ...query, format: 'ndjson' });
  expect(ndjson.status, what).toBe(200);
  expect(ndjsonRows(ndjson.text), `${what}: NDJSON`).toEqual(rows);
  const csv = await getExport(seeded.api.url, { ...query, format: 'csv' });
  expect(csv.status, what).toBe(200);
  expectCsvMatchesJson(csvRecords(csv.text), rows, `${what}: CSV`);
  return rows;
}

/** Checks the rows against the seeded requests: the same set of rows, chronological, every figure. */
function expectRows(rows: any[], records: readonly SeedRecord[], report: Report, by: By, from: number, to: number, service?: string): void {
  const expected = expectedRows(records, report, by, from, to, service);
  expect(rows.length, 'the export has rows').toBeGreaterThan(0);
  expect(rows.map(rowKey).sort()).toEqual([...expected.keys()].sort());
  for (let i = 1; i < rows.length; i += 1) expect(rows[i].periodStart >= rows[i - 1].periodStart, 'rows are in time order').toBe(true);
  for (const row of rows) {
    expect(Object.keys(row)).toEqual(COLUMNS);
    expectRowFigures(row, expected.get(rowKey(row))!, report, by);
  }
}

/** The seeded days: the first (partly covered) one to today, and the range of whole days covering them. */
function seededDays(seeded: SeededApi): { days: number[]; from: number; to: number } {
  const first = floorDay(Math.min(...seeded.seed.records.map((r) => r.startMs)));
  const today = floorDay(seeded.now.getTime());
  const days: number[] = [];
  for (let day = first; day <= today; day += DAY) days.push(day);
  return { days, from: first, to: today + DAY };
}

const same = (actual: number | null, expected: number | null, what: string) => expectClose(actual, expected, what, 1e-9);

/** The tests that ask the API once per seeded day: generous for FerretDB on a loaded machine. */
const PER_DAY = { timeout: 240_000 };

export function exportContract(seeded: () => SeededApi): void {
  describe('GET /api/status/export', () => {
    it('daily by service: every figure from the seeded requests, and each day as /api/status/analytics has it', PER_DAY, async () => {
      const s = seeded();
      const { days, from, to } = seededDays(s);
      const rows = await exportRows(s, { report: 'daily', by: 'service', from: dayOf(from), to: dayOf(to) });
      expectRows(rows, s.seed.records, 'daily', 'service', from, to);
      for (const row of rows) {
        const day = Date.parse(row.periodStart);
        expect(days).toContain(day);
        const { status, body } = await s.api.getJson(`/api/status/analytics?from=${dayOf(day)}&to=${dayOf(day + DAY)}&service=${row.service}`);
        expect(status).toBe(200);
        const what = `${row.periodStart} ${row.service}`;
        expect(row.requests, what).toBe(body.totalRequests);
        expect(body.dailyTrend.map((d: any) => d.date), what).toEqual([dayOf(day)]);
        const [trend] = body.dailyTrend;
        expect([row.errors, row.clientErrors], what).toEqual([trend.errors, trend.clientErrors]);
        same(row.successRate, body.successRate, `${what} successRate`);
        same(row.avgResponseTime, body.avgResponseTime, `${what} avg`);
        for (const p of ['p50ResponseTime', 'p95ResponseTime', 'p99ResponseTime']) expect(row[p], `${what} ${p}`).toBe(body[p]);
        expect([row.inputTokens, row.outputTokens], what).toEqual([body.inputTokens, body.outputTokens]);
        // The day's distinct sessions, as analytics gives them for a whole day of its window.
        expect(row.activeUsers, what).toBe(trend.activeUsers);
      }
      // Every day with requests has its rows; a service filter keeps that service's.
      const shop = await exportRows(s, { report: 'daily', by: 'service', from: dayOf(from), to: dayOf(to), service: 'shop' });
      expect(shop).toEqual(rows.filter((r) => r.service === 'shop'));
    });

    it('daily by endpoint: every figure, and each day as /api/status/api-status has it', PER_DAY, async () => {
      const s = seeded();
      const { from, to } = seededDays(s);
      const rows = await exportRows(s, { report: 'daily', by: 'endpoint', from: dayOf(from), to: dayOf(to) });
      expectRows(rows, s.seed.records, 'daily', 'endpoint', from, to);
      const status90 = (await s.api.getJson('/api/status/api-status?window=90d')).body;
      for (let day = from; day < to; day += DAY) {
        const { status, body } = await s.api.getJson(`/api/status/api-status?from=${dayOf(day)}&to=${dayOf(day + DAY)}`);
        expect(status).toBe(200);
        const onDay = rows.filter((r) => r.periodStart === iso(day));
        const active = body.endpoints.filter((e: any) => e.totalRequests > 0);
        expect(onDay.length, dayOf(day)).toBe(active.length);
        for (const endpoint of active) {
          const what = `${dayOf(day)} ${endpoint.serviceName} ${endpoint.method} ${endpoint.endpoint}`;
          const row = onDay.find((r) => r.service === endpoint.serviceName && r.method === endpoint.method && r.endpoint === endpoint.endpoint);
          expect(row, what).toBeDefined();
          expect(row.requests, what).toBe(endpoint.totalRequests);
          same(row.successRate, endpoint.successRate, `${what} successRate`);
          same(row.availability, endpoint.successRate, `${what} availability`);
          same((100 * row.errors) / row.requests, endpoint.errorRate, `${what} errors`);
          same((100 * row.clientErrors) / row.requests, endpoint.clientErrorRate, `${what} clientErrors`);
          same(row.avgResponseTime, endpoint.avgResponseTime, `${what} avg`);
          for (const p of ['p50ResponseTime', 'p95ResponseTime', 'p99ResponseTime']) expect(row[p], `${what} ${p}`).toBe(endpoint[p]);
          // The 90-day series of /api/status/api-status shows the same day.
          const series = status90.endpoints.find((e: any) => e.serviceName === endpoint.serviceName && e.method === endpoint.method && e.endpoint === endpoint.endpoint);
          const index = status90.days.indexOf(dayOf(day));
          expect(series.dailyRequests[index], what).toBe(row.requests);
          same(series.dailyAvailability[index], row.availability, `${what} daily availability`);
        }
      }
    });

    it('weekly: weeks start on Monday (ISO 8601); a whole week equals /api/status/api-status of that week', async () => {
      const s = seeded();
      const { from, to } = seededDays(s);
      const rows = await exportRows(s, { report: 'weekly', by: 'endpoint', from: dayOf(from), to: dayOf(to) });
      expectRows(rows, s.seed.records, 'weekly', 'endpoint', from, to);
      for (const row of rows) {
        const start = Date.parse(row.periodStart);
        // Only a week cut by the start of the range starts on another day.
        expect(new Date(start).getUTCDay() === 1 || start === from, row.periodStart).toBe(true);
        expect(Date.parse(row.periodEnd) - start).toBeLessThanOrEqual(7 * DAY);
        expect(new Date(row.periodEnd).getUTCDay() === 1 || Date.parse(row.periodEnd) === to, row.periodEnd).toBe(true);
      }
      // The first whole ISO week of the seed: one row per endpoint, the week's figures.
      const monday = mondayOf(from) === from ? from : mondayOf(from) + 7 * DAY;
      expect(monday + 7 * DAY, 'the seed holds a whole week').toBeLessThanOrEqual(to);
      const week = await exportRows(s, { report: 'weekly', by: 'endpoint', from: dayOf(monday), to: dayOf(monday + 7 * DAY) });
      expectRows(week, s.seed.records, 'weekly', 'endpoint', monday, monday + 7 * DAY);
      const { body } = await s.api.getJson(`/api/status/api-status?from=${dayOf(monday)}&to=${dayOf(monday + 7 * DAY)}`);
      const active = body.endpoints.filter((e: any) => e.totalRequests > 0);
      expect(week.length).toBe(active.length);
      for (const endpoint of active) {
        const row = week.find((r) => r.service === endpoint.serviceName && r.method === endpoint.method && r.endpoint === endpoint.endpoint);
        const what = `week of ${dayOf(monday)} ${endpoint.serviceName} ${endpoint.method} ${endpoint.endpoint}`;
        expect([row.periodStart, row.periodEnd], what).toEqual([iso(monday), iso(monday + 7 * DAY)]);
        expect(row.requests, what).toBe(endpoint.totalRequests);
        same(row.successRate, endpoint.successRate, `${what} successRate`);
        same(row.avgResponseTime, endpoint.avgResponseTime, `${what} avg`);
        for (const p of ['p50ResponseTime', 'p95ResponseTime', 'p99ResponseTime']) expect(row[p], `${what} ${p}`).toBe(endpoint[p]);
      }
      // By service, a week has no distinct-session count (days cannot be added up into one).
      const services = await exportRows(s, { report: 'weekly', by: 'service', from: dayOf(from), to: dayOf(to) });
      expectRows(services, s.seed.records, 'weekly', 'service', from, to);
    });

    it('hourly over the last 24 hours: every figure, and the hours as /api/status/analytics counts them', async () => {
      const s = seeded();
      const analytics = (await s.api.getJson('/api/status/analytics?window=24h&tz=UTC')).body;
      const from = Date.parse(analytics.window.from);
      const to = Math.ceil(s.now.getTime() / HOUR) * HOUR;
      for (const by of ['service', 'endpoint'] as const) {
        const rows = await exportRows(s, { report: 'hourly', by, window: '24h' });
        expectRows(rows, s.seed.records, 'hourly', by, from, to);
        const hours = Array.from({ length: 24 }, (_, hour) => ({ hour, requests: 0, errors: 0 }));
        for (const row of rows) {
          const bucket = hours[new Date(row.periodStart).getUTCHours()]!;
          bucket.requests += row.requests;
          bucket.errors += row.errors;
        }
        expect(hours, by).toEqual(analytics.hourlyDistribution);
      }
    });

    it('daily by agent: requests that named an agent, per service and agent, as /api/status/api-status splits them', async () => {
      const s = seeded();
      const { from, to } = seededDays(s);
      const rows = await exportRows(s, { report: 'daily', by: 'agent', from: dayOf(from), to: dayOf(to) });
      expectRows(rows, s.seed.records, 'daily', 'agent', from, to);
      const last = floorDay(s.now.getTime()) - DAY;
      const { body } = await s.api.getJson(`/api/status/api-status?from=${dayOf(last)}&to=${dayOf(last + DAY)}`);
      const counts = new Map<string, { requests: number; errors: number }>();
      for (const endpoint of body.endpoints) {
        for (const agent of endpoint.agents.filter((a: any) => a.agentName !== null && a.totalRequests > 0)) {
          const key = `${endpoint.serviceName}/${agent.agentName}`;
          const sum = counts.get(key) ?? { requests: 0, errors: 0 };
          sum.requests += agent.totalRequests;
          sum.errors += Math.round((agent.errorRate * agent.totalRequests) / 100);
          counts.set(key, sum);
        }
      }
      const yesterday = rows.filter((r) => r.periodStart === iso(last));
      expect(new Map(yesterday.map((r) => [`${r.service}/${r.agent}`, { requests: r.requests, errors: r.errors }]))).toEqual(counts);
    });

    it('CSV per RFC 4180: header row, CRLF, quoted fields only where needed, ISO dates, plain numbers; file names', async () => {
      const s = seeded();
      const { from, to } = seededDays(s);
      const { status, headers, text } = await getExport(s.api.url, { report: 'daily', by: 'endpoint', from: dayOf(from), to: dayOf(to) });
      expect(status).toBe(200);
      expect(headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
      expect(headers.get('content-disposition')).toBe(`attachment; filename="spanpulse-daily-endpoint-${dayOf(from)}--${dayOf(to)}.csv"`);
      expect(headers.get('cache-control')).toBe('no-store');
      expect(text.startsWith(`${COLUMNS.join(',')}\r\n`)).toBe(true);
      expect(text.endsWith('\r\n')).toBe(true);
      // Seeded names need no quotes; every line ends with CRLF, none with a bare LF or CR.
      expect(text).not.toContain('"');
      expect(text.replaceAll('\r\n', '')).not.toMatch(/[\r\n]/);
      const [header, ...body] = csvRecords(text);
      expect(header).toEqual(COLUMNS);
      const numeric = COLUMNS.slice(6);
      for (const record of body) {
        expect(record[0]).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00\.000Z$/);
        expect(record[1]).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00\.000Z$/);
        numeric.forEach((column, i) => {
          const cell = record[6 + i]!;
          // Null only where a figure does not exist for an endpoint (distinct sessions).
          if (cell === '') expect(column).toBe('activeUsers');
          else expect(cell, column).toMatch(PLAIN_NUMBER);
        });
      }
      const names: Array<[Record<string, string>, string]> = [
        [{ report: 'weekly', by: 'service', format: 'json', from: dayOf(from), to: dayOf(to) }, `spanpulse-weekly-service-${dayOf(from)}--${dayOf(to)}.json`],
        [{ report: 'daily', by: 'agent', format: 'ndjson', from: dayOf(from), to: dayOf(to), service: 'crm' }, `spanpulse-daily-agent-crm-${dayOf(from)}--${dayOf(to)}.ndjson`],
        [{ report: 'hourly', window: '24h' }, `spanpulse-hourly-service-${iso(Math.floor((s.now.getTime() - DAY) / HOUR) * HOUR).slice(0, 13)}--${iso(Math.ceil(s.now.getTime() / HOUR) * HOUR).slice(0, 13)}.csv`],
      ];
      for (const [query, name] of names) {
        const answer = await getExport(s.api.url, query);
        expect(answer.status).toBe(200);
        expect(answer.headers.get('content-disposition')).toBe(`attachment; filename="${name}"`);
        expect(answer.headers.get('content-type')).toMatch(query['format'] === 'json' ? /^application\/json/ : query['format'] === 'ndjson' ? /^application\/x-ndjson/ : /^text\/csv/);
      }
    });

    it('an empty range is a header row, [] or nothing, never invented rows', async () => {
      const s = seeded();
      const { from } = seededDays(s);
      const query = { report: 'daily', by: 'endpoint', from: dayOf(from - 5 * DAY), to: dayOf(from - 2 * DAY) };
      expect((await getExport(s.api.url, query)).text).toBe(`${COLUMNS.join(',')}\r\n`);
      expect(JSON.parse((await getExport(s.api.url, { ...query, format: 'json' })).text)).toEqual([]);
      expect((await getExport(s.api.url, { ...query, format: 'ndjson' })).text).toBe('');
    });

    it.each([
      ['report=monthly', /report must be one of hourly, daily, weekly, sla, got "monthly"/],
      ['format=xlsx', /format must be one of csv, json, ndjson, got "xlsx"/],
      ['by=user', /by must be one of service, endpoint, agent, got "user"/],
      ['report=sla&by=endpoint', /by does not apply to report=sla/],
      ['month=2026-13', /month must be YYYY-MM, got "2026-13"/],
      ['month=2026-01&window=7d', /give month or window or from\/to, not more than one/],
      ['window=2h', /unknown window "2h"/],
      ['from=2025-02-30', /from must be an ISO 8601 date or date-time such as 2025-01-31 or 2025-01-31T13:00:00Z, got "2025-02-30"/],
      ['from=2026-01-05&to=2026-01-01', /must be before to/],
      ['from=2001-01-01', /beyond the retention/],
      ['report=hourly&from=FROM_100_DAYS_AGO', /beyond the retention/],
      ['service=nope', /unknown service "nope"; known services: crm, shop/],
      ['limit=10', /unknown parameter "limit"; allowed: report, format, by, month, window, from, to, service/],
      ['report=daily&report=weekly', /report must be one of/],
    ])('%s is a 400 that says what is allowed', async (query, message) => {
      const s = seeded();
      const url = `${s.api.url}/api/status/export?${query.replace('FROM_100_DAYS_AGO', dayOf(s.now.getTime() - 100 * DAY))}`;
      const response = await fetch(url);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('content-disposition')).toBeNull();
      expect(((await response.json()) as { error: string }).error).toMatch(message);
    });
  });
}
