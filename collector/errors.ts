/**
 * Errors that carry their kind, so every layer knows whether a client may retry.
 * Permanent: the input is wrong and retrying cannot help (HTTP 4xx, never retried).
 * Retryable: a transient condition (queue full, store down); the client should retry
 * after `retryAfterSeconds` (HTTP 429 or 503 with Retry-After). Never HTTP 500.
 */
export type ErrorKind = 'permanent' | 'retryable';

export class PipelineError extends Error {
  readonly kind: ErrorKind;
  /** HTTP status this error maps to at the edge. */
  readonly httpStatus: number;
  /** Seconds the client should wait before retrying; only for retryable errors. */
  readonly retryAfterSeconds: number | undefined;

  constructor(kind: ErrorKind, httpStatus: number, message: string, retryAfterSeconds?: number, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'PipelineError';
    this.kind = kind;
    this.httpStatus = httpStatus;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  static permanent(httpStatus: number, message: string): PipelineError {
    return new PipelineError('permanent', httpStatus, message);
  }

  /** 429: this collector cannot take more right now (queue bound reached). */
  static overloaded(message: string, retryAfterSeconds = 1): PipelineError {
    return new PipelineError('retryable', 429, message, retryAfterSeconds);
  }

  /** 503: a dependency (the store) is unavailable. */
  static unavailable(message: string, retryAfterSeconds = 2, cause?: unknown): PipelineError {
    return new PipelineError('retryable', 503, message, retryAfterSeconds, cause);
  }
}

export function isRetryable(error: unknown): boolean {
  return error instanceof PipelineError && error.kind === 'retryable';
}
