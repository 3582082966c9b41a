/**
 * What a session used, from its retained raw documents (StoreReader.findSessionSpans), by the
 * attribution rules of README "AI agents and models" applied per request:
 * - the model calls of a trace count once, for the session's first request in that trace:
 *   their tokens and cost (only model-call spans carry cost);
 * - in a trace without model calls, the agent invocations' token attributes count instead
 *   (once, for the same first request), and without those the request's own (the preload's
 *   addTokenUsage sets them on the server span): an agent span repeats its model calls'
 *   totals, a server span its agents', so only the most specific source present counts;
 * - the agents of a request are its own, those of the agent invocations in its trace and
 *   those credited with its model calls (`(unattributed)` is no agent).
 * Cost is null when no model call was priced; `unpricedCalls` says how many it leaves out.
 */
import { UNATTRIBUTED, type ApiMetric, type ModelCall, type SessionSpans } from '../../collector/store/types.js';
import { costOf } from './modelStats.js';

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  modelCalls: number;
  /** In the API's currency; null when no model call was priced. */
  cost: number | null;
  unpricedCalls: number;
}

export interface RequestUsage {
  request: ApiMetric;
  usage: Usage;
  /** Sorted. */
  agents: string[];
}

interface Sums {
  inputTokens: number;
  outputTokens: number;
  modelCalls: number;
  pricedCallCount: number;
  costNanos: number;
}

const noSums = (): Sums => ({ inputTokens: 0, outputTokens: 0, modelCalls: 0, pricedCallCount: 0, costNanos: 0 });

/** Each request of `spans` (in their order) with what it used. */
export function requestUsages(spans: SessionSpans): RequestUsage[] {
  return requestSums(spans).map(({ request, sums, agents }) => ({ request, usage: usageOf(sums), agents }));
}

export interface SessionUsage extends Usage {
  requests: number;
  errors: number;
  clientErrors: number;
  /** Sorted. */
  agents: string[];
}

/** The sum over the requests of `spans`. */
export function sessionUsage(spans: SessionSpans): SessionUsage {
  const total = noSums();
  const agents = new Set<string>();
  let errors = 0;
  let clientErrors = 0;
  for (const { request, sums, agents: own } of requestSums(spans)) {
    for (const key of Object.keys(total) as Array<keyof Sums>) total[key] += sums[key];
    for (const agent of own) agents.add(agent);
    if (request.outcome === 'error') errors += 1;
    else if (request.outcome === 'client_error') clientErrors += 1;
  }
  return { ...usageOf(total), requests: spans.requests.length, errors, clientErrors, agents: [...agents].sort() };
}

function requestSums(spans: SessionSpans): Array<{ request: ApiMetric; sums: Sums; agents: string[] }> {
  const callsByTrace = groupBy(spans.modelCalls, (call) => call.traceId);
  const agentsByTrace = new Map<string, Set<string>>();
  const addAgent = (traceId: string, agent: string | null) => {
    if (agent === null || agent === UNATTRIBUTED) return;
    let agents = agentsByTrace.get(traceId);
    if (agents === undefined) agentsByTrace.set(traceId, (agents = new Set()));
    agents.add(agent);
  };
  for (const invocation of spans.invocations) addAgent(invocation.traceId, invocation.agentName);
  for (const call of spans.modelCalls) addAgent(call.traceId, call.agentName);
  const invocationsByTrace = groupBy(spans.invocations.filter((i) => i.inputTokens + i.outputTokens > 0), (invocation) => invocation.traceId);
  const credited = new Set<string>();
  return spans.requests.map((request) => {
    const sums = noSums();
    const calls = callsByTrace.get(request.traceId);
    const invocations = invocationsByTrace.get(request.traceId);
    if (calls === undefined && invocations === undefined) {
      sums.inputTokens = request.inputTokens;
      sums.outputTokens = request.outputTokens;
    } else if (!credited.has(request.traceId)) {
      credited.add(request.traceId);
      if (calls !== undefined) for (const call of calls) addCall(sums, call);
      else for (const invocation of invocations!) {
        sums.inputTokens += invocation.inputTokens;
        sums.outputTokens += invocation.outputTokens;
      }
    }
    const agents = new Set(agentsByTrace.get(request.traceId));
    if (request.agentName !== null) agents.add(request.agentName);
    return { request, sums, agents: [...agents].sort() };
  });
}

function addCall(sums: Sums, call: ModelCall): void {
  sums.inputTokens += call.inputTokens;
  sums.outputTokens += call.outputTokens;
  sums.modelCalls += 1;
  if (call.costNanos !== null) {
    sums.pricedCallCount += 1;
    sums.costNanos += call.costNanos;
  }
}

function usageOf(sums: Sums): Usage {
  return {
    inputTokens: sums.inputTokens,
    outputTokens: sums.outputTokens,
    totalTokens: sums.inputTokens + sums.outputTokens,
    modelCalls: sums.modelCalls,
    cost: costOf(sums),
    unpricedCalls: sums.modelCalls - sums.pricedCallCount,
  };
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [item]);
    else group.push(item);
  }
  return groups;
}
