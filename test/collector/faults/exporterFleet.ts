/**
 * Apps exporting at a steady pace, in this process: each is the stock OTLP/HTTP protobuf
 * exporter (@opentelemetry/exporter-trace-otlp-proto, default timeout and retries) exporting
 * batches of SDK-made SERVER spans one at a time, as an app's BatchSpanProcessor does. What
 * every export resolved with is kept: the spans of a batch exported with success were
 * answered 200 by the collector; a batch whose retries ran out was given up, as an app gives
 * it up, and may or may not have been stored.
 */
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { makeSpans, serverSpan } from '../../support/otelSpans.js';

export interface FleetOptions {
  apps: number;
  spansPerBatch: number;
  /** Pause between one app's exports, ms. */
  pauseMs: number;
  service: string;
}

/** `traceId:spanId`, as the store's requests carry them. */
export const spanKey = (span: { traceId: string; spanId: string }): string => `${span.traceId}:${span.spanId}`;

export class ExporterFleet {
  /** Keys of every span exported. */
  readonly sent = new Set<string>();
  /** Keys of the spans whose export succeeded (answered 200). */
  readonly acknowledged = new Set<string>();
  /** Exports that failed after their retries. */
  failedExports = 0;
  private running: Promise<void>[] = [];
  private stopping = false;
  private batches = 0;

  constructor(private readonly url: string, private readonly options: FleetOptions) {}

  start(): void {
    this.running = Array.from({ length: this.options.apps }, (_, app) => this.runApp(app));
  }

  /** Stops making batches and waits for the exports under way (with their retries). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.running);
  }

  private async runApp(app: number): Promise<void> {
    const exporter = new OTLPTraceExporter({ url: `${this.url}/v1/traces` });
    try {
      while (!this.stopping) {
        const spans = this.batch(app);
        for (const span of spans) this.sent.add(spanKey(span.spanContext()));
        const code = await new Promise<ExportResultCode>((resolve) => exporter.export(spans, (result) => resolve(result.code)));
        if (code === ExportResultCode.SUCCESS) for (const span of spans) this.acknowledged.add(spanKey(span.spanContext()));
        else this.failedExports += 1;
        await new Promise((resolve) => setTimeout(resolve, this.options.pauseMs));
      }
    } finally {
      await exporter.shutdown();
    }
  }

  private batch(app: number): ReadableSpan[] {
    const n = this.batches++;
    const end = Date.now();
    return makeSpans(Array.from({ length: this.options.spansPerBatch }, (_, i) => serverSpan({
      service: this.options.service, route: `/api/route${i % 5}/:id`, status: (n + i) % 17 === 0 ? 500 : (n + i) % 13 === 0 ? 404 : 200,
      startMs: end - 50 + (i % 50), durationMs: 1 + ((n + i) % 29), sessionId: `s${(app + i) % 10}`, agent: i % 3 === 0 ? 'support' : undefined,
    })));
  }
}
