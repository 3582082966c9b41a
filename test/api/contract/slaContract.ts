/**
 * The SLA report (GET /api/status/export?report=sla) against figures worked out by hand from
 * the seeded requests: per service and per endpoint the availability against its target (a
 * service override, endpoint overrides with and without a service, a 100 % target), the error
 * budget (allowed, used, remaining, share used, exhausted), p95 against the latency objective,
 * and the three worst days; in JSON, NDJSON and CSV, for a calendar month and a from/to range.
 */
import { describe, expect, it } from 'vitest';
import type { SloOptions } from '../../../api/export/slaReport.js';
import { RELATIVE_ERROR } from '../../../collector/mapping/latencyHistogram.js';
import { dayOf, nearestRank } from '../support/expectedFigures.js';
import { expectClose, expectPercentile } from '../support/expectations.js';
import { csvRecords, expectCsvMatchesJson, getExport, ndjsonRows } from '../support/exports.js';
import type { SeedRecord } from '../support/seedTraffic.js';
import type { SeededApi } from './useSeededApi.js';

const DAY = 86_400_000;

/** The seeded API's objectives (the SLA tests' own: other tests do not read them). */
export const SEEDED_SLO: SloOptions = {
  availability: 99.5,
  latencyP95Ms: 1000,
  overrides: [
    { service: 'crm', availability: 99 },
    { service: 'crm', endpoint: 'GET /api/contacts', availability: 97, latencyP95Ms: 150 },
    { endpoint: 'POST /api/orders', availability: 85, latencyP95Ms: 150 },
    { service: 'crm', endpoint: 'GET /api/contacts/:id/summary', availability: 100 },
  ],
};

/** What each entry's objectives are, read off SEEDED_SLO by hand: the most specific entry wins, key by key. */
function objectivesOf(service: string, label: string | null): { target: number; latency: number } {
  if (service === 'crm' && label === 'GET /api/contacts') return { target: 97, latency: 150 };
  if (label === 'POST /api/orders') return { target: 85, latency: 150 };
  if (service === 'crm' && label === 'GET /api/contacts/:id/summary') return { target: 100, latency: 1000 };
  if (service === 'crm') return { target: 99, latency: 1000 };
  return { target: 99.5, latency: 1000 };
}

interface Group {
  service: string;
  method: string | null;
  endpoint: string | null;
  records: SeedRecord[];
}

function groups(records: readonly SeedRecord[], from: number, to: number, byEndpoint: boolean): Map<string, Group> {
  const result = new Map<string, Group>();
  for (const r of records) {
    if (r.kind !== 'request' || r.startMs < from || r.startMs >= to) continue;
    const group = { service: r.service, method: byEndpoint ? r.method : null, endpoint: byEndpoint ? r.endpoint : null, records: [] };
    const key = JSON.stringify([group.service, group.method, group.endpoint]);
    (result.get(key) ?? result.set(key, group).get(key)!).records.push(r);
  }
  return result;
}

const entryKey = (e: { service: string; method: string | null; endpoint: string | null }) => JSON.stringify([e.service, e.method, e.endpoint]);

/** One entry of the report against its requests, every figure worked out here. */
function expectEntry(entry: any, group: Group): void {
  const what = entryKey(group);
  const n = group.records.length;
  const failed = group.records.filter((r) => r.outcome === 'error').length;
  const { target, latency } = objectivesOf(group.service, group.method === null ? null : `${group.method} ${group.endpoint}`);
  const availability = (100 * (n - failed)) / n;
  const allowed = ((100 - target) / 100) * n;
  expect(entry.target, what).toBe(target);
  expect(entry.requests, what).toBe(n);
  expect(entry.failed, what).toBe(failed);
  expectClose(entry.availability, availability, `${what} availability`);
  expect(entry.met, `${what} met`).toBe(availability >= target);
  expectClose(entry.errorBudget.allowed, allowed, `${what} allowed`);
  expect(entry.errorBudget.used, what).toBe(failed);
  expectClose(entry.errorBudget.remaining, allowed - failed, `${what} remaining`);
  expectClose(entry.errorBudget.usedPercent, allowed === 0 ? null : (100 * failed) / allowed, `${what} usedPercent`);
  expect(entry.errorBudget.exhausted, `${what} exhausted`).toBe(failed > allowed);
  const p95 = nearestRank(group.records.map((r) => r.durationMs), 0.95)!;
  expectPercentile(entry.p95ResponseTime, p95, `${what} p95`);
  expect(entry.latencyObjectiveMs, what).toBe(latency);
  // The seed keeps every p95 clear of its objective by more than the histogram's error, so the verdict is the exact one.
  expect(Math.abs(p95 - latency) / latency, `${what}: p95 ${p95} too close to ${latency} to judge`).toBeGreaterThan(RELATIVE_ERROR);
  expect(entry.latencyMet, `${what} latencyMet`).toBe(p95 <= latency);
  const days = new Map<string, { requests: number; failed: number }>();
  for (const r of group.records) {
    const day = days.get(dayOf(r.startMs)) ?? { requests: 0, failed: 0 };
    day.requests += 1;
    if (r.outcome === 'error') day.failed += 1;
    days.set(dayOf(r.startMs), day);
  }
  const worst = [...days.entries()].map(([date, d]) => ({ date, ...d, availability: (100 * (d.requests - d.failed)) / d.requests }))
    .sort((a, b) => a.availability - b.availability || b.failed - a.failed || (a.date < b.date ? -1 : 1)).slice(0, 3);
  expect(entry.worstDays.map((d: any) => [d.date, d.requests, d.failed]), `${what} worst days`).toEqual(worst.map((d) => [d.date, d.requests, d.failed]));
  entry.worstDays.forEach((d: any, i: number) => expectClose(d.availability, worst[i]!.availability, `${what} ${d.date}`));
}

/** The report's entries as CSV and NDJSON rows carry them. */
function flat(scope: 'service' | 'endpoint', e: any): Record<string, unknown> {
  const flag = (value: boolean | null) => (value === null ? null : value ? 'yes' : 'no');
  return {
    scope, service: e.service, method: e.method, endpoint: e.endpoint, target: e.target, requests: e.requests, failed: e.failed,
    availability: e.availability, met: flag(e.met), budgetAllowed: e.errorBudget.allowed, budgetUsed: e.errorBudget.used,
    budgetRemaining: e.errorBudget.remaining, budgetUsedPercent: e.errorBudget.usedPercent, budgetExhausted: flag(e.errorBudget.exhausted),
    p95ResponseTime: e.p95ResponseTime, latencyObjectiveMs: e.latencyObjectiveMs, latencyMet: flag(e.latencyMet),
    worstDays: e.worstDays.map((d: any) => `${d.date} ${d.availability.toFixed(3)}%`).join('; ') || null,
  };
}

/** Fetches the report in all three formats for `query`, checks each against the hand-worked figures of [from, to). */
async function expectReport(s: SeededApi, query: Record<string, string>, from: number, to: number, service?: string): Promise<any> {
  const answer = await getExport(s.api.url, { report: 'sla', ...query });
  expect(answer.status, answer.text).toBe(200);
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
  const report = JSON.parse(answer.text);
  expect(report).toMatchObject({ report: 'sla', month: query['month'] ?? null, from: new Date(from).toISOString(), to: new Date(to).toISOString() });
  const records = s.seed.records.filter((r) => service === undefined || r.service === service);
  for (const [list, byEndpoint] of [[report.services, false], [report.endpoints, true]] as const) {
    const expected = groups(records, from, to, byEndpoint);
    expect(list.map(entryKey).sort()).toEqual([...expected.keys()].sort());
    for (const entry of list) expectEntry(entry, expected.get(entryKey(entry))!);
  }
  expect(report.services.map((e: any) => e.service)).toEqual([...report.services.map((e: any) => e.service)].sort());
  const rows = [...report.services.map((e: any) => flat('service', e)), ...report.endpoints.map((e: any) => flat('endpoint', e))];
  const ndjson = await getExport(s.api.url, { report: 'sla', format: 'ndjson', ...query });
  expect(ndjsonRows(ndjson.text)).toEqual(rows);
  const csv = await getExport(s.api.url, { report: 'sla', format: 'csv', ...query });
  expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
  expectCsvMatchesJson(csvRecords(csv.text), rows, 'SLA CSV');
  return report;
}

export function slaContract(seeded: () => SeededApi): void {
  describe('GET /api/status/export?report=sla', () => {
    it('a calendar month: availability, error budget, p95 and worst days as worked out from the requests', async () => {
      const s = seeded();
      const day = new Date(s.now.getTime() - 3 * DAY);
      const month = `${day.getUTCFullYear()}-${String(day.getUTCMonth() + 1).padStart(2, '0')}`;
      const from = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), 1);
      const to = Date.UTC(day.getUTCFullYear(), day.getUTCMonth() + 1, 1);
      const report = await expectReport(s, { month }, from, to);
      const answer = await getExport(s.api.url, { report: 'sla', month });
      expect(answer.headers.get('content-disposition')).toBe(`attachment; filename="spanpulse-sla-${dayOf(from)}--${dayOf(to)}.json"`);
      // The seed and objectives give every verdict at least once, so each is checked above.
      const entries = [...report.services, ...report.endpoints];
      for (const verdict of [true, false]) {
        expect(entries.some((e) => e.met === verdict), `met ${verdict}`).toBe(true);
        expect(entries.some((e) => e.errorBudget.exhausted === verdict), `exhausted ${verdict}`).toBe(true);
        expect(entries.some((e) => e.latencyMet === verdict), `latencyMet ${verdict}`).toBe(true);
      }
      expect(entries.some((e) => e.target === 100 && e.errorBudget.allowed === 0 && e.errorBudget.usedPercent === null)).toBe(true);
    });

    it('a from/to range of whole days, and one service', async () => {
      const s = seeded();
      const today = Math.floor(s.now.getTime() / DAY) * DAY;
      // Snapped outwards to whole UTC days.
      await expectReport(s, { from: new Date(today - 7 * DAY + 3_600_000).toISOString(), to: dayOf(today) }, today - 7 * DAY, today);
      await expectReport(s, { window: '7d', service: 'crm' }, today - 7 * DAY, today + DAY, 'crm');
    });
  });
}
