/**
 * Paging parameters. `limit` and `offset` of the endpoint list of /api/status/api-status:
 * however many endpoints a store holds (up to the cardinality limits of every service), one
 * answer stays small; the summary always counts them all. `limit` and an opaque `cursor` for
 * lists that grow while they are read (/api/status/sessions): a page starts after the last
 * item of the one before, so new items neither shift nor repeat what a reader pages through.
 */
import { HttpError } from '../HttpError.js';

export const DEFAULT_PAGE_LIMIT = 200;
export const MAX_PAGE_LIMIT = 1000;

export interface Page {
  offset: number;
  limit: number;
}

export interface LimitRange {
  fallback: number;
  max: number;
}

export function parsePage(query: Record<string, unknown>): Page {
  return {
    limit: parseLimit(query, { fallback: DEFAULT_PAGE_LIMIT, max: MAX_PAGE_LIMIT }),
    offset: whole(query['offset'], 'offset', 0, 0, Number.MAX_SAFE_INTEGER),
  };
}

export function parseLimit(query: Record<string, unknown>, range: LimitRange): number {
  return whole(query['limit'], 'limit', range.fallback, 1, range.max);
}

/** A cursor for `position`: opaque to clients (base64url of JSON), read back by parseCursor. */
export function cursorOf(position: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/**
 * The position `cursor` stands for, checked by `read` (which returns undefined for a value
 * no cursor of this list holds); absent: undefined; anything else is a 400.
 */
export function parseCursor<T>(query: Record<string, unknown>, read: (position: unknown[]) => T | undefined): T | undefined {
  const value = query['cursor'];
  if (value === undefined) return undefined;
  const refuse = () => new HttpError(400, 'cursor must be a nextCursor value of an earlier answer, unchanged');
  if (typeof value !== 'string' || value.length > 4096 || !/^[A-Za-z0-9_-]+$/.test(value)) throw refuse();
  let position: unknown;
  try {
    position = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    throw refuse();
  }
  const result = Array.isArray(position) ? read(position) : undefined;
  if (result === undefined) throw refuse();
  return result;
}

function whole(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^\d{1,16}$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new HttpError(400, `${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}
