/**
 * The rows of a usage report (`/api/status/export`, `spanpulse export`): one per period (UTC
 * hour, day, or ISO week starting Monday) and group (service; service + method + endpoint;
 * service + agent), read from the rollups a few periods at a time, so a year of endpoint days
 * never sits in memory at once: only one chunk of documents and the groups of the periods in it.
 *
 * Figures are those of /api/status/analytics and /api/status/api-status (the same Totals and
 * percentiles); `activeUsers` (distinct sessions) only where a document counts them: per
 * service, for hours and days. A week's distinct sessions cannot be added up from its days,
 * nor an endpoint's from anything stored, so those are null.
 */
import type { Rollup, StoreReader } from '../../collector/store/types.js';
import { DAY_MS, HOUR_MS } from '../../collector/time/utcTime.js';
import { addTotals, emptyTotals, performanceOf, type Totals } from '../stats/Totals.js';

export type ReportPeriod = 'hourly' | 'daily' | 'weekly';
export type ReportGrouping = 'service' | 'endpoint' | 'agent';

export interface ReportQuery {
  report: ReportPeriod;
  by: ReportGrouping;
  /** Whole hours (hourly) or whole UTC days (daily, weekly). */
  from: Date;
  to: Date;
  serviceName: string | undefined;
}

export interface ExportRow {
  periodStart: Date;
  /** Exclusive; a week at the edge of the range ends (or starts) with the range. */
  periodEnd: Date;
  service: string;
  method: string | null;
  endpoint: string | null;
  agent: string | null;
  requests: number;
  errors: number;
  clientErrors: number;
  successRate: number | null;
  availability: number | null;
  avgResponseTime: number | null;
  p50ResponseTime: number | null;
  p95ResponseTime: number | null;
  p99ResponseTime: number | null;
  activeUsers: number | null;
  inputTokens: number;
  outputTokens: number;
}

/** The column order of every format. */
export const EXPORT_COLUMNS: ReadonlyArray<keyof ExportRow> = [
  'periodStart', 'periodEnd', 'service', 'method', 'endpoint', 'agent', 'requests', 'errors', 'clientErrors', 'successRate',
  'availability', 'avgResponseTime', 'p50ResponseTime', 'p95ResponseTime', 'p99ResponseTime', 'activeUsers', 'inputTokens', 'outputTokens',
];

const WEEK_MS = 7 * DAY_MS;
/** Periods read per store query: a day of hours, a week of days, four weeks of days. */
const CHUNK_MS: Record<ReportPeriod, number> = { hourly: DAY_MS, daily: WEEK_MS, weekly: 4 * WEEK_MS };

/** Monday 00:00 UTC of the ISO week holding `ms` (1970-01-01 was a Thursday). */
export function weekStart(ms: number): number {
  const days = Math.floor(ms / DAY_MS);
  return (days - ((days + 3) % 7)) * DAY_MS;
}

interface Group {
  periodStart: number;
  service: string;
  method: string | null;
  endpoint: string | null;
  agent: string | null;
  totals: Totals;
  activeUsers: number | null;
}

export async function* exportRows(reader: Pick<StoreReader, 'findRollups'>, query: ReportQuery): AsyncGenerator<ExportRow> {
  const period = query.report === 'hourly' ? 'hour' : 'day';
  const level = query.by === 'service' ? 'service' : 'endpoint';
  const periodOf = (start: number) => (query.report === 'weekly' ? weekStart(start) : start);
  const periodMs = query.report === 'hourly' ? HOUR_MS : query.report === 'daily' ? DAY_MS : WEEK_MS;
  const from = query.from.getTime();
  const to = query.to.getTime();
  // Chunks end on period boundaries, so no period is split between two of them.
  for (let chunkStart = from; chunkStart < to;) {
    const chunkEnd = Math.min(to, periodOf(chunkStart) + CHUNK_MS[query.report]);
    const rollups = await reader.findRollups({
      period, level, from: new Date(chunkStart), to: new Date(chunkEnd), ...(query.serviceName === undefined ? {} : { serviceName: query.serviceName }),
    });
    const groups = new Map<string, Group>();
    for (const rollup of rollups) {
      if (query.by === 'agent' && rollup.agentName === null) continue;
      const periodStart = periodOf(rollup.start.getTime());
      const identity = identityOf(rollup, query.by);
      const key = JSON.stringify([periodStart, identity.service, identity.method, identity.endpoint, identity.agent]);
      let group = groups.get(key);
      if (group === undefined) {
        const distinct = query.by === 'service' && query.report !== 'weekly';
        groups.set(key, (group = { periodStart, ...identity, totals: emptyTotals(), activeUsers: distinct ? 0 : null }));
      }
      addTotals(group.totals, rollup);
      if (group.activeUsers !== null) group.activeUsers += rollup.activeUsers;
    }
    const sorted = [...groups.values()].sort((a, b) => a.periodStart - b.periodStart || compare(a.service, b.service)
      || compare(a.endpoint, b.endpoint) || compare(a.method, b.method) || compare(a.agent, b.agent));
    for (const group of sorted) {
      yield rowOf(group, Math.max(group.periodStart, from), Math.min(group.periodStart + periodMs, to));
    }
    chunkStart = chunkEnd;
  }
}

function identityOf(rollup: Rollup, by: ReportGrouping) {
  if (by === 'service') return { service: rollup.serviceName, method: null, endpoint: null, agent: null };
  if (by === 'endpoint') return { service: rollup.serviceName, method: rollup.method, endpoint: rollup.endpoint, agent: null };
  return { service: rollup.serviceName, method: null, endpoint: null, agent: rollup.agentName };
}

function rowOf(group: Group, periodStart: number, periodEnd: number): ExportRow {
  const performance = performanceOf(group.totals);
  return {
    periodStart: new Date(periodStart),
    periodEnd: new Date(periodEnd),
    service: group.service,
    method: group.method,
    endpoint: group.endpoint,
    agent: group.agent,
    requests: group.totals.requestCount,
    errors: group.totals.errorCount,
    clientErrors: group.totals.clientErrorCount,
    successRate: performance.successRate,
    availability: performance.successRate,
    avgResponseTime: performance.avgResponseTime,
    p50ResponseTime: performance.p50ResponseTime,
    p95ResponseTime: performance.p95ResponseTime,
    p99ResponseTime: performance.p99ResponseTime,
    activeUsers: group.activeUsers,
    inputTokens: group.totals.inputTokens,
    outputTokens: group.totals.outputTokens,
  };
}

function compare(a: string | null, b: string | null): number {
  return (a ?? '').localeCompare(b ?? '');
}
