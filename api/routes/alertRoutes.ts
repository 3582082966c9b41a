/**
 * The alert endpoints (README "Alerts"):
 *   GET    /api/status/alerts?window=90d   active alerts, incidents of the window, silences
 *   POST   /api/status/silences            create a silence (the API token; 403 without one configured)
 *   DELETE /api/status/silences/:id        remove one (likewise)
 * Mounted only when the alerts extension runs; reads need what every /api/status* read needs.
 */
import { randomUUID } from 'node:crypto';
import express, { Router } from 'express';
import { z } from 'zod';
import { endpointKey } from '../../collector/config/valueSchemas.js';
import { parseDuration } from '../../collector/config/units.js';
import type { AlertStore } from '../../collector/store/alertTypes.js';
import type { ApiAccess } from '../auth/ApiAccess.js';
import { HttpError } from '../HttpError.js';
import { parseRangeQuery } from '../query/parseRangeQuery.js';
import { alertsOfWindow, silenceView } from '../views/alertViews.js';

export interface AlertsApi {
  store: AlertStore;
  /** The configured rule names: a silence may name only these. */
  rules: readonly string[];
}

/** A silence longer than this is a rule that should be disabled instead. */
const MAX_SILENCE_MS = 366 * 86_400_000;

const silenceBody = z.strictObject({
  rule: z.string().min(1).optional(),
  service: z.string().min(1).optional(),
  endpoint: endpointKey.optional(),
  agent: z.string().min(1).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  for: z.string().optional(),
  comment: z.string().trim().min(1, 'say why (a comment is required)').max(1000),
});

interface RouteContext {
  alerts: AlertsApi;
  access: ApiAccess;
  now: () => Date;
  hourlyRetentionMs: number;
}

export function alertRoutes(context: RouteContext): Router {
  const { alerts, access, now } = context;
  const router = Router();
  router.get('/status/alerts', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const query = { ...(req.query as Record<string, unknown>) };
    if (query['window'] === undefined && query['from'] === undefined) query['window'] = '90d';
    const at = now();
    const { range } = parseRangeQuery(query, { now: at, retentionMs: context.hourlyRetentionMs, services: [], allowedParameters: ['window', 'from', 'to'] });
    res.json(await alertsOfWindow(alerts.store, at, range.from));
  });
  router.post('/status/silences', access.write(), express.json({ limit: '16kb' }), async (req, res) => {
    const parsed = silenceBody.safeParse(req.body ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const where = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.join('.') || 'body';
      throw HttpError.badRequest(`${where}: ${issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message}`,
        { fields: Object.keys(silenceBody.shape) });
    }
    const body = parsed.data;
    if (body.rule !== undefined && !alerts.rules.includes(body.rule)) {
      throw HttpError.badRequest(`unknown rule ${JSON.stringify(body.rule)}`, { rule: alerts.rules });
    }
    const at = now();
    const from = body.from === undefined ? at : new Date(body.from);
    if (body.for !== undefined && body.to !== undefined) throw HttpError.badRequest('give either to or for, not both');
    const forMs = body.for === undefined ? null : parseDuration(body.for);
    if (body.for !== undefined && (forMs === null || forMs <= 0)) throw HttpError.badRequest(`for must be a duration such as 30m, 2h or 1d, got ${JSON.stringify(body.for)}`);
    if (body.to === undefined && forMs === null) throw HttpError.badRequest('give to (ISO 8601) or for (e.g. "2h"): a silence must end');
    const to = forMs !== null ? new Date(from.getTime() + forMs) : new Date(body.to!);
    if (to.getTime() <= from.getTime()) throw HttpError.badRequest(`to (${to.toISOString()}) must be after from (${from.toISOString()})`);
    if (to.getTime() <= at.getTime()) throw HttpError.badRequest(`to (${to.toISOString()}) is in the past: the silence would cover nothing`);
    if (to.getTime() - from.getTime() > MAX_SILENCE_MS) throw HttpError.badRequest('a silence lasts at most 366 days; disable the rule instead');
    const silence = {
      id: randomUUID(), rule: body.rule ?? null, service: body.service ?? null, endpoint: body.endpoint ?? null, agent: body.agent ?? null,
      from, to, comment: body.comment,
    };
    await alerts.store.addSilence(silence);
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json(silenceView(silence));
  });
  router.delete('/status/silences/:id', access.write(), async (req, res) => {
    const id = String(req.params['id']);
    if (!(await alerts.store.deleteSilence(id))) throw new HttpError(404, `no silence with id ${JSON.stringify(id)}`);
    res.setHeader('Cache-Control', 'no-store');
    res.status(204).end();
  });
  return router;
}
