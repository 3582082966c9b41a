/**
 * The archive format (`extensions.retention.archive`, README "Archive"): what the retention job
 * deletes is first written as gzip'd JSON lines, one file per batch under
 * `<dir>/<collection>/<YYYY-MM-DD>.<seq>.jsonl.gz`: the UTC day of the documents' retention time
 * (request or call start, period start, agent or model day, session's last activity) and a sequence number per
 * collection that only grows, so the newest file is the one written last.
 *
 * A line is one document in the store contract's shape (collector/store/types.ts), the same from
 * either store, with `_id` its identity (collector/store/documentIds.ts) and times as MongoDB
 * Extended JSON dates (`{"$date": "2026-01-31T10:00:00.000Z"}`), so `mongoimport` restores them
 * as dates and `--mode=upsert` makes a repeated import harmless.
 *
 * Not archived: minute_metrics (kept 48 h for the live charts; every request in them is in
 * api_metrics, which is kept longer and archived) and the bookkeeping rows (presence keys,
 * span_ids), which hold nothing the archived documents do not.
 */
import { agentDayId, modelDayId, rollupId, sessionDocId, spanDocId } from '../documentIds.js';
import type { Retention } from '../types.js';
import { dayKey, dayStart } from '../../time/utcTime.js';

export const ARCHIVED_COLLECTIONS = [
  'api_metrics', 'agent_invocations', 'model_calls', 'hourly_metrics', 'daily_metrics', 'agent_metrics', 'model_metrics', 'user_sessions',
] as const;
export type ArchivedCollection = (typeof ARCHIVED_COLLECTIONS)[number];

/** A document in its archived form: the contract's fields and `_id`. */
export type ArchivedDocument = Record<string, unknown> & { _id: string };
type Fields = Record<string, unknown>;

interface CollectionRule {
  /** The time retention judges the document by. */
  time(doc: Fields): Date;
  id(doc: Fields): string;
  retentionMs(retention: Retention): number;
}

const at = (field: string) => (doc: Fields) => doc[field] as Date;
const raw: CollectionRule = { time: at('timestamp'), id: (d) => spanDocId(d as { traceId: string; spanId: string }), retentionMs: (r) => r.apiMetricsMs };
const rollup = (retentionMs: (r: Retention) => number): CollectionRule => ({ time: at('start'), id: (d) => rollupId(d as Parameters<typeof rollupId>[0]), retentionMs });

export const ARCHIVE_RULES: Record<ArchivedCollection, CollectionRule> = {
  api_metrics: raw,
  agent_invocations: raw,
  model_calls: raw,
  hourly_metrics: rollup((r) => r.hourlyMetricsMs),
  daily_metrics: rollup((r) => r.dailyMetricsMs),
  agent_metrics: { time: (d) => dayStart(String(d['date'])), id: (d) => agentDayId(d as Parameters<typeof agentDayId>[0]), retentionMs: (r) => r.agentMetricsMs },
  // Model days are agent days split by provider and model: the same retention.
  model_metrics: { time: (d) => dayStart(String(d['date'])), id: (d) => modelDayId(d as Parameters<typeof modelDayId>[0]), retentionMs: (r) => r.agentMetricsMs },
  user_sessions: { time: at('lastActivity'), id: (d) => sessionDocId(String(d['serviceName']), String(d['sessionId'])), retentionMs: (r) => r.sessionsMs },
};

/** The UTC day ("YYYY-MM-DD") a document is filed under. */
export function archiveDayOf(collection: ArchivedCollection, doc: Fields): string {
  return dayKey(ARCHIVE_RULES[collection].time(doc));
}

export function archiveLine(doc: ArchivedDocument): string {
  return JSON.stringify(doc, function (this: Fields, key, value: unknown) {
    const original = this[key];
    return original instanceof Date ? { $date: original.toISOString() } : value;
  });
}

/** Throws (SyntaxError, or Error naming what is missing) on a line that is not an archived document. */
export function parseArchiveLine(line: string): ArchivedDocument {
  const doc = JSON.parse(line, (_key, value: unknown) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const keys = Object.keys(value);
      const date = (value as { $date?: unknown }).$date;
      if (keys.length === 1 && typeof date === 'string') return new Date(date);
    }
    return value;
  }) as unknown;
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('not a JSON object');
  if (typeof (doc as Fields)['_id'] !== 'string') throw new Error('no string _id');
  return doc as ArchivedDocument;
}

const FILE_NAME = /^(\d{4}-\d{2}-\d{2})\.(\d{6,})\.jsonl\.gz$/;

export function archiveFileName(day: string, seq: number): string {
  return `${day}.${String(seq).padStart(6, '0')}.jsonl.gz`;
}

export function parseArchiveFileName(name: string): { day: string; seq: number } | null {
  const match = FILE_NAME.exec(name);
  return match === null ? null : { day: match[1]!, seq: Number(match[2]) };
}
