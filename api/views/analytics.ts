/**
 * GET /api/status/analytics: usage and performance of a window, growth against the window
 * before, per-agent figures, requests by hour of day and a daily trend.
 *
 * Totals and the trend read hourly rollups for partial days and daily ones for whole days
 * (loadRollups); the hour-of-day distribution needs hourly service-level documents for the
 * whole window (one per service and hour). Users are distinct sessions (user_sessions).
 * Per-agent figures come from agent_metrics, which is kept per UTC day: they cover the
 * whole days the window touches (`agentDays`).
 */
import { RELATIVE_ERROR } from '../../collector/mapping/latencyHistogram.js';
import type { ApiContext } from '../ApiContext.js';
import { loadRollups } from '../query/loadRollups.js';
import { parseRangeQuery, type RangeQuery } from '../query/parseRangeQuery.js';
import { agentStats } from '../stats/agentStats.js';
import { agentKey, agentModelStats, costOf, modelStats, sumModelDays, usageOf } from '../stats/modelStats.js';
import { dailyTrend } from '../stats/dailyTrend.js';
import { costGrowthOf, growthOf, type CostSide } from '../stats/growth.js';
import { hourlyDistribution } from '../stats/hourlyDistribution.js';
import { performanceOf, sumTotals } from '../stats/Totals.js';
import { ceilMinute } from '../query/SessionCountCache.js';
import { DAY_MS, dayKey, dayStart } from '../../collector/time/utcTime.js';
import type { ModelDay } from '../../collector/store/types.js';

const PARAMETERS = ['window', 'from', 'to', 'service', 'tz'] as const;

export async function analytics(context: ApiContext, query: Record<string, unknown>) {
  const { reader } = context;
  const services = await reader.listServices();
  const q = parseRangeQuery(query, {
    now: context.now(),
    retentionMs: context.retention.hourlyMetricsMs,
    services: services.map((s) => s.serviceName),
    allowedParameters: PARAMETERS,
  });
  const { range, previous, serviceName } = q;
  const service = serviceName === undefined ? {} : { serviceName };
  const coveredMs = range.end.getTime() - range.from.getTime();
  // Sessions are counted up to the next whole minute, so requests within a minute share the
  // (expensive, for long windows) count: users are at most a minute behind.
  const usersEnd = new Date(Math.min(range.to.getTime(), ceilMinute(range.end).getTime()));
  const usersMs = usersEnd.getTime() - range.from.getTime();
  const agentDays = { fromDate: dayKey(range.from), toDate: dayKey(new Date(range.end.getTime() - 1)) };
  // Cost growth: model_metrics is per UTC day, so the days before, as many as agentDays has.
  const dayCount = Math.round((dayStart(agentDays.toDate).getTime() - dayStart(agentDays.fromDate).getTime()) / DAY_MS) + 1;
  const previousDays = {
    fromDate: dayKey(new Date(dayStart(agentDays.fromDate).getTime() - dayCount * DAY_MS)),
    toDate: dayKey(new Date(dayStart(agentDays.fromDate).getTime() - DAY_MS)),
  };
  const [current, before, hourly, users, previousUsers, days, modelDays, previousModelDays] = await Promise.all([
    loadRollups(reader, { range, level: 'service', serviceName }),
    loadRollups(reader, { range: previous, level: 'service', serviceName }),
    reader.findRollups({ period: 'hour', level: 'service', from: range.from, to: range.to, ...service }),
    context.windowSessions.countSessions({ from: range.from, to: usersEnd, ...service }),
    // Users are counted over spans of equal length, so the hour in progress is no handicap.
    context.windowSessions.countSessions({ from: new Date(range.from.getTime() - usersMs), to: range.from, ...service }),
    reader.findAgentDays({ ...agentDays, ...service }),
    reader.findModelDays({ ...agentDays, ...service }),
    reader.findModelDays({ ...previousDays, ...service }),
  ]);
  const totals = sumTotals(current);
  const performance = performanceOf(totals);
  const previousPerformance = performanceOf(sumTotals(before));
  const modelUse = agentModelStats(modelDays);
  const previousModelUse = agentModelStats(previousModelDays);
  // The current days run up to now, the previous ones are whole: costs are compared per hour of data.
  const costDurations = { current: range.end.getTime() - dayStart(agentDays.fromDate).getTime(), previous: dayCount * DAY_MS };
  const growthOfCost = (cur: CostSide['usage'], prev: CostSide['usage']) =>
    costGrowthOf({ usage: cur, durationMs: costDurations.current }, { usage: prev, durationMs: costDurations.previous });
  const agents = agentStats(days).map((agent) => {
    const use = modelUse.get(agentKey(agent));
    const before = previousModelUse.get(agentKey(agent));
    return {
      ...agent, modelCalls: use?.calls ?? 0, cost: use?.cost ?? null, models: use?.models ?? [],
      previousCost: before?.cost ?? null, costGrowth: growthOfCost(use ?? null, before ?? null),
    };
  });
  const [total] = sumModelDays(modelDays, () => '', () => ({}));
  const [previousTotal] = sumModelDays(previousModelDays, () => '', () => ({}));
  const modelUsage = total === undefined ? null : usageOf(total.figures);
  const previousModelUsage = previousTotal === undefined ? null : usageOf(previousTotal.figures);
  return {
    window: windowOf(q, coveredMs),
    service: serviceName ?? null,
    timeZone: q.timeZone,
    ...performance,
    activeUsers: users.sessions,
    uniqueUsers: users.users,
    inputTokens: totals.inputTokens,
    outputTokens: totals.outputTokens,
    percentileRelativeError: RELATIVE_ERROR,
    growth: {
      ...growthOf(
        { performance, users: users.sessions, durationMs: coveredMs },
        { performance: previousPerformance, users: previousUsers.sessions, durationMs: previous.end.getTime() - previous.from.getTime() },
      ),
      cost: growthOfCost(modelUsage, previousModelUsage),
    },
    previous: { ...previousPerformance, activeUsers: previousUsers.sessions, cost: previousModelUsage?.cost ?? null },
    agentDays,
    previousAgentDays: previousDays,
    agents,
    trackedAgents: agents.length,
    currency: context.currency,
    modelUsage,
    models: modelStats(modelDays),
    /** Every agent model calls were credited to, `(unattributed)` included. */
    agentModels: [...modelUse.values()].sort((a, b) => b.calls - a.calls || a.serviceName.localeCompare(b.serviceName) || a.agentName.localeCompare(b.agentName)),
    dailyCost: dailyCost(modelDays, agentDays.fromDate, agentDays.toDate),
    hourlyDistribution: hourlyDistribution(hourly, q.timeZone),
    dailyTrend: dailyTrend(current, range.from, range.end),
    /** Every service the store knows, for pickers. */
    services: services.map((s) => s.serviceName),
    usingRealData: services.some((s) => s.spanCount > 0),
  };
}

/** Model calls and cost of every UTC day from `fromDate` to `toDate` (0 and null on days without calls). */
function dailyCost(days: readonly ModelDay[], fromDate: string, toDate: string) {
  const byDate = new Map(sumModelDays(days, (d) => d.date, (d) => ({ date: d.date })).map((day) => [day.date, day.figures]));
  const out: Array<{ date: string; calls: number; cost: number | null }> = [];
  for (let ms = Date.parse(`${fromDate}T00:00:00Z`); ms <= Date.parse(`${toDate}T00:00:00Z`); ms += DAY_MS) {
    const date = dayKey(new Date(ms));
    const figures = byDate.get(date);
    out.push({ date, calls: figures?.callCount ?? 0, cost: figures === undefined ? null : costOf(figures) });
  }
  return out;
}

function windowOf(q: RangeQuery, coveredMs: number) {
  return {
    name: q.window,
    from: q.range.from,
    to: q.range.end,
    hours: coveredMs / 3_600_000,
    previousFrom: q.previous.from,
    previousTo: q.previous.to,
  };
}
