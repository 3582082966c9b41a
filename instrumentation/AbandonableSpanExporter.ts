/**
 * Lets the shutdown path stop waiting for exports that will not finish in time.
 *
 * While an export is in flight the batch span processor holds a timer (not unref'd, up to
 * OTEL_BSP_EXPORT_TIMEOUT, 30 s by default) that keeps the host process alive, so an app that
 * exits by itself after SIGTERM would hang behind a collector that never answers. When the
 * flush deadline passes, `abandonPending()` answers every export in flight as failed; the
 * processor then clears its timers. A late answer from the real exporter is ignored.
 */
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

export class AbandonableSpanExporter implements SpanExporter {
  private readonly pending = new Set<(result: ExportResult) => void>();

  constructor(private readonly inner: SpanExporter) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    let answered = false;
    const answer = (result: ExportResult): void => {
      if (answered) return;
      answered = true;
      this.pending.delete(answer);
      resultCallback(result);
    };
    this.pending.add(answer);
    try {
      this.inner.export(spans, answer);
    } catch (error) {
      answer({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) });
    }
  }

  /** Answers every export in flight as failed, now. */
  abandonPending(): void {
    for (const answer of [...this.pending]) answer({ code: ExportResultCode.FAILED, error: new Error('export abandoned at shutdown') });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}
