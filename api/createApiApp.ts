/**
 * The status API and pages as an Express app, built without listening: the collector
 * process binds it to its port (collector/service.ts), tests call it on port 0.
 *
 *   /api/status, /api/status/analytics, /api/status/api-status,
 *   /api/status/minutes                                          JSON (README.md, "Status API")
 *   /api/status/alerts, /api/status/silences                   alerts and silences (README.md, "Alerts")
 *   /status, /status/analytics, /status/api-status              web pages
 *   /healthz, /readyz, /metrics                                 health of spanpulse itself
 */
import { join } from 'node:path';
import express from 'express';
import { apiContext } from './ApiContext.js';
import type { ApiOptions } from './ApiOptions.js';
import { errorResponder } from './errorResponder.js';
import { HttpError } from './HttpError.js';
import { packageRoot } from '../collector/packageRoot.js';
import { alertRoutes } from './routes/alertRoutes.js';
import { healthRoutes } from './routes/healthRoutes.js';
import { exportRoutes } from './routes/exportRoutes.js';
import { pageRoutes } from './routes/pageRoutes.js';
import { signInRoutes } from './routes/signInRoutes.js';
import { securityHeaders } from './securityHeaders.js';
import { statusApiRoutes } from './routes/statusApiRoutes.js';

export type { ApiOptions } from './ApiOptions.js';

export function createApiApp(options: ApiOptions): express.Express {
  const context = apiContext(options);
  const app = express();
  app.disable('x-powered-by');
  app.use(securityHeaders);
  const publicDir = options.publicDir ?? join(packageRoot(), 'api', 'public');
  app.use(healthRoutes(context));
  app.use('/api', exportRoutes(context));
  if (context.alerts !== null) {
    app.use('/api', context.access.readStatus(), alertRoutes({ alerts: context.alerts, access: context.access, now: context.now, hourlyRetentionMs: context.retention.hourlyMetricsMs }));
  }
  app.use('/api', context.access.readStatus(), statusApiRoutes(context));
  app.use(signInRoutes(context, publicDir));
  app.use(pageRoutes(publicDir, context.access));
  app.use((req) => {
    throw new HttpError(404, `not found: ${req.method} ${req.path}`);
  });
  app.use(errorResponder);
  return app;
}
