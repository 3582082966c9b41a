/**
 * The HTTP instrumentation `responseHook` that gives every incoming request a session:
 * the id from the session cookie when the browser sent a valid one, else a new random UUID
 * (v4) sent back in a `Set-Cookie` appended to the app's own headers. The id goes on the
 * request's SERVER span as `session.id`.
 *
 * The hook runs for every request, sampled or not, so a browser keeps one id whatever the
 * sampler decides. It runs inside the instrumentation's own try/catch; nothing here throws
 * into the host anyway.
 */
import type { Span } from '@opentelemetry/api';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ATTR_SESSION_ID } from '../attributeNames.js';
import type { InstrumentationOptions } from '../InstrumentationOptions.js';
import { appendSetCookie } from './appendSetCookie.js';
import { cameOverHttps, formatSessionCookie, readSessionId } from './sessionCookie.js';

type SessionOptions = Pick<InstrumentationOptions, 'sessionCookieName' | 'sessionCookieMaxAgeSeconds' | 'sessionCookieSecure'>;

export function createSessionHook(options: SessionOptions): (span: Span, response: IncomingMessage | ServerResponse) => void {
  const name = options.sessionCookieName;
  return (span, response) => {
    // The same hook sees the responses of outgoing client requests (IncomingMessage): skip them.
    if (!isServerResponse(response)) return;
    const request = response.req;
    const known = readSessionId(request.headers.cookie, name);
    const sessionId = known ?? randomUUID();
    span.setAttribute(ATTR_SESSION_ID, sessionId);
    if (known !== undefined) return;
    const secure = cameOverHttps(request.headers, request.socket as { encrypted?: boolean } | null, options.sessionCookieSecure);
    appendSetCookie(response, formatSessionCookie(sessionId, { name, maxAgeSeconds: options.sessionCookieMaxAgeSeconds, secure }), name);
  };
}

function isServerResponse(response: IncomingMessage | ServerResponse): response is ServerResponse {
  return typeof (response as Partial<ServerResponse>).writeHead === 'function' && typeof (response as Partial<ServerResponse>).req === 'object';
}
