/**
 * GET /api/status/api-status: every endpoint (service + method + route) with its state and
 * figures for the chosen window, availability over the last 24 h / 7 / 30 / 90 days, the
 * 90 daily availability values behind the bars, and the split by agent. The endpoint list is
 * paged (`limit`, `offset`); the summary counts every endpoint.
 */
import { RELATIVE_ERROR } from '../../collector/mapping/latencyHistogram.js';
import type { ApiContext } from '../ApiContext.js';
import { loadRollups } from '../query/loadRollups.js';
import { parsePage } from '../query/parsePage.js';
import { parseRangeQuery } from '../query/parseRangeQuery.js';
import { lastDays } from '../stats/availability.js';
import { endpointStatuses } from '../stats/endpointStatuses.js';
import type { HealthState } from '../stats/healthState.js';
import { ceilHour, DAY_MS, dayStart, floorHour } from '../../collector/time/utcTime.js';

const PARAMETERS = ['window', 'from', 'to', 'service', 'limit', 'offset'] as const;
const BAR_DAYS = 90;

export async function apiStatus(context: ApiContext, query: Record<string, unknown>) {
  const { reader } = context;
  const now = context.now();
  const services = await reader.listServices();
  const q = parseRangeQuery(query, {
    now,
    retentionMs: context.retention.hourlyMetricsMs,
    services: services.map((s) => s.serviceName),
    allowedParameters: PARAMETERS,
  });
  const page = parsePage(query);
  const service = q.serviceName === undefined ? {} : { serviceName: q.serviceName };
  const days = lastDays(now, BAR_DAYS);
  const last24h = { from: floorHour(new Date(now.getTime() - DAY_MS)), to: ceilHour(now) };
  const sameAsWindow = q.range.from.getTime() === last24h.from.getTime() && q.range.to.getTime() === last24h.to.getTime();
  const [window, hourly, daily] = await Promise.all([
    loadRollups(reader, { range: q.range, level: 'endpoint', serviceName: q.serviceName }),
    sameAsWindow ? null : reader.findRollups({ period: 'hour', level: 'endpoint', ...last24h, ...service }),
    reader.findRollups({
      period: 'day', level: 'endpoint', from: dayStart(days[0]!), to: new Date(dayStart(days.at(-1)!).getTime() + DAY_MS), ...service,
    }),
  ]);
  const endpoints = endpointStatuses({ window, last24h: hourly ?? window, daily, days }, context.thresholds);
  const count = (state: HealthState) => endpoints.filter((e) => e.state === state).length;
  return {
    window: { name: q.window, from: q.range.from, to: q.range.end },
    service: q.serviceName ?? null,
    thresholds: context.thresholds,
    percentileRelativeError: RELATIVE_ERROR,
    /** The days of every endpoint's dailyAvailability and dailyRequests, oldest first (UTC). */
    days,
    summary: {
      endpoints: endpoints.length,
      operational: count('operational'),
      degraded: count('degraded'),
      down: count('down'),
      noData: count('no_data'),
    },
    /** Where `endpoints` starts in the whole list, how many it may hold, and how many there are. */
    page: { ...page, total: endpoints.length },
    endpoints: endpoints.slice(page.offset, page.offset + page.limit),
    /** Every service the store knows, for pickers. */
    services: services.map((s) => s.serviceName),
    usingRealData: services.some((s) => s.spanCount > 0),
  };
}
