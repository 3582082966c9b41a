/**
 * What a rule sees: its groups (one alert each) and the value of its metric for each, from
 * the endpoint-level minute rollups of its window summed per endpoint (they add up to the
 * service and platform figures), the services' last-seen times (no_data), the store's session counts
 * (active_users), and the window's model calls summed per agent and model (cost, tokens, the
 * only metrics with groups per model).
 *
 * The window is whole minutes: the minute in progress and the ones before it, window / 1 min
 * in all. A group is watched when it has figures in the window, when it already has an alert
 * going on, and, per platform and per service, when its service sent within the minute
 * retention (so `requests below N` and `no_data` see a service that went quiet).
 */
import { performanceOf } from '../../api/stats/Totals.js';
import { emptyCommonFigures, mergeFigures, type CommonFigures } from '../store/figures.js';
import type { MinuteRollup, ModelCallSums, ServiceSummary } from '../store/types.js';
import { MINUTE_MS } from '../time/utcTime.js';
import { metricDeclaration, type ModelCallTotals, type WindowFigures } from './alertMetrics.js';
import { conditionHolds, type AlertRule } from './AlertRule.js';

export interface AlertGroup {
  service: string | null;
  /** "METHOD /route". */
  endpoint: string | null;
  agent: string | null;
  /** Per model (cost and tokens): the provider and model of the calls (the response model, else the request model). */
  provider: string | null;
  model: string | null;
}

/** A group of no model keeps the key it had before groups per model (stored alerts go on). */
export function groupKeyOf(group: AlertGroup): string {
  const { service, endpoint, agent, provider, model } = group;
  return JSON.stringify(provider === null && model === null ? [service, endpoint, agent] : [service, endpoint, agent, provider, model]);
}

export function groupOfKey(key: string): AlertGroup {
  const [service, endpoint, agent, provider = null, model = null] = JSON.parse(key) as Array<string | null>;
  return { service: service ?? null, endpoint: endpoint ?? null, agent: agent ?? null, provider, model };
}

/** A group of the rule's grouping; the parts it does not group by are null. */
function groupOf(parts: Partial<AlertGroup>): AlertGroup {
  return { service: null, endpoint: null, agent: null, provider: null, model: null, ...parts };
}

export interface GroupReading {
  key: string;
  group: AlertGroup;
  value: number | null;
  /** Whether the condition holds; null: no verdict (no value, or fewer than min_requests requests). */
  holds: boolean | null;
}

/** The figures of one endpoint-level identity (service, method, route, agent) summed over a window. */
export interface EndpointFigures {
  serviceName: string;
  method: string | null;
  endpoint: string | null;
  agentName: string | null;
  totals: MinuteTotals;
}

export interface RuleInput {
  now: Date;
  /** The endpoint-level figures of the rule's window (windowFigures). */
  endpoints: readonly EndpointFigures[];
  services: readonly ServiceSummary[];
  /** Group keys of this rule with an alert pending or firing. */
  activeKeys: ReadonlySet<string>;
  minuteRetentionMs: number;
  /** Distinct sessions active in [from, to), of one service or all. */
  countSessions(from: Date, to: Date, serviceName: string | undefined): Promise<number>;
  /** The model calls of the rule's window (sumModelCalls); only for rules on metrics counted from them. */
  modelCalls: readonly ModelCallSums[];
}

/** Start of the first minute of a window of `windowMs` ending at `now`. */
export function windowStart(now: Date, windowMs: number): Date {
  return new Date(Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS - windowMs + MINUTE_MS);
}

type MinuteTotals = CommonFigures<'minute'>;

/**
 * The minutes from `from` on, summed per endpoint-level identity: once per distinct window of
 * a cycle, so that rules sharing a window (the common case) group a few sums, not every minute.
 */
export function windowFigures(minutes: readonly MinuteRollup[], from: Date): EndpointFigures[] {
  const sums = new Map<string, EndpointFigures>();
  for (const minute of minutes) {
    if (minute.start.getTime() < from.getTime()) continue;
    const key = `${minute.serviceName}\u0000${minute.method}\u0000${minute.endpoint}\u0000${minute.agentName}`;
    const sum = sums.get(key);
    if (sum === undefined) {
      sums.set(key, { serviceName: minute.serviceName, method: minute.method, endpoint: minute.endpoint, agentName: minute.agentName,
        totals: mergeFigures(emptyCommonFigures(['minute']), minute) });
    } else {
      mergeFigures(sum.totals, minute);
    }
  }
  return [...sums.values()];
}

export async function readGroups(rule: AlertRule, input: RuleInput): Promise<GroupReading[]> {
  if (metricDeclaration(rule.metric).source === 'model_calls') return modelCallReadings(rule, input);
  // A group of one identity (an endpoint without agents, say) keeps that identity's sum; a copy is made only to add a second.
  const totals = new Map<string, { figures: MinuteTotals; shared: boolean }>();
  for (const figures of input.endpoints) {
    if (!matches(rule, figures)) continue;
    const group = groupOfMinute(rule, figures);
    if (group === null) continue;
    const key = groupKeyOf(group);
    const sum = totals.get(key);
    if (sum === undefined) {
      totals.set(key, { figures: figures.totals, shared: true });
    } else {
      if (sum.shared) Object.assign(sum, { figures: mergeFigures(emptyCommonFigures(['minute']), sum.figures), shared: false });
      mergeFigures(sum.figures, figures.totals);
    }
  }
  const services = input.services.filter((s) => rule.service === undefined || s.serviceName === rule.service);
  const keys = watchedKeys(rule, input, services, totals.keys());
  const readings: GroupReading[] = [];
  for (const key of keys) {
    const group = groupOfKey(key);
    const performance = performanceOf(totals.get(key)?.figures ?? emptyCommonFigures(['minute']));
    const figures: WindowFigures = { performance, activeUsers: null, silentMs: null, modelCalls: null };
    const scope = group.service ?? rule.service;
    // Only active_users waits for the store; every other metric is computed from what was read.
    if (rule.metric === 'active_users') {
      figures.activeUsers = await input.countSessions(new Date(input.now.getTime() - rule.windowMs), input.now, scope);
    } else if (rule.metric === 'no_data') {
      const seen = services.filter((s) => scope === undefined || s.serviceName === scope).map((s) => s.lastSeen.getTime());
      figures.silentMs = seen.length === 0 ? null : Math.max(0, input.now.getTime() - Math.max(...seen));
    }
    const value = metricDeclaration(rule.metric).of(figures);
    const enough = metricDeclaration(rule.metric).source === 'nothing' || performance.totalRequests >= rule.minRequests;
    readings.push({ key, group, value, holds: enough ? conditionHolds(rule, value) : null });
  }
  return readings;
}

/** The groups with figures, those with an alert going on, and per platform and service those whose service sent recently. */
function watchedKeys(rule: AlertRule, input: RuleInput, services: readonly ServiceSummary[], withFigures: Iterable<string>): Set<string> {
  const keys = new Set([...withFigures, ...input.activeKeys]);
  if (rule.per === 'platform' || rule.per === 'service') {
    const recent = services.filter((s) => s.lastSeen.getTime() >= input.now.getTime() - input.minuteRetentionMs);
    if (rule.per === 'platform' && recent.length > 0) keys.add(groupKeyOf(groupOf({})));
    if (rule.per === 'service') for (const s of recent) keys.add(groupKeyOf(groupOf({ service: s.serviceName })));
  }
  return keys;
}

/**
 * cost and tokens: the window's model calls summed per group (platform, service, the agent
 * credited, or the provider and model); a group without calls spent 0. Per model, calls that
 * name no model are in no group.
 */
function modelCallReadings(rule: AlertRule, input: RuleInput): GroupReading[] {
  const totals = new Map<string, ModelCallTotals>();
  for (const sums of input.modelCalls) {
    if (rule.service !== undefined && sums.serviceName !== rule.service) continue;
    if (rule.agent !== undefined && sums.agentName !== rule.agent) continue;
    if (rule.model !== undefined && sums.model !== rule.model) continue;
    if (rule.per === 'model' && sums.model === null) continue;
    const key = groupKeyOf(groupOfModelCalls(rule, sums));
    const total = totals.get(key) ?? noModelCalls();
    for (const figure of Object.keys(total) as Array<keyof ModelCallTotals>) total[figure] += sums[figure];
    totals.set(key, total);
  }
  const services = input.services.filter((s) => rule.service === undefined || s.serviceName === rule.service);
  return [...watchedKeys(rule, input, services, totals.keys())].map((key) => {
    const modelCalls = totals.get(key) ?? noModelCalls();
    const value = metricDeclaration(rule.metric).of({ performance: performanceOf(emptyCommonFigures(['minute'])), activeUsers: null, silentMs: null, modelCalls });
    return { key, group: groupOfKey(key), value, holds: modelCalls.callCount >= rule.minRequests ? conditionHolds(rule, value) : null };
  });
}

const noModelCalls = (): ModelCallTotals => ({ callCount: 0, inputTokens: 0, outputTokens: 0, costNanos: 0, pricedCallCount: 0 });

function matches(rule: AlertRule, minute: EndpointFigures): boolean {
  if (rule.service !== undefined && minute.serviceName !== rule.service) return false;
  if (rule.endpoint !== undefined && `${minute.method} ${minute.endpoint}` !== rule.endpoint) return false;
  return rule.agent === undefined || minute.agentName === rule.agent;
}

/** Requests have no model: config refuses `per: model` for metrics counted from them. */
function groupOfMinute(rule: AlertRule, minute: EndpointFigures): AlertGroup | null {
  switch (rule.per) {
    case 'platform': return groupOf({});
    case 'service': return groupOf({ service: minute.serviceName });
    case 'endpoint': return groupOf({ service: minute.serviceName, endpoint: `${minute.method} ${minute.endpoint}` });
    case 'agent': return minute.agentName === null ? null : groupOf({ service: minute.serviceName, agent: minute.agentName });
    case 'model': return null;
  }
}

/** Model calls have no endpoint: config refuses `per: endpoint` for metrics counted from them. */
function groupOfModelCalls(rule: AlertRule, sums: ModelCallSums): AlertGroup {
  switch (rule.per) {
    case 'platform': return groupOf({});
    case 'agent': return groupOf({ service: sums.serviceName, agent: sums.agentName });
    case 'model': return groupOf({ service: sums.serviceName, provider: sums.provider, model: sums.model });
    default: return groupOf({ service: sums.serviceName });
  }
}
