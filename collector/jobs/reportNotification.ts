/**
 * What a scheduled report POSTs to the alert webhooks (`extensions.reports.webhooks`, README
 * "Scheduled reports"): the period, the files written and one row per service (the report's
 * `by: service` rows, so a small body whatever the app's size), with a one-line `text` that
 * Slack- and Mattermost-style incoming webhooks show as it is.
 */
import type { ExportRow } from '../../api/export/exportRows.js';

export interface ReportFile {
  name: string;
  by: string;
  format: string;
  rows: number;
}

export interface ReportPayload {
  status: 'report';
  report: 'daily' | 'weekly';
  /** Inclusive start and exclusive end of the period, UTC. */
  from: string;
  to: string;
  /** The files of the period under the reports folder (those written by this run and any already there). */
  files: ReportFile[];
  services: Array<Pick<ExportRow, 'service' | 'requests' | 'errors' | 'clientErrors' | 'availability' | 'p95ResponseTime' | 'activeUsers'>>;
  text: string;
}

export function reportPayload(report: ReportPayload['report'], from: Date, to: Date, files: ReportFile[], rows: readonly ExportRow[]): ReportPayload {
  const services = rows.map(({ service, requests, errors, clientErrors, availability, p95ResponseTime, activeUsers }) =>
    ({ service, requests, errors, clientErrors, availability, p95ResponseTime, activeUsers }));
  const requests = services.reduce((sum, s) => sum + s.requests, 0);
  const errors = services.reduce((sum, s) => sum + s.errors, 0);
  const period = report === 'daily' ? from.toISOString().slice(0, 10) : `week of ${from.toISOString().slice(0, 10)}`;
  const figures = services.length === 0 ? 'no requests' : `${requests} requests, ${errors} errors, ${services.length} ${services.length === 1 ? 'service' : 'services'}`;
  return {
    status: 'report', report, from: from.toISOString(), to: to.toISOString(), files, services,
    text: `[REPORT] spanpulse ${report} report, ${period}: ${figures}`,
  };
}
