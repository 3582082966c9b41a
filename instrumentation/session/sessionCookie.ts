/**
 * The session cookie on the wire: reading the id a browser sends back, and writing the
 * `Set-Cookie` value for a new one.
 *
 * A session id is an analytics identifier, not a credential: only a well-formed UUID is
 * accepted from the client, so nothing the client invents (oversized, odd characters, script)
 * reaches a span or the store; anything else is answered with a fresh id.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { CookieSecureMode } from '../InstrumentationOptions.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Node already caps all headers at 16 KiB by default; this only bounds our own scan.
const MAX_COOKIE_HEADER_CHARS = 16 * 1024;

/** The first valid session id named `cookieName` in a `Cookie` header (lower-cased), else undefined. */
export function readSessionId(cookieHeader: string | undefined, cookieName: string): string | undefined {
  if (typeof cookieHeader !== 'string' || cookieHeader.length > MAX_COOKIE_HEADER_CHARS) return undefined;
  let from = 0;
  while (from < cookieHeader.length) {
    let end = cookieHeader.indexOf(';', from);
    if (end === -1) end = cookieHeader.length;
    const pair = cookieHeader.slice(from, end);
    from = end + 1;
    const eq = pair.indexOf('=');
    if (eq === -1 || pair.slice(0, eq).trim() !== cookieName) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.length === 38 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (UUID.test(value)) return value.toLowerCase();
  }
  return undefined;
}

export interface SessionCookieAttributes {
  name: string;
  /** undefined: a browser-session cookie. */
  maxAgeSeconds: number | undefined;
  secure: boolean;
}

/** The `Set-Cookie` header value for a new session id. */
export function formatSessionCookie(sessionId: string, attributes: SessionCookieAttributes): string {
  let cookie = `${attributes.name}=${sessionId}; Path=/; HttpOnly; SameSite=Lax`;
  if (attributes.maxAgeSeconds !== undefined) cookie += `; Max-Age=${attributes.maxAgeSeconds}`;
  if (attributes.secure) cookie += '; Secure';
  return cookie;
}

/**
 * Whether the browser reached the app over HTTPS: a TLS socket, or a proxy saying so in
 * `X-Forwarded-Proto`. Trusting that header without a proxy allow-list is safe here: a client
 * that fakes it over plain HTTP only gets a Secure cookie its browser will not send back.
 */
export function cameOverHttps(
  headers: IncomingHttpHeaders,
  socket: { encrypted?: boolean } | null | undefined,
  mode: CookieSecureMode,
): boolean {
  if (mode !== 'auto') return mode === 'always';
  if (socket?.encrypted === true) return true;
  const forwarded = headers['x-forwarded-proto'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim().toLowerCase();
  return first === 'https';
}
