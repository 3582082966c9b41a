/**
 * The parameters of a report (`/api/status/export` and `spanpulse export`, one definition):
 * `report` hourly | daily | weekly | sla (default daily), `format` csv | json | ndjson (default
 * csv; json for sla), `by` service | endpoint | agent (default service; not for sla), and the
 * range as the other views take it (`window`, `from`/`to`, `service`) or `month=YYYY-MM` (a
 * calendar month; the SLA report's natural range). Hourly reports read whole hours within the
 * hourly retention; the others whole UTC days within the daily one (a range is snapped
 * outwards). Every bad parameter is a 400 that says what is allowed.
 */
import type { Retention } from '../../collector/store/types.js';
import { ceilDay, floorDay } from '../../collector/time/utcTime.js';
import { HttpError } from '../HttpError.js';
import { parseRangeQuery } from '../query/parseRangeQuery.js';
import type { ReportGrouping, ReportPeriod } from './exportRows.js';
import type { ExportFormat } from './formats.js';

export type ReportKind = ReportPeriod | 'sla';

export interface ExportRequest {
  report: ReportKind;
  format: ExportFormat;
  by: ReportGrouping;
  from: Date;
  to: Date;
  /** "YYYY-MM" when the range was given as a month, else null. */
  month: string | null;
  serviceName: string | undefined;
}

const REPORTS: readonly ReportKind[] = ['hourly', 'daily', 'weekly', 'sla'];
const FORMATS: readonly ExportFormat[] = ['csv', 'json', 'ndjson'];
const GROUPINGS: readonly ReportGrouping[] = ['service', 'endpoint', 'agent'];
const RANGE_PARAMETERS = ['window', 'from', 'to', 'service'] as const;
export const EXPORT_PARAMETERS = ['report', 'format', 'by', 'month', ...RANGE_PARAMETERS] as const;

export function parseExportQuery(query: Record<string, unknown>, context: { now: Date; retention: Retention; services: readonly string[] }): ExportRequest {
  for (const name of Object.keys(query)) {
    if (!(EXPORT_PARAMETERS as readonly string[]).includes(name)) {
      throw HttpError.badRequest(`unknown parameter ${JSON.stringify(name)}; allowed: ${EXPORT_PARAMETERS.join(', ')}`, { parameters: EXPORT_PARAMETERS });
    }
  }
  const report = choice(query['report'], 'report', REPORTS, 'daily');
  const format = choice(query['format'], 'format', FORMATS, report === 'sla' ? 'json' : 'csv');
  if (report === 'sla' && query['by'] !== undefined) throw HttpError.badRequest('by does not apply to report=sla (it lists services and endpoints)');
  const by = choice(query['by'], 'by', GROUPINGS, 'service');
  const retentionMs = report === 'hourly' ? context.retention.hourlyMetricsMs : context.retention.dailyMetricsMs;
  const range = { ...Object.fromEntries(RANGE_PARAMETERS.filter((p) => query[p] !== undefined).map((p) => [p, query[p]])) };
  const month = query['month'];
  if (month !== undefined) {
    if (range['from'] !== undefined || range['to'] !== undefined || range['window'] !== undefined) {
      throw HttpError.badRequest('give month or window or from/to, not more than one');
    }
    if (typeof month !== 'string' || !/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw HttpError.badRequest(`month must be YYYY-MM, got ${JSON.stringify(month)}`);
    const [year, monthNumber] = month.split('-').map(Number) as [number, number];
    range['from'] = new Date(Date.UTC(year, monthNumber - 1, 1)).toISOString();
    range['to'] = new Date(Date.UTC(year, monthNumber, 1)).toISOString();
  }
  const parsed = parseRangeQuery(range, { now: context.now, retentionMs, services: context.services, allowedParameters: RANGE_PARAMETERS });
  const wholeDays = report !== 'hourly';
  return {
    report,
    format,
    by,
    from: wholeDays ? floorDay(parsed.range.from) : parsed.range.from,
    to: wholeDays ? ceilDay(parsed.range.to) : parsed.range.to,
    month: typeof month === 'string' ? month : null,
    serviceName: parsed.serviceName,
  };
}

function choice<T extends string>(value: unknown, name: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw HttpError.badRequest(`${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`, { [name]: allowed });
}

/** `spanpulse-daily-endpoint-2026-11-01--2026-12-01.csv` */
export function exportFileName(request: ExportRequest): string {
  const day = (date: Date) => date.toISOString().slice(0, request.report === 'hourly' ? 13 : 10);
  const what = request.report === 'sla' ? 'sla' : `${request.report}-${request.by}`;
  const service = request.serviceName === undefined ? '' : `-${request.serviceName.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 64)}`;
  return `spanpulse-${what}${service}-${day(request.from)}--${day(request.to)}.${request.format}`;
}
