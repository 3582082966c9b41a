/**
 * Per endpoint (service + method + route): the figures of the chosen window with the state
 * they imply, availability over the last 24 h and the last 7, 30 and 90 UTC days, one
 * availability value per day for the 90-day bars, and the split by agent.
 */
import type { Rollup } from '../../collector/store/types.js';
import { dayKey } from '../time/utcTime.js';
import { availabilityOf, availabilityOfLastDays, dailyAvailability, type DayAvailability } from './availability.js';
import { healthState, type HealthState, type StateThresholds } from './healthState.js';
import { emptyTotals, groupTotals, performanceOf, type Performance, type Totals } from './Totals.js';

export interface EndpointAgentStatus extends Performance {
  /** null for requests no agent was named on. */
  agentName: string | null;
}

export interface EndpointStatus extends Performance {
  serviceName: string;
  method: string;
  endpoint: string;
  /** From the window's error rate and p95; `no_data` without requests in the window. */
  state: HealthState;
  availability24h: number | null;
  availability7d: number | null;
  availability30d: number | null;
  availability90d: number | null;
  /** The last 90 UTC days, oldest first; today is the last entry. */
  dailyAvailability: DayAvailability[];
  agents: EndpointAgentStatus[];
}

export interface EndpointRollups {
  /** Endpoint-level rollups of the chosen window. */
  window: readonly Rollup[];
  /** Endpoint-level hourly rollups of the last 24 hours. */
  last24h: readonly Rollup[];
  /** Endpoint-level daily rollups of the days in `days`. */
  daily: readonly Rollup[];
  /** The 90 "YYYY-MM-DD" days of the bars, oldest first. */
  days: readonly string[];
}

export function endpointStatuses(rollups: EndpointRollups, thresholds: Readonly<StateThresholds>): EndpointStatus[] {
  const endpointOf = (r: Rollup) => JSON.stringify([r.serviceName, r.method ?? 'UNKNOWN', r.endpoint ?? '']);
  const windowTotals = groupTotals(rollups.window, endpointOf);
  const agentTotals = new Map<string, Map<string, Totals>>();
  for (const [key, totals] of groupTotals(rollups.window, (r) => JSON.stringify([endpointOf(r), r.agentName]))) {
    const [endpoint, agentName] = JSON.parse(key) as [string, string | null];
    let agents = agentTotals.get(endpoint);
    if (agents === undefined) agentTotals.set(endpoint, (agents = new Map()));
    agents.set(JSON.stringify(agentName), totals);
  }
  const last24h = groupTotals(rollups.last24h, endpointOf);
  const daily = groupTotals(rollups.daily, (r) => JSON.stringify([endpointOf(r), dayKey(r.start)]));
  const keys = new Set([...windowTotals.keys(), ...last24h.keys(), ...rollups.daily.map(endpointOf)]);

  const statuses: EndpointStatus[] = [];
  for (const key of keys) {
    const [serviceName, method, endpoint] = JSON.parse(key) as [string, string, string];
    const performance = performanceOf(windowTotals.get(key) ?? emptyTotals());
    const byDay = new Map(rollups.days.map((day) => [day, daily.get(JSON.stringify([key, day])) ?? emptyTotals()] as const));
    const series = dailyAvailability(byDay, rollups.days);
    statuses.push({
      serviceName,
      method,
      endpoint,
      state: healthState(performance, thresholds),
      ...performance,
      availability24h: availabilityOf(last24h.get(key) ?? emptyTotals()),
      availability7d: availabilityOfLastDays(series, 7),
      availability30d: availabilityOfLastDays(series, 30),
      availability90d: availabilityOfLastDays(series, 90),
      dailyAvailability: series,
      agents: agentsOf(agentTotals.get(key)),
    });
  }
  return statuses.sort((a, b) =>
    a.serviceName.localeCompare(b.serviceName) || a.endpoint.localeCompare(b.endpoint) || a.method.localeCompare(b.method));
}

function agentsOf(agents: ReadonlyMap<string, Totals> | undefined): EndpointAgentStatus[] {
  return [...(agents ?? [])]
    .map(([agentName, totals]) => ({ agentName: JSON.parse(agentName) as string | null, ...performanceOf(totals) }))
    .sort((a, b) => b.totalRequests - a.totalRequests);
}
