/**
 * The one place errors become responses: `{ "error": message }` with the status the error
 * carries (HttpError, or a PipelineError from the store: 503 with Retry-After while it is
 * unreachable). Anything else is a bug: 500 with a generic message, details in the log.
 */
import type { ErrorRequestHandler } from 'express';
import { PipelineError } from '../collector/errors.js';
import { log } from '../collector/log.js';
import { HttpError } from './HttpError.js';

export const errorResponder: ErrorRequestHandler = (error: unknown, req, res, _next) => {
  res.setHeader('Cache-Control', 'no-store');
  if (error instanceof HttpError) {
    res.status(error.status).json(error.allowed === undefined ? { error: error.message } : { error: error.message, allowed: error.allowed });
    return;
  }
  if (error instanceof PipelineError) {
    if (error.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(error.retryAfterSeconds));
    res.status(error.httpStatus).json({ error: error.message });
    return;
  }
  // Body-parser style errors (malformed URL encoding, ...) carry a 4xx status of their own.
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    res.status(status).json({ error: (error as Error).message });
    return;
  }
  log.error('status API request failed', { method: req.method, path: req.path, error, stack: (error as Error | null)?.stack });
  res.status(500).json({ error: 'internal error; see the collector log' });
};
