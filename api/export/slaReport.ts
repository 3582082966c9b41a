/**
 * The SLA report: per service and per endpoint over whole UTC days (a calendar month by
 * default), availability against its target, the error budget the target allows (failed
 * requests it tolerates, used, remaining, share used), p95 against a latency objective when one
 * is set, and the worst days. A failed request is one the platform failed (HTTP 5xx or span
 * status ERROR); 4xx answers are the client's and spend no budget.
 */
import type { Rollup, StoreReader } from '../../collector/store/types.js';
import { DAY_MS, dayKey } from '../../collector/time/utcTime.js';
import { addTotals, emptyTotals, performanceOf, type Totals } from '../stats/Totals.js';

export interface SloOptions {
  /** Percent of requests that must not fail. Default 99.9. */
  availability: number;
  /** p95 objective in ms; null: none. Default null. */
  latencyP95Ms: number | null;
  /** Per-service or per-endpoint ("METHOD /route") targets; the most specific match wins. */
  overrides: ReadonlyArray<{ service?: string | undefined; endpoint?: string | undefined; availability?: number | undefined; latencyP95Ms?: number | undefined }>;
}

export const DEFAULT_SLO: SloOptions = { availability: 99.9, latencyP95Ms: null, overrides: [] };

export interface SlaEntry {
  service: string;
  method: string | null;
  endpoint: string | null;
  target: number;
  requests: number;
  failed: number;
  availability: number | null;
  errorBudget: {
    /** Failed requests the target tolerates over these requests (fractional). */
    allowed: number;
    used: number;
    remaining: number;
    /** Percent of the budget used; null when the target allows no failure at all (100 %). */
    usedPercent: number | null;
    /** More failed than the target allows. */
    exhausted: boolean;
  };
  met: boolean | null;
  p95ResponseTime: number | null;
  latencyObjectiveMs: number | null;
  latencyMet: boolean | null;
  /** Up to three days with the lowest availability (days with requests), worst first. */
  worstDays: Array<{ date: string; requests: number; failed: number; availability: number }>;
}

export interface SlaReport {
  from: Date;
  to: Date;
  services: SlaEntry[];
  endpoints: SlaEntry[];
}

interface Accumulator {
  service: string;
  method: string | null;
  endpoint: string | null;
  totals: Totals;
  days: Map<string, { requests: number; failed: number }>;
}

/** Days read per store query: a long range of many endpoints never sits in memory at once, only its sums. */
const CHUNK_MS = 7 * DAY_MS;

export async function slaReport(reader: Pick<StoreReader, 'findRollups'>, from: Date, to: Date, serviceName: string | undefined, slo: SloOptions): Promise<SlaReport> {
  const service = serviceName === undefined ? {} : { serviceName };
  const services = new Map<string, Accumulator>();
  const endpoints = new Map<string, Accumulator>();
  for (let start = from.getTime(); start < to.getTime(); start += CHUNK_MS) {
    const chunk = { period: 'day', from: new Date(start), to: new Date(Math.min(start + CHUNK_MS, to.getTime())), ...service } as const;
    const [serviceDays, endpointDays] = await Promise.all([
      reader.findRollups({ ...chunk, level: 'service' }),
      reader.findRollups({ ...chunk, level: 'endpoint' }),
    ]);
    accumulate(services, serviceDays, (r) => [r.serviceName, null, null]);
    accumulate(endpoints, endpointDays, (r) => [r.serviceName, r.method, r.endpoint]);
  }
  return { from, to, services: entries(services, slo), endpoints: entries(endpoints, slo) };
}

function accumulate(groups: Map<string, Accumulator>, rollups: readonly Rollup[], keyOf: (r: Rollup) => [string, string | null, string | null]): void {
  for (const rollup of rollups) {
    const [service, method, endpoint] = keyOf(rollup);
    const key = JSON.stringify([service, method, endpoint]);
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = { service, method, endpoint, totals: emptyTotals(), days: new Map() }));
    addTotals(group.totals, rollup);
    const date = dayKey(rollup.start);
    const day = group.days.get(date) ?? { requests: 0, failed: 0 };
    day.requests += rollup.requestCount;
    day.failed += rollup.errorCount;
    group.days.set(date, day);
  }
}

function entries(groups: ReadonlyMap<string, Accumulator>, slo: SloOptions): SlaEntry[] {
  return [...groups.values()]
    .map((group) => entryOf(group, objectivesFor(group, slo)))
    .sort((a, b) => a.service.localeCompare(b.service) || (a.endpoint ?? '').localeCompare(b.endpoint ?? '') || (a.method ?? '').localeCompare(b.method ?? ''));
}

function objectivesFor(group: Accumulator, slo: SloOptions): { availability: number; latencyP95Ms: number | null } {
  const label = group.method === null ? null : `${group.method} ${group.endpoint}`;
  const matches = slo.overrides.filter((o) => (o.service === undefined || o.service === group.service)
    && (o.endpoint === undefined || o.endpoint === label) && !(o.endpoint !== undefined && label === null));
  // Endpoint overrides are more specific than service ones, which are more specific than none.
  const rank = (o: SloOptions['overrides'][number]) => (o.endpoint !== undefined ? 2 : 0) + (o.service !== undefined ? 1 : 0);
  const best = [...matches].sort((a, b) => rank(b) - rank(a));
  return {
    availability: best.find((o) => o.availability !== undefined)?.availability ?? slo.availability,
    latencyP95Ms: best.find((o) => o.latencyP95Ms !== undefined)?.latencyP95Ms ?? slo.latencyP95Ms,
  };
}

function entryOf(group: Accumulator, objectives: { availability: number; latencyP95Ms: number | null }): SlaEntry {
  const { requestCount: requests, errorCount: failed } = group.totals;
  const performance = performanceOf(group.totals);
  // Rounded to a millionth: 99.9 % of 25 requests is 0.025, not 0.02499999999999858.
  const allowed = roundMillionth(((100 - objectives.availability) / 100) * requests);
  const availability = performance.successRate;
  const p95 = performance.p95ResponseTime;
  return {
    service: group.service,
    method: group.method,
    endpoint: group.endpoint,
    target: objectives.availability,
    requests,
    failed,
    availability,
    errorBudget: {
      allowed,
      used: failed,
      remaining: roundMillionth(allowed - failed),
      usedPercent: allowed > 0 ? roundMillionth((100 * failed) / allowed) : null,
      exhausted: failed > allowed,
    },
    met: availability === null ? null : availability >= objectives.availability,
    p95ResponseTime: p95,
    latencyObjectiveMs: objectives.latencyP95Ms,
    latencyMet: objectives.latencyP95Ms === null || p95 === null ? null : p95 <= objectives.latencyP95Ms,
    worstDays: [...group.days.entries()]
      .filter(([, day]) => day.requests > 0)
      .map(([date, day]) => ({ date, requests: day.requests, failed: day.failed, availability: (100 * (day.requests - day.failed)) / day.requests }))
      .sort((a, b) => a.availability - b.availability || b.failed - a.failed || a.date.localeCompare(b.date))
      .slice(0, 3),
  };
}

function roundMillionth(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
