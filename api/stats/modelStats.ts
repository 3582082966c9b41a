/**
 * Model usage from model_metrics days: per model (service, provider, model) and per agent,
 * with cost. Cost is summed in billionths of the currency (exact in any order) and shown in
 * the currency; it is null when none of the calls had a price, and `unpricedCalls` says how
 * many calls a cost leaves out (a model priced only from a `since` date on, say).
 */
import { quantile } from '../../collector/mapping/latencyHistogram.js';
import { emptyFigures, mergeFigures, type FiguresOf } from '../../collector/store/figures.js';
import type { ModelDay } from '../../collector/store/types.js';

type ModelFigures = FiguresOf<'modelDay'>;

export interface ModelUsage {
  calls: number;
  errors: number;
  /** Percent of calls that failed; null without calls. */
  errorRate: number | null;
  /** Failed calls by error.type. */
  errorTypes: Record<string, number>;
  avgResponseTime: number | null;
  p95ResponseTime: number | null;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  /** inputTokens + outputTokens (input includes cached, output includes reasoning). */
  totalTokens: number;
  /** In the API's currency; null when no call had a price. */
  cost: number | null;
  unpricedCalls: number;
}

export interface ModelStats extends ModelUsage {
  serviceName: string;
  provider: string | null;
  model: string | null;
}

export interface AgentModelStats extends ModelUsage {
  serviceName: string;
  agentName: string;
  models: Array<ModelUsage & { provider: string | null; model: string | null }>;
}

export function usageOf(figures: Readonly<ModelFigures>): ModelUsage {
  const n = figures.callCount;
  return {
    calls: n,
    errors: figures.errorCount,
    errorRate: n === 0 ? null : (100 * figures.errorCount) / n,
    errorTypes: { ...figures.errorTypes },
    avgResponseTime: n === 0 ? null : figures.totalResponseTime / n,
    p95ResponseTime: quantile(figures.latencyHistogram, 0.95),
    inputTokens: figures.inputTokens,
    outputTokens: figures.outputTokens,
    cacheReadTokens: figures.cacheReadTokens,
    cacheWriteTokens: figures.cacheWriteTokens,
    reasoningTokens: figures.reasoningTokens,
    totalTokens: figures.inputTokens + figures.outputTokens,
    cost: costOf(figures),
    unpricedCalls: n - figures.pricedCallCount,
  };
}

/** The cost of summed figures in the currency, or null when none of their calls had a price. */
export function costOf(figures: Readonly<Pick<ModelFigures, 'costNanos' | 'pricedCallCount'>>): number | null {
  return figures.pricedCallCount === 0 ? null : figures.costNanos / 1e9;
}

/** The figures of `days` summed per key, keys in first-seen order. */
export function sumModelDays<K>(days: readonly ModelDay[], keyOf: (day: ModelDay) => string, identity: (day: ModelDay) => K): Array<K & { figures: ModelFigures }> {
  const groups = new Map<string, K & { figures: ModelFigures }>();
  for (const day of days) {
    const key = keyOf(day);
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = { ...identity(day), figures: emptyFigures('modelDay') }));
    mergeFigures(group.figures, day);
  }
  return [...groups.values()];
}

/** Per (service, provider, model), most calls first. */
export function modelStats(days: readonly ModelDay[]): ModelStats[] {
  return sumModelDays(days, (d) => JSON.stringify([d.serviceName, d.provider, d.model]), (d) => ({ serviceName: d.serviceName, provider: d.provider, model: d.model }))
    .map(({ figures, ...identity }) => ({ ...identity, ...usageOf(figures) }))
    .sort((a, b) => b.calls - a.calls || compareText(a.serviceName, b.serviceName) || compareText(a.provider, b.provider) || compareText(a.model, b.model));
}

/** Per (service, agent), with its models; keyed like agentStats' entries. */
export function agentModelStats(days: readonly ModelDay[]): Map<string, AgentModelStats> {
  const agents = new Map<string, AgentModelStats>();
  const byAgent = sumModelDays(days, (d) => agentKey(d), (d) => ({ serviceName: d.serviceName, agentName: d.agentName }));
  for (const { figures, ...identity } of byAgent) {
    const own = days.filter((d) => d.serviceName === identity.serviceName && d.agentName === identity.agentName);
    const models = sumModelDays(own, (d) => JSON.stringify([d.provider, d.model]), (d) => ({ provider: d.provider, model: d.model }))
      .map(({ figures: modelFigures, ...model }) => ({ ...model, ...usageOf(modelFigures) }))
      .sort((a, b) => b.calls - a.calls || compareText(a.provider, b.provider) || compareText(a.model, b.model));
    agents.set(agentKey(identity), { ...identity, ...usageOf(figures), models });
  }
  return agents;
}

export function agentKey(agent: { serviceName: string; agentName: string }): string {
  return JSON.stringify([agent.serviceName, agent.agentName]);
}

function compareText(a: string | null, b: string | null): number {
  return (a ?? '').localeCompare(b ?? '');
}
