/**
 * The one interface pipeline stages meet through: "consume these spans".
 * The receiver calls it once per OTLP request and answers the client from its result.
 */
import type { Span } from '../pdata/Span.js';

export interface ConsumeResult {
  /** Spans that could not be used (bad ids, absurd times, ...); 0 when all were accepted. */
  rejectedSpans: number;
  /** Why spans were rejected (first few reasons, joined); empty when none were. */
  errorMessage: string;
}

export interface TracesConsumer {
  /**
   * Resolves once every accepted span is durably stored. Rejects with a PipelineError:
   * `retryable` (the client should retry after `retryAfterSeconds`) or `permanent`.
   */
  consumeTraces(spans: readonly Span[]): Promise<ConsumeResult>;
}
