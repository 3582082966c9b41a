/**
 * The SDK's SpanExporter contract over any batch type: the stock exporters take
 * `ReadableSpan[]`, the protobuf path takes spans already encoded (otlp/SpanBatch). The
 * wrappers (reporting, abandoning at shutdown) only pass batches through, so they take both.
 */
import type { ExportResult } from '@opentelemetry/core';

export interface BatchExporter<Batch> {
  /** Sends `batch`; calls `resultCallback` exactly once, success or failure. */
  export(batch: Batch, resultCallback: (result: ExportResult) => void): void;
  /** Waits for exports in flight, then releases the exporter's resources. */
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}
