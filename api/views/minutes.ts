/**
 * GET /api/status/minutes: the last 60 UTC minutes, the minute in progress last, of the
 * platform (all services), one service, or one endpoint (`method` and/or `route`, optionally
 * of one `service`): requests, errors and p95 per minute from minute_metrics, for the live
 * charts of the pages. Minutes older than the minute retention are left out (a retention
 * shorter than an hour gives fewer minutes), never shown as quiet ones.
 */
import { RELATIVE_ERROR } from '../../collector/mapping/latencyHistogram.js';
import { STORED_METHOD } from '../../collector/mapping/mapSpan.js';
import { MINUTE_MS } from '../../collector/time/utcTime.js';
import type { ApiContext } from '../ApiContext.js';
import { HttpError } from '../HttpError.js';
import { parseService, readParameters } from '../query/parseRangeQuery.js';
import { minuteSeries } from '../stats/minuteSeries.js';

const PARAMETERS = ['service', 'method', 'route'] as const;
export const MINUTES_SHOWN = 60;

export async function minutes(context: ApiContext, query: Record<string, unknown>) {
  const params = readParameters(query, PARAMETERS);
  const method = params.method === undefined || params.method === '' ? undefined : params.method;
  const route = params.route === undefined || params.route === '' ? undefined : params.route;
  if (method !== undefined && !STORED_METHOD.test(method)) {
    throw HttpError.badRequest(`method must be an upper-case HTTP method such as GET or POST, got ${JSON.stringify(method)}`);
  }
  const { reader } = context;
  const now = context.now();
  const services = await reader.listServices();
  const serviceName = parseService(params.service, services.map((s) => s.serviceName));
  const to = Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  const kept = Math.ceil((now.getTime() - context.retention.minuteMetricsMs) / MINUTE_MS) * MINUTE_MS;
  const from = Math.min(to, Math.max(to - MINUTES_SHOWN * MINUTE_MS, kept));
  const byEndpoint = method !== undefined || route !== undefined;
  const rollups = await reader.findMinuteRollups({
    from: new Date(from), to: new Date(to), level: byEndpoint ? 'endpoint' : 'service', ...(serviceName === undefined ? {} : { serviceName }),
  });
  // The store reads a service's endpoint-level minutes; one endpoint of them is picked here.
  const matching = byEndpoint ? rollups.filter((r) => (method === undefined || r.method === method) && (route === undefined || r.endpoint === route)) : rollups;
  return {
    from: new Date(from),
    /** End of the minute in progress. */
    to: new Date(to),
    service: serviceName ?? null,
    method: method ?? null,
    route: route ?? null,
    minutes: minuteSeries(matching, new Date(from), (to - from) / MINUTE_MS),
    percentileRelativeError: RELATIVE_ERROR,
    usingRealData: services.some((s) => s.spanCount > 0),
  };
}
