/**
 * Per endpoint (service + method + route): the figures of the chosen window with the state
 * they imply, availability over the last 24 h and the last 7, 30 and 90 UTC days, one
 * availability value per day for the 90-day bars, and the split by agent.
 *
 * Tens of thousands of documents pass through here for a 90-day view, so histograms are
 * merged only where percentiles are reported (the window), and only counts are summed for
 * availability.
 */
import type { Rollup } from '../../collector/store/types.js';
import { dayStart, DAY_MS } from '../../collector/time/utcTime.js';
import {
  availabilityOf, availabilityOfLastDays, dailyAvailability, emptyDailyCounts, type DailyCounts, type ErrorCounts,
} from './availability.js';
import { healthState, type HealthState, type StateThresholds } from './healthState.js';
import { addTotals, emptyTotals, performanceOf, type Performance, type Totals } from './Totals.js';

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
  /** One value per day of `days`, oldest first; null for days without requests. */
  dailyAvailability: Array<number | null>;
  /** Requests per day of `days`. */
  dailyRequests: number[];
  agents: EndpointAgentStatus[];
}

export interface EndpointRollups {
  /** Endpoint-level rollups of the chosen window. */
  window: readonly Rollup[];
  /** Endpoint-level hourly rollups of the last 24 hours. */
  last24h: readonly Rollup[];
  /** Endpoint-level daily rollups of the days in `days`. */
  daily: readonly Rollup[];
  /** The "YYYY-MM-DD" days of the bars, oldest first, consecutive. */
  days: readonly string[];
}

const SEPARATOR = '\u0000';

/** Cached rollups are the same objects from one request to the next: their keys are too. */
const keys = new WeakMap<Rollup, string>();

function endpointKey(rollup: Rollup): string {
  let key = keys.get(rollup);
  if (key === undefined) keys.set(rollup, (key = `${rollup.serviceName}${SEPARATOR}${rollup.method ?? 'UNKNOWN'}${SEPARATOR}${rollup.endpoint ?? ''}`));
  return key;
}

export function endpointStatuses(rollups: EndpointRollups, thresholds: Readonly<StateThresholds>): EndpointStatus[] {
  const names = new Map<string, Pick<EndpointStatus, 'serviceName' | 'method' | 'endpoint'>>();
  const keyOf = (rollup: Rollup): string => {
    const key = endpointKey(rollup);
    if (!names.has(key)) names.set(key, { serviceName: rollup.serviceName, method: rollup.method ?? 'UNKNOWN', endpoint: rollup.endpoint ?? '' });
    return key;
  };
  const byAgent = new Map<string, Map<string | null, Totals>>();
  for (const rollup of rollups.window) {
    const key = keyOf(rollup);
    let agents = byAgent.get(key);
    if (agents === undefined) byAgent.set(key, (agents = new Map()));
    let totals = agents.get(rollup.agentName);
    if (totals === undefined) agents.set(rollup.agentName, (totals = emptyTotals()));
    addTotals(totals, rollup);
  }
  const last24h = new Map<string, ErrorCounts>();
  for (const rollup of rollups.last24h) {
    const key = keyOf(rollup);
    let counts = last24h.get(key);
    if (counts === undefined) last24h.set(key, (counts = { requestCount: 0, errorCount: 0 }));
    counts.requestCount += rollup.requestCount;
    counts.errorCount += rollup.errorCount;
  }
  const firstDay = rollups.days.length === 0 ? 0 : dayStart(rollups.days[0]!).getTime();
  const daily = new Map<string, DailyCounts>();
  for (const rollup of rollups.daily) {
    const index = Math.floor((rollup.start.getTime() - firstDay) / DAY_MS);
    if (index < 0 || index >= rollups.days.length) continue;
    const key = keyOf(rollup);
    let counts = daily.get(key);
    if (counts === undefined) daily.set(key, (counts = emptyDailyCounts(rollups.days.length)));
    counts.requests[index]! += rollup.requestCount;
    counts.errors[index]! += rollup.errorCount;
  }

  const statuses: EndpointStatus[] = [];
  for (const [key, name] of names) {
    const agents = [...(byAgent.get(key) ?? new Map<string | null, Totals>())];
    const performance = performanceOf(agents.reduce((sum, [, totals]) => addTotals(sum, totals), emptyTotals()));
    const days = daily.get(key) ?? emptyDailyCounts(rollups.days.length);
    statuses.push({
      ...name,
      state: healthState(performance, thresholds),
      ...performance,
      availability24h: availabilityOf(last24h.get(key) ?? { requestCount: 0, errorCount: 0 }),
      availability7d: availabilityOfLastDays(days, 7),
      availability30d: availabilityOfLastDays(days, 30),
      availability90d: availabilityOfLastDays(days, 90),
      dailyAvailability: dailyAvailability(days),
      dailyRequests: days.requests,
      agents: agents
        .map(([agentName, totals]) => ({ agentName, ...performanceOf(totals) }))
        .sort((a, b) => b.totalRequests - a.totalRequests),
    });
  }
  return statuses.sort((a, b) =>
    a.serviceName.localeCompare(b.serviceName) || a.endpoint.localeCompare(b.endpoint) || a.method.localeCompare(b.method));
}
