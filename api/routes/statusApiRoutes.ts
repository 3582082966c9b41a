/**
 * The JSON endpoints under /api/status. Live data: never cached.
 */
import { Router } from 'express';
import type { ApiContext } from '../ApiContext.js';
import { HttpError } from '../HttpError.js';
import { analytics } from '../views/analytics.js';
import { apiStatus } from '../views/apiStatus.js';
import { minutes } from '../views/minutes.js';
import { platformStatus } from '../views/platformStatus.js';
import { sessionList, sessionTimeline } from '../views/sessions.js';

export function statusApiRoutes(context: ApiContext): Router {
  const router = Router();
  router.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  router.get('/status', async (_req, res) => {
    res.json(await platformStatus(context));
  });
  router.get('/status/analytics', async (req, res) => {
    res.json({ ...await analytics(context, req.query), sessionsVisible: context.access.mayReadAdmin(req) });
  });
  router.get('/status/api-status', async (req, res) => {
    res.json(await apiStatus(context, req.query));
  });
  router.get('/status/minutes', async (req, res) => {
    res.json(await minutes(context, req.query));
  });
  // Sessions name users and their requests: admin data, as exports (README "Access").
  router.get('/status/sessions', context.access.readAdmin(), async (req, res) => {
    res.json(await sessionList(context, req.query));
  });
  router.get('/status/sessions/:id', context.access.readAdmin(), async (req, res) => {
    res.json(await sessionTimeline(context, String(req.params['id']), req.query));
  });
  router.use((req) => {
    throw new HttpError(404, `no such endpoint: ${req.method} ${req.baseUrl}${req.path}; see /api/status, /api/status/analytics, /api/status/api-status, /api/status/minutes, /api/status/sessions`);
  });
  return router;
}
