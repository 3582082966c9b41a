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
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly inner: SpanExporter) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    let answered = false;
    const answer = (result: ExportResult): void => {
      if (answered) return;
      answered = true;
      this.pending.delete(answer);
      // Before the callback: the batch processor may start its next export from inside it, and
      // under steady traffic a flush must not wait for that one too.
      if (this.pending.size === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const resolve of waiters) resolve();
      }
      resultCallback(result);
    };
    this.pending.add(answer);
    try {
      this.inner.export(spans, answer);
    } catch (error) {
      answer({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) });
    }
  }

  /**
   * Resolves once no export is in flight (at once when none is). The batch processor's
   * forceFlush does not wait for an export it started before, and that export's connection
   * may be what keeps a stopping app alive.
   */
  whenIdle(): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
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
