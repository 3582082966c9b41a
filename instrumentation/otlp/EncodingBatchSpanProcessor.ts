/**
 * The SDK's BatchSpanProcessor, except that a span is encoded as OTLP protobuf the moment it
 * ends and only its bytes wait for the export (see SpanBatch).
 *
 * Why: the stock processor keeps every ended span object alive until its batch is sent and
 * then serializes up to 512 of them in one synchronous burst. Under load that is the
 * host's largest avoidable cost per request: the retained objects are copied and promoted by
 * the young-generation GC, and the burst (milliseconds) lands on whichever requests are
 * waiting, showing up in p99. Encoding at the end costs the same per span, spread evenly.
 *
 * The batcher's manners are kept: bounded queue (drops beyond it, logged once), a full batch
 * is sent at once and a partial one after the schedule delay, one scheduled export at a
 * time with a timeout, timers unref'd, tracing suppressed while exporting, flush and
 * shutdown send everything still queued. Settings come from the same OTEL_BSP_* variables.
 */
import { context, diag, TraceFlags } from '@opentelemetry/api';
import { ExportResultCode, getNumberFromEnv, globalErrorHandler, suppressTracing } from '@opentelemetry/core';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { BatchExporter } from '../BatchExporter.js';
import { SpanBatch } from './SpanBatch.js';

export interface BatchOptions {
  /** Most spans waiting to be sent; later ones are dropped. Default 2048 (`OTEL_BSP_MAX_QUEUE_SIZE`). */
  maxQueueSize: number;
  /** Most spans in one export; a full batch goes at once. Default 512 (`OTEL_BSP_MAX_EXPORT_BATCH_SIZE`). */
  maxExportBatchSize: number;
  /** Longest a span waits for its batch to fill, ms. Default 5000 (`OTEL_BSP_SCHEDULE_DELAY`). */
  scheduledDelayMillis: number;
  /** Longest wait for one export before the next may start, ms. Default 30000 (`OTEL_BSP_EXPORT_TIMEOUT`). */
  exportTimeoutMillis: number;
}

/** The OTEL_BSP_* settings as the SDK's BatchSpanProcessor reads them. */
export function batchOptionsFromEnv(): BatchOptions {
  return {
    maxQueueSize: getNumberFromEnv('OTEL_BSP_MAX_QUEUE_SIZE') ?? 2048,
    maxExportBatchSize: getNumberFromEnv('OTEL_BSP_MAX_EXPORT_BATCH_SIZE') ?? 512,
    scheduledDelayMillis: getNumberFromEnv('OTEL_BSP_SCHEDULE_DELAY') ?? 5000,
    exportTimeoutMillis: getNumberFromEnv('OTEL_BSP_EXPORT_TIMEOUT') ?? 30000,
  };
}

const MIN_CAPACITY = 16 * 1024;

export class EncodingBatchSpanProcessor implements SpanProcessor {
  private readonly options: BatchOptions;
  private current = new SpanBatch(MIN_CAPACITY);
  /** Full batches waiting for the export in flight. */
  private readonly full: SpanBatch[] = [];
  /** Spans in `current` and `full`. */
  private queued = 0;
  private dropped = 0;
  private exporting = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private shutdownOnce: Promise<void> | undefined;

  constructor(
    private readonly exporter: BatchExporter<SpanBatch>,
    options: BatchOptions = batchOptionsFromEnv(),
  ) {
    const maxExportBatchSize = Math.max(1, options.maxExportBatchSize);
    if (maxExportBatchSize > options.maxQueueSize) diag.warn('maxExportBatchSize must be smaller or equal to maxQueueSize, setting maxExportBatchSize to match maxQueueSize');
    this.options = { ...options, maxExportBatchSize: Math.min(maxExportBatchSize, Math.max(1, options.maxQueueSize)) };
  }

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    if (this.shutdownOnce !== undefined || (span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.queued >= this.options.maxQueueSize) {
      if (this.dropped++ === 0) diag.debug('maxQueueSize reached, dropping spans');
      return;
    }
    if (this.dropped > 0) {
      diag.warn(`Dropped ${this.dropped} spans because maxQueueSize reached`);
      this.dropped = 0;
    }
    try {
      this.current.add(span);
    } catch (error) {
      // Called from span.end() in the host's code: a span we cannot read is dropped, never thrown.
      globalErrorHandler(asException(error));
      return;
    }
    this.queued++;
    if (this.current.count >= this.options.maxExportBatchSize) this.seal();
    this.schedule();
  }

  forceFlush(): Promise<void> {
    return this.shutdownOnce ?? this.flushAll();
  }

  shutdown(): Promise<void> {
    this.shutdownOnce ??= this.flushAll().then(() => this.exporter.shutdown());
    return this.shutdownOnce;
  }

  private seal(): void {
    const sealed = this.current;
    this.full.push(sealed);
    this.current = new SpanBatch(Math.max(MIN_CAPACITY, sealed.largestGroupBytes()));
  }

  /** Starts the next export, or the timer that will, unless an export is running. */
  private schedule(): void {
    if (this.exporting) return;
    const next = this.full.shift();
    if (next !== undefined) {
      this.exporting = true;
      this.clearTimer();
      this.queued -= next.count;
      void this.send(next).then(() => {
        this.exporting = false;
        this.schedule();
      });
      return;
    }
    if (this.current.count === 0 || this.timer !== undefined || this.shutdownOnce !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.exporting || this.current.count === 0) return;
      this.seal();
      this.schedule();
    }, this.options.scheduledDelayMillis);
    this.timer.unref();
  }

  private flushAll(): Promise<void> {
    this.clearTimer();
    if (this.current.count > 0) this.seal();
    const batches = this.full.splice(0);
    for (const batch of batches) this.queued -= batch.count;
    const waiting = [...this.inFlight];
    return Promise.all([...waiting, ...batches.map((batch) => this.send(batch))]).then(() => undefined);
  }

  /** Exports one batch; settles (never rejects) when the exporter answers or the timeout passes. */
  private send(batch: SpanBatch): Promise<void> {
    const sent = new Promise<void>((resolve) => {
      let settled = false;
      const settle = (error?: unknown): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timeout);
        if (error !== undefined) globalErrorHandler(asException(error));
        resolve();
      };
      const timeout = setTimeout(() => settle(new Error('Timeout')), this.options.exportTimeoutMillis);
      timeout.unref();
      // The exporter's own HTTP request must not be traced as a request of the app.
      const exportNow = (): void =>
        context.with(suppressTracing(context.active()), () => {
          try {
            this.exporter.export(batch, (result) => settle(result.code === ExportResultCode.SUCCESS ? undefined : (result.error ?? new Error('span export failed'))));
          } catch (error) {
            settle(error);
          }
        });
      const pending = batch.pendingResources();
      if (pending.length === 0) exportNow();
      else Promise.all(pending).then(exportNow, settle);
    });
    this.inFlight.add(sent);
    void sent.then(() => this.inFlight.delete(sent));
    return sent;
  }

  private clearTimer(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

function asException(error: unknown): Error | string {
  return error instanceof Error ? error : String(error);
}
