/**
 * The sign-in page of private status pages (extensions.status_api.public: false) and of the
 * admin pages: a form that posts the API token once; a right token sets the HttpOnly,
 * SameSite=Strict session cookie (auth/ApiAccess.ts) and goes back to the page asked for.
 */
import { join } from 'node:path';
import express, { Router } from 'express';
import type { ApiContext } from '../ApiContext.js';
import { SESSION_COOKIE } from '../auth/ApiAccess.js';
import { PAGE_POLICY } from '../securityHeaders.js';

/** The sign-in form posts to this origin, which the pages' policy otherwise forbids. */
const SIGN_IN_POLICY = PAGE_POLICY.replace("form-action 'none'", "form-action 'self'");

export function signInRoutes(context: ApiContext, publicDir: string): Router {
  const router = Router();
  router.get('/status/sign-in', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Security-Policy', SIGN_IN_POLICY);
    res.sendFile(join(publicDir, 'sign-in.html'));
  });
  router.post('/status/sign-in', express.urlencoded({ extended: false, limit: '4kb' }), (req, res) => {
    const token = typeof req.body?.token === 'string' ? req.body.token : '';
    const cookie = context.access.cookieFor(token);
    const next = typeof req.query['next'] === 'string' && /^\/status(\/[a-z-]*)?$/.test(req.query['next']) ? req.query['next'] : '/status';
    res.setHeader('Cache-Control', 'no-store');
    if (cookie === null) {
      res.redirect(303, `/status/sign-in?failed=1&next=${encodeURIComponent(next)}`);
      return;
    }
    const secure = req.secure ? '; Secure' : '';
    res.setHeader('Set-Cookie', `${SESSION_COOKIE}=${cookie}; Path=/; HttpOnly; SameSite=Strict${secure}`);
    res.redirect(303, next);
  });
  return router;
}
