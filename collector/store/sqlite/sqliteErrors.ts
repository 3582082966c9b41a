/**
 * Maps SQLite failures to the pipeline's error kinds. A busy/locked file, a full disk or an
 * I/O error is transient from the client's point of view (503: retry, or let the collector
 * spool); anything else (constraint, misuse, bad value) is a permanent error of the batch.
 */
import { PipelineError } from '../../errors.js';

const RETRYABLE = new Set([
  'SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_CANTOPEN', 'SQLITE_NOMEM',
  'SQLITE_READONLY', 'SQLITE_PROTOCOL', 'SQLITE_INTERRUPT',
]);

/** The primary result code (`SQLITE_IOERR_FSYNC` -> `SQLITE_IOERR`), or undefined for non-SQLite errors. */
function primaryCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return undefined;
  return code.split('_').slice(0, 2).join('_');
}

export function isRetryableSqliteError(error: unknown): boolean {
  const code = primaryCode(error);
  return code !== undefined && RETRYABLE.has(code);
}

/** `action` says what failed, e.g. "write", for the message. */
export function toPipelineError(error: unknown, action: string): PipelineError {
  if (error instanceof PipelineError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  const detail = `sqlite store ${action} failed${typeof code === 'string' ? ` (${code})` : ''}: ${message}`;
  if (isRetryableSqliteError(error)) return PipelineError.unavailable(detail, 2, error);
  return new PipelineError('permanent', 400, detail, undefined, error);
}
