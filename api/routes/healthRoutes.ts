/**
 * Health of spanpulse itself, for orchestrators and Prometheus: /healthz (the process
 * answers), /readyz (spans can be taken: the store answers a ping, or the spool has room
 * while it does not) and /metrics (text exposition format).
 */
import { Router } from 'express';
import type { ApiContext } from '../ApiContext.js';

export function healthRoutes(context: ApiContext): Router {
  const router = Router();
  // Set per route: this router is mounted at the root, a router-level middleware would also
  // run for the pages and their assets.
  router.get('/healthz', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const spool = context.telemetry.snapshot().spool;
    try {
      const pingMs = await context.reader.ping();
      res.json({ status: 'ready', store: context.backend, pingMs, spool });
    } catch (error) {
      const reason = `store unreachable: ${(error as Error).message}`;
      if (spool?.accepting === true) res.json({ status: 'ready', store: context.backend, storeError: reason, spool });
      else res.status(503).json({ status: 'not ready', store: context.backend, error: spool === null ? reason : `${reason}; the spool is full`, spool });
    }
  });
  router.get('/metrics', context.access.metrics(), (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.type('text/plain; version=0.0.4; charset=utf-8').send(context.telemetry.toPrometheus());
  });
  return router;
}
