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
import { dailyTrend } from '../stats/dailyTrend.js';
import { growthOf } from '../stats/growth.js';
import { hourlyDistribution } from '../stats/hourlyDistribution.js';
import { performanceOf, sumTotals } from '../stats/Totals.js';
import { ceilMinute } from '../query/SessionCountCache.js';
import { dayKey } from '../../collector/time/utcTime.js';

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
  const [current, before, hourly, users, previousUsers, days] = await Promise.all([
    loadRollups(reader, { range, level: 'service', serviceName }),
    loadRollups(reader, { range: previous, level: 'service', serviceName }),
    reader.findRollups({ period: 'hour', level: 'service', from: range.from, to: range.to, ...service }),
    context.windowSessions.countSessions({ from: range.from, to: usersEnd, ...service }),
    // Users are counted over spans of equal length, so the hour in progress is no handicap.
    context.windowSessions.countSessions({ from: new Date(range.from.getTime() - usersMs), to: range.from, ...service }),
    reader.findAgentDays({ ...agentDays, ...service }),
  ]);
  const totals = sumTotals(current);
  const performance = performanceOf(totals);
  const previousPerformance = performanceOf(sumTotals(before));
  const agents = agentStats(days);
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
    growth: growthOf(
      { performance, users: users.sessions, durationMs: coveredMs },
      { performance: previousPerformance, users: previousUsers.sessions, durationMs: previous.end.getTime() - previous.from.getTime() },
    ),
    previous: { ...previousPerformance, activeUsers: previousUsers.sessions },
    agentDays,
    agents,
    trackedAgents: agents.length,
    hourlyDistribution: hourlyDistribution(hourly, q.timeZone),
    dailyTrend: dailyTrend(current, range.from, range.end),
    /** Every service the store knows, for pickers. */
    services: services.map((s) => s.serviceName),
    usingRealData: services.some((s) => s.spanCount > 0),
  };
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
