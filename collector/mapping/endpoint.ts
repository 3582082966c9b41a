/**
 * Naming the endpoint of a request so that one route is one row, never one row per id:
 * the route template when the server reported one (`/api/agents/:agent/chat`), else the
 * path with id-like segments collapsed to `:id`, else the span name.
 */
import { truncateString } from './truncate.js';

export const MAX_ENDPOINT_LENGTH = 256;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NUMBER = /^\d+$/;
const LONG_HEX = /^[0-9a-f]{16,}$/i;
const MONGO_OBJECT_ID = /^[0-9a-f]{24}$/i;
/** Opaque tokens: long, mixed letters and digits (base64url ids, ULIDs, ...). */
const OPAQUE_TOKEN = /^(?=.*\d)(?=.*[a-z])[0-9a-z_-]{20,}$/i;

/** Strips the query and fragment from a path or full URL and returns only the path. */
export function pathOf(target: string): string {
  let path = target;
  const schemeEnd = path.indexOf('://');
  if (schemeEnd >= 0) {
    const pathStart = path.indexOf('/', schemeEnd + 3);
    path = pathStart >= 0 ? path.slice(pathStart) : '/';
  }
  const cut = path.search(/[?#]/);
  return cut >= 0 ? path.slice(0, cut) || '/' : path;
}

export function collapseIds(path: string): string {
  return path
    .split('/')
    .map((segment) =>
      NUMBER.test(segment) || UUID.test(segment) || LONG_HEX.test(segment) || MONGO_OBJECT_ID.test(segment) || OPAQUE_TOKEN.test(segment)
        ? ':id'
        : segment,
    )
    .join('/');
}

export function endpointOf(route: string | null, path: string | null, spanName: string): string {
  const endpoint = route ?? (path !== null ? collapseIds(pathOf(path)) : null) ?? spanName;
  const named = endpoint.length > 0 ? endpoint : 'unknown';
  return truncateString(named, MAX_ENDPOINT_LENGTH);
}

/**
 * The value of route parameter `parameter` (`agent` for `/api/agents/:agent/chat`) in `path`,
 * or null when the route has no such parameter or the path does not line up with it.
 */
export function routeParameter(route: string, path: string, parameter: string): string | null {
  const routeSegments = route.split('/');
  const index = routeSegments.findIndex((segment) => segment === `:${parameter}` || segment === `:${parameter}?`);
  if (index < 0) return null;
  const pathSegments = pathOf(path).split('/');
  const raw = pathSegments[index];
  if (raw === undefined || raw.length === 0) return null;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
