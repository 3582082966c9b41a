/**
 * Who may do what on the status API (README "Access"). With `SPANPULSE_API_TOKEN` set, admin
 * routes (exports, the SLA report and page, silences, any write) need it, as
 * `Authorization: Bearer <token>` or the sign-in cookie; without it they are refused (403) if
 * they change something, and open if they only read. `public: false` (extensions.status_api)
 * puts every /api/status* route and page behind the token too; /healthz and /readyz stay open,
 * /metrics follows `metrics_public`.
 *
 * The sign-in page trades the token for an HttpOnly, SameSite=Strict cookie holding an HMAC of
 * it (never the token itself), so the pages need no token in JavaScript. Comparisons run in
 * constant time; neither the token nor the cookie is ever logged.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { HttpError } from '../HttpError.js';

export const SESSION_COOKIE = 'spanpulse_api';

export interface AccessOptions {
  /** The admin token; empty: no token is configured. */
  token: string;
  /** Status pages and /api/status* readable without the token. Default true. */
  public: boolean;
  /** /metrics readable without the token. Default true. */
  metricsPublic: boolean;
}

export class ApiAccess {
  private readonly cookieValue: Buffer | null;
  private readonly expected: Buffer | null;

  constructor(readonly options: AccessOptions) {
    this.expected = options.token === '' ? null : Buffer.from(options.token);
    this.cookieValue = options.token === '' ? null : Buffer.from(createHmac('sha256', options.token).update('spanpulse status API session').digest('hex'));
  }

  get tokenConfigured(): boolean {
    return this.expected !== null;
  }

  /** The cookie the sign-in page sets for a valid token, or null for a wrong one. */
  cookieFor(token: string): string | null {
    return this.expected !== null && constantTimeEqual(Buffer.from(token), this.expected) ? this.cookieValue!.toString() : null;
  }

  /** Whether the request carries the token (header) or the sign-in cookie. */
  authorized(request: Request): boolean {
    if (this.expected === null) return false;
    const bearer = /^bearer +(\S+) *$/i.exec(request.headers.authorization ?? '')?.[1];
    if (bearer !== undefined && constantTimeEqual(Buffer.from(bearer), this.expected)) return true;
    const cookie = cookieOf(request, SESSION_COOKIE);
    return cookie !== undefined && constantTimeEqual(Buffer.from(cookie), this.cookieValue!);
  }

  /** Whether the request may read admin data: no token is configured, or it carries it. */
  mayReadAdmin(request: Request): boolean {
    return this.expected === null || this.authorized(request);
  }

  /** For reads of admin data (exports, sessions, SLA): the token when one is configured, else open. */
  readAdmin(): RequestHandler {
    return (request, response, next) => {
      if (!this.mayReadAdmin(request)) return unauthorized(response, next);
      next();
    };
  }

  /** For changes (silences): the token, and refused outright when none is configured. */
  write(): RequestHandler {
    return (request, response, next) => {
      if (this.expected === null) {
        return next(new HttpError(403, 'set SPANPULSE_API_TOKEN to allow changes through the API; without a token nothing can be changed'));
      }
      if (!this.authorized(request)) return unauthorized(response, next);
      next();
    };
  }

  /** For the status pages and /api/status*: open unless `public` is false. */
  readStatus(): RequestHandler {
    return (request, response, next) => {
      if (this.options.public || this.authorized(request)) return next();
      unauthorized(response, next);
    };
  }

  metrics(): RequestHandler {
    return (request, response, next) => {
      if (this.options.metricsPublic || this.authorized(request)) return next();
      unauthorized(response, next);
    };
  }
}

/** 401 with the challenge RFC 9110 requires of it (RFC 6750 names the scheme). */
function unauthorized(response: Response, next: NextFunction): void {
  response.setHeader('WWW-Authenticate', 'Bearer realm="spanpulse"');
  next(new HttpError(401, 'missing or wrong token: send Authorization: Bearer <SPANPULSE_API_TOKEN> (or sign in at /status/sign-in)'));
}

function constantTimeEqual(given: Buffer, expected: Buffer): boolean {
  // Hashing first makes the comparison constant-time in the length as well.
  const a = createHmac('sha256', 'spanpulse').update(given).digest();
  const b = createHmac('sha256', 'spanpulse').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

function cookieOf(request: Request, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}
