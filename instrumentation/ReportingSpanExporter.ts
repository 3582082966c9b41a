/**
 * Wraps the OTLP exporter to tell the operator, once, that spans are not reaching the
 * collector (and once more when they do again). Without it the SDK stays silent unless
 * OTEL_LOG_LEVEL is set, and a new user would wonder why the status pages stay empty.
 */
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { warn } from './warn.js';

export class ReportingSpanExporter implements SpanExporter {
  private failing = false;

  constructor(
    private readonly inner: SpanExporter,
    /** Where the spans go, for the message; e.g. the OTLP endpoint. */
    private readonly destination: string,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code !== ExportResultCode.SUCCESS && !this.failing) {
        this.failing = true;
        warn(`cannot export spans to ${this.destination} (${describe(result.error)}); the app is unaffected, spans are dropped until it is reachable`);
      } else if (result.code === ExportResultCode.SUCCESS && this.failing) {
        this.failing = false;
        warn(`exporting spans to ${this.destination} again`);
      }
      resultCallback(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

function describe(error: Error | undefined): string {
  if (error === undefined) return 'export failed';
  const code = (error as { code?: unknown }).code;
  // Network errors carry a string code (ECONNREFUSED); the OTLP exporter's HTTP errors the status.
  if (typeof code === 'string') return `${code}: ${error.message}`;
  if (typeof code === 'number') return `HTTP ${code}: ${error.message}`;
  return error.message || error.name;
}
