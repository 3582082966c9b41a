/**
 * `limit` and `offset` of the endpoint list of /api/status/api-status: however many
 * endpoints a store holds (up to the cardinality limits of every service), one answer stays
 * small; the summary always counts them all.
 */
import { HttpError } from '../HttpError.js';

export const DEFAULT_PAGE_LIMIT = 200;
export const MAX_PAGE_LIMIT = 1000;

export interface Page {
  offset: number;
  limit: number;
}

export function parsePage(query: Record<string, unknown>): Page {
  return {
    limit: whole(query['limit'], 'limit', DEFAULT_PAGE_LIMIT, 1, MAX_PAGE_LIMIT),
    offset: whole(query['offset'], 'offset', 0, 0, Number.MAX_SAFE_INTEGER),
  };
}

function whole(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^\d{1,16}$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new HttpError(400, `${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}
