/**
 * The web pages (/status, /status/analytics, /status/api-status) and their assets: plain
 * HTML, CSS and JS from api/public, and chart.js from its own package, so nothing is loaded
 * from a CDN at run time.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import express, { Router, type Request } from 'express';
import type { ApiAccess } from '../auth/ApiAccess.js';
import { PAGE_POLICY } from '../securityHeaders.js';

/** The pages, and whether they are status pages (public unless configured private) or admin ones. */
const PAGES: Record<string, { file: string; admin: boolean }> = {
  '/status': { file: 'status.html', admin: false },
  '/status/analytics': { file: 'analytics.html', admin: false },
  '/status/api-status': { file: 'api-status.html', admin: false },
  '/status/sla': { file: 'sla.html', admin: true },
};

export function pageRoutes(publicDir: string, access: ApiAccess): Router {
  const router = Router();
  const chartJsDir = dirname(createRequire(import.meta.url).resolve('chart.js'));
  router.get('/', (_req, res) => res.redirect(302, '/status'));
  const allowed = (req: Request, admin: boolean) => (admin ? !access.tokenConfigured || access.authorized(req)
    : access.options.public || access.authorized(req));
  for (const [path, { file, admin }] of Object.entries(PAGES)) {
    router.get(path, (req, res) => {
      if (!allowed(req, admin)) {
        res.redirect(303, `/status/sign-in?next=${encodeURIComponent(path)}`);
        return;
      }
      res.setHeader('Cache-Control', 'no-cache');
      res.setHeader('Content-Security-Policy', PAGE_POLICY);
      res.sendFile(join(publicDir, file));
    });
  }
  router.get('/status/assets/chart.umd.min.js', (_req, res) => {
    res.sendFile(join(chartJsDir, 'chart.umd.min.js'), { maxAge: '1h' });
  });
  // no-cache: revalidate (ETag), so a new version of the pages shows after an upgrade.
  router.use('/status/assets', express.static(publicDir, { index: false, setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache') }));
  return router;
}
