/**
 * The one error type of the status API: a message for the client and the HTTP status it
 * maps to. Handlers throw it; api/errorResponder.ts is the one place that turns it (and any
 * other error) into a JSON response.
 */
export class HttpError extends Error {
  readonly status: number;
  /** What the client may send instead (allowed values, limits); included in the JSON body. */
  readonly allowed: unknown;

  constructor(status: number, message: string, allowed?: unknown, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'HttpError';
    this.status = status;
    this.allowed = allowed;
  }

  static badRequest(message: string, allowed?: unknown): HttpError {
    return new HttpError(400, message, allowed);
  }
}
