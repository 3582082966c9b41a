/**
 * What a MongoDB failure means (storeErrors.ts has the one error model): a record the server
 * refuses to store (too large, a bad value or field name) is that record's data, rejected
 * alone; transient failures (network, failover, server selection timeout, cleared pool) are
 * retried here a bounded number of times; whatever is left, known or not, is retryable.
 */
import { MongoError } from 'mongodb';
import { PipelineError } from '../../errors.js';
import { storeUnavailable } from '../storeErrors.js';

/** Server codes of failovers, shutdowns and network trouble (the driver's retryable set and more). */
const TRANSIENT_CODES = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  89, // NetworkTimeout
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
  64, // WriteConcernFailed
  50, // MaxTimeMSExpired
]);

/** The record itself cannot be stored: retrying it cannot help. */
const RECORD_DATA_CODES = new Set([
  10334, // BSONObjectTooLarge
  17419, // document too large after update
  17420,
  2, // BadValue
  14, // TypeMismatch
  52, // DollarPrefixedFieldName
  57, // DottedFieldName
]);

const TRANSIENT_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoPoolClearedError',
  'MongoWaitQueueTimeoutError',
  'MongoServerClosedError',
  'MongoTopologyClosedError',
  'MongoNotConnectedError',
  'MongoOperationTimeoutError',
  'MongoStalePrimaryError',
]);

export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof PipelineError) return error.kind === 'retryable';
  if (TRANSIENT_NAMES.has(error.name)) return true;
  if (error instanceof MongoError) {
    if (error.hasErrorLabel('RetryableWriteError') || error.hasErrorLabel('ResetPool')) return true;
    if (typeof error.code === 'number' && TRANSIENT_CODES.has(error.code)) return true;
  }
  // A bulk write that failed as a whole wraps the network error that stopped it.
  const wrapped = (error as { errorResponse?: unknown }).errorResponse;
  if (wrapped instanceof Error && wrapped !== error && isTransient(wrapped)) return true;
  // Bulk write errors carry the first failure of the batch.
  const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
  if (Array.isArray(writeErrors) && writeErrors.length > 0) {
    const code = (writeErrors[0] as { code?: unknown }).code;
    return typeof code === 'number' && TRANSIENT_CODES.has(code);
  }
  return false;
}

/** A write error code (of one document in a bulk write) that is the document's own data. */
export function isRecordDataCode(code: unknown): boolean {
  return typeof code === 'number' && RECORD_DATA_CODES.has(code);
}

/** The retryable error of any failure (see the header). */
export function toPipelineError(error: unknown, operation: string): PipelineError {
  return storeUnavailable('mongodb', operation, error);
}

export const DUPLICATE_KEY = 11000;

export interface RetryOptions {
  /** Most extra attempts after the first. */
  retries: number;
  /** No new attempt starts after this many milliseconds since the first one. */
  budgetMs: number;
  /** Called before each retry (e.g. to log); optional. */
  onRetry?: (error: unknown, attempt: number) => void;
}

const BACKOFF_MS = [50, 200, 500, 1000];

/**
 * Runs `operation`, retrying transient failures with a small backoff while attempts and time
 * remain; rejects with the PipelineError of the last failure. `operation` must be safe to run
 * again after a failure at any point (every store write is, see MongoWriter).
 */
export async function withRetries<T>(operationName: string, options: RetryOptions, operation: () => Promise<T>): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      const delay = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)] ?? 1000;
      const canRetry = isTransient(error) && attempt < options.retries && Date.now() - started + delay < options.budgetMs;
      if (!canRetry) throw toPipelineError(error, operationName);
      options.onRetry?.(error, attempt + 1);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
