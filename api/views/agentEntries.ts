/**
 * The agents list of /api/status: every agent seen yesterday or today (UTC), with today's
 * figures and state, so the list does not empty at midnight; an agent not used yet today is
 * `idle` with zero counts.
 */
import { healthState, type HealthState, type StateThresholds } from '../stats/healthState.js';
import type { AgentStats } from '../stats/agentStats.js';

export interface AgentEntry {
  serviceName: string;
  agentName: string;
  state: Exclude<HealthState, 'no_data'> | 'idle';
  lastSeen: Date;
  /** Distinct sessions that used the agent today. */
  activeUsers: number;
  totalRequests: number;
  successRate: number | null;
  errorRate: number | null;
  avgResponseTime: number | null;
  p95ResponseTime: number | null;
  totalTokens: number;
}

export function agentEntries(today: readonly AgentStats[], recent: readonly AgentStats[], thresholds: Readonly<StateThresholds>): AgentEntry[] {
  const todayByKey = new Map(today.map((agent) => [JSON.stringify([agent.serviceName, agent.agentName]), agent]));
  return recent.map((seen) => {
    const agent = todayByKey.get(JSON.stringify([seen.serviceName, seen.agentName]));
    const state = agent === undefined ? 'no_data' : healthState(agent, thresholds);
    return {
      serviceName: seen.serviceName,
      agentName: seen.agentName,
      state: state === 'no_data' ? 'idle' : state,
      lastSeen: seen.lastSeen,
      activeUsers: agent?.activeUsers ?? 0,
      totalRequests: agent?.totalRequests ?? 0,
      successRate: agent?.successRate ?? null,
      errorRate: agent?.errorRate ?? null,
      avgResponseTime: agent?.avgResponseTime ?? null,
      p95ResponseTime: agent?.p95ResponseTime ?? null,
      totalTokens: agent?.totalTokens ?? 0,
    };
  });
}
