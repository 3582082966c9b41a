/**
 * Scheduled reports (`extensions.reports`): shortly after each UTC midnight the daily report of
 * the day before, and on Mondays the weekly report of the ISO week before, written under `dir`
 * as the export endpoint writes them (api/export/writeExport.ts), one file per grouping and
 * format, named as the endpoint names its downloads. `delay` after the period ends gives spans
 * that arrive late (exporter retries, a spool draining) time to count.
 *
 * Files are written atomically (whole or absent) and a report already on disk is never written
 * again, so a restart, or a start hours late, writes exactly the reports still missing: at start
 * the latest due period of each kind is caught up. A failed run (store unreachable) is retried
 * after `retryMs`. Time comes from an injectable Clock.
 *
 * With `webhooks`, a period whose files this run wrote is then POSTed to each of them
 * (reportNotification.ts, webhooks/postWebhook.ts), one after the other, awaited by the run:
 * at most once, since a report already on disk is neither written nor sent again (a crash
 * between writing and sending sends nothing). A failed delivery is logged, not retried later.
 */
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { exportFileName, type ExportRequest } from '../../api/export/exportQuery.js';
import { exportRows, weekStart, type ExportRow, type ReportGrouping } from '../../api/export/exportRows.js';
import type { ExportFormat } from '../../api/export/formats.js';
import { DEFAULT_SLO } from '../../api/export/slaReport.js';
import { writeExport } from '../../api/export/writeExport.js';
import { TEMP_SUFFIX, writeAtomically } from '../fs/writeAtomically.js';
import type { Component } from '../lifecycle/Component.js';
import { log } from '../log.js';
import type { StoreReader } from '../store/types.js';
import { systemClock, type Clock, type Timer } from '../time/Clock.js';
import { DAY_MS } from '../time/utcTime.js';
import { DEFAULT_BACKOFF_MS, DEFAULT_TIMEOUT_MS, loggedUrl, postWebhook, type Webhook } from '../webhooks/postWebhook.js';
import { reportPayload, type ReportFile } from './reportNotification.js';

export type ScheduledKind = 'daily' | 'weekly';

export interface ScheduledReportsOptions {
  /** The reports folder; default `${SPANPULSE_DATA_DIR}/reports` in the shipped config. */
  dir: string;
  /** Which reports run. Default both. */
  kinds: readonly ScheduledKind[];
  /** How long after a period ends its report is written, ms. Default 15 minutes. */
  delayMs: number;
  /** Default csv and json. */
  formats: readonly ExportFormat[];
  /** One file per grouping (and format). Default service and endpoint. */
  groupings: readonly ReportGrouping[];
  /** Wait before trying a failed run again, ms. Default 60 000. */
  retryMs?: number;
  /** Where a newly written report is POSTed (`extensions.reports.webhooks`: the alert webhooks). Default none. */
  webhooks?: readonly Webhook[];
  /** Retries of a delivery. Default 1 s, 2 s, 4 s, 8 s. */
  webhookBackoffMs?: readonly number[];
  /** One delivery attempt's limit, ms. Default 10 000. */
  webhookTimeoutMs?: number;
}

const PERIOD_MS: Record<ScheduledKind, number> = { daily: DAY_MS, weekly: 7 * DAY_MS };
const periodStartOf = (kind: ScheduledKind, ms: number) => (kind === 'daily' ? Math.floor(ms / DAY_MS) * DAY_MS : weekStart(ms));

export class ScheduledReports implements Component {
  readonly name = 'extension/reports';
  private timer: Timer | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private stopping = new AbortController();

  constructor(
    private readonly reader: Pick<StoreReader, 'findRollups'>,
    private readonly options: ScheduledReportsOptions,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Removes what a crash left half-written, then catches up with the reports due (in the background). */
  async start(): Promise<void> {
    if (this.timer !== null || this.running !== null) return;
    this.stopped = false;
    this.stopping = new AbortController();
    const leftovers = await readdir(this.options.dir).catch(() => [] as string[]);
    await Promise.all(leftovers.filter((name) => name.endsWith(TEMP_SUFFIX)).map((name) => rm(join(this.options.dir, name), { force: true })));
    this.run();
  }

  /** The period of each kind whose report is due at `now`: the last one that ended `delay` or more ago. */
  duePeriods(now: Date): Array<{ kind: ScheduledKind; from: Date; to: Date }> {
    const settled = now.getTime() - this.options.delayMs;
    return this.options.kinds.map((kind) => {
      const to = periodStartOf(kind, settled);
      return { kind, from: new Date(to - PERIOD_MS[kind]), to: new Date(to) };
    });
  }

  /** Resolves once no run is in progress (tests wait for a run the clock started). */
  async idle(): Promise<void> {
    while (this.running !== null) await this.running;
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    this.stopping.abort(new Error('the collector stopped'));
    this.timer?.cancel();
    this.timer = null;
    await this.idle();
  }

  private run(): void {
    this.timer = null;
    this.running = this.writeDue().then(
      () => this.schedule(this.nextDueMs()),
      (error: unknown) => {
        log.warn('scheduled reports failed; will try again', { error, retryMs: this.options.retryMs ?? 60_000 });
        this.schedule(this.options.retryMs ?? 60_000);
      },
    ).finally(() => (this.running = null));
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimer(() => this.run(), delayMs);
  }

  /** Until the next period of any kind ends plus the delay. */
  private nextDueMs(): number {
    const now = this.clock.now().getTime();
    const next = this.duePeriods(this.clock.now()).map(({ kind, to }) => to.getTime() + PERIOD_MS[kind] + this.options.delayMs);
    return Math.max(0, Math.min(...next) - now);
  }

  private async writeDue(): Promise<void> {
    for (const period of this.duePeriods(this.clock.now())) {
      const written: ReportFile[] = [];
      for (const by of this.options.groupings) {
        for (const format of this.options.formats) {
          if (this.stopped) return;
          const request: ExportRequest = { report: period.kind, format, by, from: period.from, to: period.to, month: null, serviceName: undefined };
          const name = exportFileName(request);
          const path = join(this.options.dir, name);
          if (existsSync(path)) continue;
          const rows = await writeAtomically(path, (out) => writeExport(out, this.reader, request, DEFAULT_SLO));
          log.info('scheduled report written', { file: path, rows });
          written.push({ name, by, format, rows });
        }
      }
      if (written.length > 0 && (this.options.webhooks ?? []).length > 0) await this.notify(period, written);
    }
  }

  private async notify(period: { kind: ScheduledKind; from: Date; to: Date }, files: ReportFile[]): Promise<void> {
    const services: ExportRow[] = [];
    for await (const row of exportRows(this.reader, { report: period.kind, by: 'service', from: period.from, to: period.to, serviceName: undefined })) services.push(row);
    const body = JSON.stringify(reportPayload(period.kind, period.from, period.to, files, services));
    for (const webhook of this.options.webhooks ?? []) {
      if (this.stopped) return;
      const progress = { deliveryId: randomUUID(), attempts: 0, lastStatus: null, lastError: null, at: this.clock.now() };
      const outcome = await postWebhook(webhook, body, 'report', progress, {
        backoffMs: this.options.webhookBackoffMs ?? DEFAULT_BACKOFF_MS,
        timeoutMs: this.options.webhookTimeoutMs ?? DEFAULT_TIMEOUT_MS,
        signal: this.stopping.signal,
        sleep: (ms) => this.sleep(ms),
        stopped: () => this.stopped,
      });
      const fields = { report: period.kind, from: period.from, url: loggedUrl(webhook.url), attempts: progress.attempts };
      if (outcome === 'sent') log.info('scheduled report posted', fields);
      else log.warn('scheduled report: webhook delivery failed', { ...fields, error: progress.lastError });
    }
  }

  /** A wait between delivery attempts that shutdown cuts short. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.stopping.signal;
      const timer = setTimeout(done, ms);
      timer.unref();
      signal.addEventListener('abort', done, { once: true });
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
    });
  }
}
