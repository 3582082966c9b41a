/**
 * The one error model of every store (README "Storage"): a record the store can never write
 * is *rejected* (WriteResult.rejected: a partial success for its request, nothing else of the
 * batch fails); every other failure (disk full, I/O error, busy or locked, corrupt page,
 * network, server selection, shutdown, unknown) is *retryable*: 503 with Retry-After, so an
 * exporter retries (or, with the spool, the collector keeps the spans itself). Retrying
 * costs a little when the failure was not transient after all; a 4xx for a transient failure
 * would make every exporter drop its spans for good.
 *
 * Backends decide only which of their failures are a record's data (isRecordDataError in
 * sqliteErrors.ts / mongoErrors.ts); everything else comes through `storeUnavailable`.
 */
import { PipelineError } from '../errors.js';

/** Seconds a client is told to wait after a store failure. */
export const STORE_RETRY_AFTER_SECONDS = 2;

/** The retryable error for any failure of `backend` doing `action`; a PipelineError passes through. */
export function storeUnavailable(backend: string, action: string, error: unknown): PipelineError {
  if (error instanceof PipelineError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  const detail = `${backend} store ${action} failed${typeof code === 'string' || typeof code === 'number' ? ` (${code})` : ''}: ${message}`;
  return PipelineError.unavailable(detail, STORE_RETRY_AFTER_SECONDS, error);
}

/** The reason a rejected record gives in partial_success. */
export function rejectionReason(backend: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `the ${backend} store refuses the record: ${message}`;
}
