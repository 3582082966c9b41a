/**
 * Per-agent figures from agent_metrics days. An agent is identified by its service and
 * name: two apps may both have a `support` agent. agent_metrics counts distinct sessions
 * per day, so over several days `activeUsers` is the sum of the daily counts (a session that
 * used the agent on three days counts three times).
 */
import type { AgentDay } from '../../collector/store/types.js';
import { addTotals, emptyTotals, performanceOf, type Performance, type Totals } from './Totals.js';

export interface AgentStats extends Performance {
  serviceName: string;
  agentName: string;
  /** Of totalRequests, how many were agent invocations (non-SERVER spans). */
  invocations: number;
  activeUsers: number;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  /** Latest span end time seen for the agent. */
  lastSeen: Date;
}

export function agentStats(days: readonly AgentDay[]): AgentStats[] {
  const agents = new Map<string, { day: AgentDay; totals: Totals; invocations: number; activeUsers: number; lastSeen: Date }>();
  for (const day of days) {
    const key = JSON.stringify([day.serviceName, day.agentName]);
    let agent = agents.get(key);
    if (agent === undefined) agents.set(key, (agent = { day, totals: emptyTotals(), invocations: 0, activeUsers: 0, lastSeen: day.lastSeen }));
    addTotals(agent.totals, day);
    agent.invocations += day.invocationCount;
    agent.activeUsers += day.activeUsers;
    if (day.lastSeen > agent.lastSeen) agent.lastSeen = day.lastSeen;
  }
  return [...agents.values()]
    .map(({ day, totals, invocations, activeUsers, lastSeen }) => ({
      serviceName: day.serviceName,
      agentName: day.agentName,
      ...performanceOf(totals),
      invocations,
      activeUsers,
      inputTokens: totals.inputTokens,
      outputTokens: totals.outputTokens,
      totalTokens: totals.inputTokens + totals.outputTokens,
      lastSeen,
    }))
    .sort((a, b) => b.totalRequests - a.totalRequests || a.serviceName.localeCompare(b.serviceName) || a.agentName.localeCompare(b.agentName));
}
