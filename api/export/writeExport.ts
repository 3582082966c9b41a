/**
 * Writing a report to a stream (an HTTP response, a file, stdout) in its format, a row at a
 * time and waiting whenever the stream asks to (backpressure), so a large export never piles
 * up in memory. A stream that closes meanwhile (a client that went away) ends the export with
 * ExportAborted, so nothing is left waiting for a 'drain' that never comes, nor reads the store
 * on. Shared by the export route and `spanpulse export`.
 */
import type { Writable } from 'node:stream';
import type { StoreReader } from '../../collector/store/types.js';
import type { ExportRequest } from './exportQuery.js';
import { EXPORT_COLUMNS, exportRows } from './exportRows.js';
import { rowWriter } from './formats.js';
import { slaReport, type SlaEntry, type SloOptions } from './slaReport.js';

/** The SLA report as rows, for CSV and NDJSON: one per service, then one per endpoint. */
const SLA_COLUMNS = [
  'scope', 'service', 'method', 'endpoint', 'target', 'requests', 'failed', 'availability', 'met', 'budgetAllowed', 'budgetUsed',
  'budgetRemaining', 'budgetUsedPercent', 'budgetExhausted', 'p95ResponseTime', 'latencyObjectiveMs', 'latencyMet', 'worstDays',
] as const;

/** The stream closed before the export was written: the reader went away. */
export class ExportAborted extends Error {
  constructor() {
    super('the export stream closed before the end (the client went away)');
    this.name = 'ExportAborted';
  }
}

export async function writeExport(out: Writable, reader: Pick<StoreReader, 'findRollups'>, request: ExportRequest, slo: SloOptions): Promise<number> {
  const put = async (text: string) => {
    if (out.destroyed) throw new ExportAborted();
    if (text !== '' && !out.write(text)) await drained(out);
  };
  let rows = 0;
  if (request.report === 'sla') {
    const report = await slaReport(reader, request.from, request.to, request.serviceName, slo);
    if (request.format === 'json') {
      await put(`${JSON.stringify({ report: 'sla', month: request.month, ...report }, null, 2)}\n`);
      return report.services.length + report.endpoints.length;
    }
    const writer = rowWriter(request.format, SLA_COLUMNS);
    await put(writer.begin());
    for (const [scope, entries] of [['service', report.services], ['endpoint', report.endpoints]] as const) {
      for (const entry of entries) {
        await put(writer.row(slaRow(scope, entry)));
        rows += 1;
      }
    }
    await put(writer.end());
    return rows;
  }
  const writer = rowWriter(request.format, EXPORT_COLUMNS);
  await put(writer.begin());
  for await (const row of exportRows(reader, { report: request.report, by: request.by, from: request.from, to: request.to, serviceName: request.serviceName })) {
    await put(writer.row(row as unknown as Record<string, string | number | Date | null>));
    rows += 1;
  }
  await put(writer.end());
  return rows;
}

/** Resolves once `out` takes more; rejects with ExportAborted once it closes or fails first. */
function drained(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (aborted: boolean) => {
      out.off('drain', onDrain);
      out.off('close', onClose);
      out.off('error', onClose);
      if (aborted) reject(new ExportAborted());
      else resolve();
    };
    const onDrain = () => settle(false);
    const onClose = () => settle(true);
    out.on('drain', onDrain);
    out.on('close', onClose);
    out.on('error', onClose);
  });
}

function slaRow(scope: 'service' | 'endpoint', entry: SlaEntry): Record<string, string | number | null> {
  const flag = (value: boolean | null) => (value === null ? null : value ? 'yes' : 'no');
  return {
    scope, service: entry.service, method: entry.method, endpoint: entry.endpoint, target: entry.target, requests: entry.requests,
    failed: entry.failed, availability: entry.availability, met: flag(entry.met), budgetAllowed: entry.errorBudget.allowed,
    budgetUsed: entry.errorBudget.used, budgetRemaining: entry.errorBudget.remaining, budgetUsedPercent: entry.errorBudget.usedPercent,
    budgetExhausted: flag(entry.errorBudget.exhausted), p95ResponseTime: entry.p95ResponseTime, latencyObjectiveMs: entry.latencyObjectiveMs,
    latencyMet: flag(entry.latencyMet), worstDays: entry.worstDays.map((d) => `${d.date} ${d.availability.toFixed(3)}%`).join('; ') || null,
  };
}
