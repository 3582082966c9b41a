/**
 * Turns the query string of /api/status/analytics and /api/status/api-status into the hours
 * to read. Rollups exist per whole UTC hour, so a range is snapped outwards to hours:
 * `window=24h` at 10:20 reads from 10:00 yesterday up to now (the hour in progress
 * included). The previous window, for growth, is the same number of whole hours just before.
 * Every bad parameter is a 400 that says what is allowed.
 */
import { HttpError } from '../HttpError.js';
import { ceilHour, DAY_MS, floorHour, HOUR_MS } from '../../collector/time/utcTime.js';
import { parseTimeZone } from './parseTimeZone.js';

export const WINDOWS = { '1h': HOUR_MS, '24h': DAY_MS, '7d': 7 * DAY_MS, '30d': 30 * DAY_MS, '90d': 90 * DAY_MS } as const;
export type WindowName = keyof typeof WINDOWS;
export const DEFAULT_WINDOW: WindowName = '24h';

export interface TimeRange {
  /** Start of the first hour read, inclusive. */
  from: Date;
  /** End of the last hour read, exclusive; a whole hour, possibly after now. */
  to: Date;
  /** Where the data ends: the earlier of `to` and now. */
  end: Date;
}

export interface RangeQuery {
  /** The named window, or null for an explicit from/to. */
  window: WindowName | null;
  range: TimeRange;
  /** The same number of whole hours just before `range`. */
  previous: TimeRange;
  /** Only this service; undefined for all. */
  serviceName: string | undefined;
  /** IANA time zone for the hour-of-day distribution. */
  timeZone: string;
}

export interface RangeQueryContext {
  now: Date;
  /** How far back rollups are kept (the hourly retention), milliseconds. */
  retentionMs: number;
  /** Names of the services the store knows. */
  services: readonly string[];
  /** Query parameters this endpoint accepts. */
  allowedParameters: readonly string[];
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

export function parseRangeQuery(query: Record<string, unknown>, context: RangeQueryContext): RangeQuery {
  const params = readParameters(query, context.allowedParameters);
  const { now } = context;
  if (params.window !== undefined && (params.from !== undefined || params.to !== undefined)) {
    throw HttpError.badRequest('give either window or from/to, not both');
  }
  let window: WindowName | null = null;
  let from: Date;
  let to: Date;
  if (params.from !== undefined || params.to !== undefined) {
    if (params.from === undefined) throw HttpError.badRequest('to needs a from (ISO 8601, e.g. 2025-01-31T00:00:00Z)');
    from = parseInstant('from', params.from);
    to = params.to === undefined ? now : parseInstant('to', params.to);
    if (from.getTime() >= to.getTime()) {
      throw HttpError.badRequest(`from (${from.toISOString()}) must be before to (${to.toISOString()})`);
    }
    if (from.getTime() >= now.getTime()) throw HttpError.badRequest(`from (${from.toISOString()}) is in the future`);
  } else {
    window = parseWindow(params.window ?? DEFAULT_WINDOW);
    from = new Date(now.getTime() - WINDOWS[window]);
    to = now;
  }
  const oldest = new Date(now.getTime() - context.retentionMs);
  if (from.getTime() < oldest.getTime()) {
    throw HttpError.badRequest(`from (${from.toISOString()}) is beyond the retention: data is kept from ${oldest.toISOString()}`,
      { oldestFrom: oldest.toISOString() });
  }
  // A far-future end (to=9999-12-31) would push the comparison window back by millennia and
  // make the API read day by day through all of it. A range may reach into the future (a
  // calendar-month view) but not span more than the data kept.
  if (to.getTime() - from.getTime() > context.retentionMs) {
    throw HttpError.badRequest(
      `from..to spans ${describeDays(to.getTime() - from.getTime())}, more than the ${describeDays(context.retentionMs)} of data kept`,
    );
  }
  const range = timeRange(floorHour(from), ceilHour(to), now);
  const length = range.to.getTime() - range.from.getTime();
  const previous = timeRange(new Date(range.from.getTime() - length), range.from, now);
  return {
    window,
    range,
    previous,
    serviceName: parseService(params.service, context.services),
    timeZone: params.tz === undefined ? 'UTC' : parseTimeZone(params.tz),
  };
}

/** The query's parameters as single strings; a 400 for one not in `allowed` or given twice. */
export function readParameters(query: Record<string, unknown>, allowed: readonly string[]): Record<string, string | undefined> {
  const params: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(query)) {
    if (!allowed.includes(name)) {
      throw HttpError.badRequest(`unknown parameter ${JSON.stringify(name)}; allowed: ${allowed.join(', ')}`, { parameters: allowed });
    }
    if (typeof value !== 'string') throw HttpError.badRequest(`parameter ${name} must be given once, as a plain value`);
    params[name] = value;
  }
  return params;
}

function parseWindow(value: string): WindowName {
  if (Object.hasOwn(WINDOWS, value)) return value as WindowName;
  const names = Object.keys(WINDOWS);
  throw HttpError.badRequest(`unknown window ${JSON.stringify(value)}; allowed: ${names.join(', ')}`, { window: names });
}

function parseInstant(name: string, value: string): Date {
  // Without a zone, JavaScript would read a date-time as local time; the API speaks UTC.
  const zoned = /T.*(Z|[+-]\d{2}:?\d{2})$/.test(value) || !value.includes('T') ? value : `${value}Z`;
  const date = new Date(zoned);
  if (!ISO_8601.test(value) || Number.isNaN(date.getTime()) || !isCalendarDate(value)) {
    throw HttpError.badRequest(`${name} must be an ISO 8601 date or date-time such as 2025-01-31 or 2025-01-31T13:00:00Z, got ${JSON.stringify(value)}`);
  }
  return date;
}

function describeDays(ms: number): string {
  return `${Math.round((ms / 86_400_000) * 10) / 10} days`;
}

/** JavaScript rolls 2026-02-30 over to March 2nd; the API refuses it. */
function isCalendarDate(value: string): boolean {
  const [year, month, day] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** A service filter: undefined for none (absent or empty), a 400 for a service the store does not know. */
export function parseService(value: string | undefined, services: readonly string[]): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (services.includes(value)) return value;
  throw HttpError.badRequest(`unknown service ${JSON.stringify(value)}; known services: ${services.length === 0 ? '(none yet)' : services.join(', ')}`,
    { service: services });
}

function timeRange(from: Date, to: Date, now: Date): TimeRange {
  return { from, to, end: new Date(Math.min(to.getTime(), now.getTime())) };
}
