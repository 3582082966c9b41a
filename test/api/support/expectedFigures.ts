/**
 * The figures the API should report, computed the slow and obvious way from the seeded
 * records: filter, count, sort. Percentiles here are exact (nearest rank); the API's come
 * from histograms and must lie within RELATIVE_ERROR of these.
 */
import type { SeedRecord } from './seedTraffic.js';

export interface Filter {
  from: number;
  to: number;
  service?: string | undefined;
}

export function requestsIn(records: readonly SeedRecord[], filter: Filter): SeedRecord[] {
  return records.filter((r) => r.kind === 'request' && r.startMs >= filter.from && r.startMs < filter.to
    && (filter.service === undefined || r.service === filter.service));
}

export function nearestRank(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}

export interface ExpectedPerformance {
  totalRequests: number;
  successRate: number | null;
  errorRate: number | null;
  clientErrorRate: number | null;
  avgResponseTime: number | null;
  p50ResponseTime: number | null;
  p95ResponseTime: number | null;
  p99ResponseTime: number | null;
}

export function performance(records: readonly SeedRecord[]): ExpectedPerformance {
  const n = records.length;
  const count = (outcome: SeedRecord['outcome']) => records.filter((r) => r.outcome === outcome).length;
  const times = records.map((r) => r.durationMs);
  return {
    totalRequests: n,
    successRate: n === 0 ? null : (100 * (n - count('error'))) / n,
    errorRate: n === 0 ? null : (100 * count('error')) / n,
    clientErrorRate: n === 0 ? null : (100 * count('client_error')) / n,
    avgResponseTime: n === 0 ? null : times.reduce((a, b) => a + b, 0) / n,
    p50ResponseTime: nearestRank(times, 0.5),
    p95ResponseTime: nearestRank(times, 0.95),
    p99ResponseTime: nearestRank(times, 0.99),
  };
}

/** Sessions (per service) whose [first start, last end] overlaps [from, to), and distinct users among them. */
export function sessionsIn(records: readonly SeedRecord[], filter: Filter): { sessions: number; users: number } {
  const spans = new Map<string, { start: number; end: number; user: string | null }>();
  for (const r of records) {
    if (r.session === null || (filter.service !== undefined && r.service !== filter.service)) continue;
    const key = `${r.service}\u0000${r.session}`;
    const seen = spans.get(key) ?? { start: Infinity, end: -Infinity, user: null };
    spans.set(key, { start: Math.min(seen.start, r.startMs), end: Math.max(seen.end, r.startMs + r.durationMs), user: r.user ?? seen.user });
  }
  const active = [...spans.entries()].filter(([, s]) => s.end >= filter.from && s.start < filter.to);
  return { sessions: active.length, users: new Set(active.map(([key, s]) => (s.user === null ? `session:${key}` : `user:${s.user}`))).size };
}

export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export interface ExpectedAgent extends ExpectedPerformance {
  serviceName: string;
  agentName: string;
  invocations: number;
  activeUsers: number;
  inputTokens: number;
  outputTokens: number;
}

/** Agent figures over the UTC days fromDate..toDate: requests with an agent plus invocations. */
export function agentsOnDays(records: readonly SeedRecord[], fromDate: string, toDate: string, service?: string): ExpectedAgent[] {
  const groups = new Map<string, SeedRecord[]>();
  for (const r of records) {
    const day = dayOf(r.startMs);
    if (r.agent === null || day < fromDate || day > toDate || (service !== undefined && r.service !== service)) continue;
    const key = JSON.stringify([r.service, r.agent]);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.entries()].map(([key, list]) => {
    const [serviceName, agentName] = JSON.parse(key) as [string, string];
    const sessionDays = new Set(list.filter((r) => r.session !== null).map((r) => `${dayOf(r.startMs)} ${r.session}`));
    return {
      serviceName,
      agentName,
      ...performance(list),
      invocations: list.filter((r) => r.kind === 'invocation').length,
      activeUsers: sessionDays.size,
      inputTokens: list.reduce((n, r) => n + r.inputTokens, 0),
      outputTokens: list.reduce((n, r) => n + r.outputTokens, 0),
    };
  });
}

export function percentChange(current: number | null, previous: number | null): number | null {
  if (current === null || previous === null || previous === 0) return null;
  return (100 * (current - previous)) / previous;
}
