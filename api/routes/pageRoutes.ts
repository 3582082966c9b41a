/**
 * The web pages (/status, /status/analytics, /status/api-status) and their assets: plain
 * HTML, CSS and JS from api/public, and chart.js from its own package, so nothing is loaded
 * from a CDN at run time.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import express, { Router } from 'express';
import { PAGE_POLICY } from '../securityHeaders.js';

const PAGES: Record<string, string> = {
  '/status': 'status.html',
  '/status/analytics': 'analytics.html',
  '/status/api-status': 'api-status.html',
};

export function pageRoutes(publicDir: string): Router {
  const router = Router();
  const chartJsDir = dirname(createRequire(import.meta.url).resolve('chart.js'));
  router.get('/', (_req, res) => res.redirect(302, '/status'));
  for (const [path, file] of Object.entries(PAGES)) {
    router.get(path, (_req, res) => {
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
