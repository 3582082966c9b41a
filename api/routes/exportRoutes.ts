/**
 * GET /api/status/export: reports as CSV, JSON or NDJSON (api/export/), streamed, with a
 * file name. Admin data: needs the API token when one is configured.
 */
import { Router } from 'express';
import { log } from '../../collector/log.js';
import type { ApiContext } from '../ApiContext.js';
import { exportFileName, parseExportQuery } from '../export/exportQuery.js';
import { CONTENT_TYPES } from '../export/formats.js';
import { ExportAborted, writeExport } from '../export/writeExport.js';

export function exportRoutes(context: ApiContext): Router {
  const router = Router();
  router.get('/status/export', context.access.readAdmin(), async (req, res) => {
    const services = (await context.reader.listServices()).map((s) => s.serviceName);
    const request = parseExportQuery(req.query, { now: context.now(), retention: context.retention, services });
    // Reach the store once before the first byte, so an unreachable store is still a clean 503.
    await context.uncachedReader.ping();
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Type', CONTENT_TYPES[request.format]);
    res.setHeader('Content-Disposition', `attachment; filename="${exportFileName(request)}"`);
    try {
      await writeExport(res, context.uncachedReader, request, context.slo);
      res.end();
    } catch (error) {
      // Headers are out: the client sees a cut-off download, which it must not take for a whole one.
      if (error instanceof ExportAborted) log.debug('export stopped: the client went away');
      else log.warn('export failed while streaming; the response was cut off', { error });
      res.destroy();
    }
  });
  return router;
}
