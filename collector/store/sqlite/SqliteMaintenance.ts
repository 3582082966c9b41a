/**
 * Background maintenance of the SQLite store: marking idle sessions inactive, deleting by
 * retention, and removing pending model calls the resolver settled. A period (hour, day, agent day) is deleted when its start is older than its
 * retention, like a MongoDB TTL index on the start time. Raw rows are found through span_ids
 * (their time index; the tail is folded first) and deleted in chunks, each its own short
 * transaction, yielding in between so that appends are not held up.
 */
import type { Database, Statement } from 'better-sqlite3';
import { dayKey } from '../../time/utcTime.js';
import type { Retention, SpanRef } from '../types.js';
import { RAW_TABLES } from './schema.js';

const CHUNK_ROWS = 5000;

/** The periods' tables and their presence keys (`date` for agent days, `start` for the others). */
const PERIOD_TABLES = {
  hour: { documents: 'DELETE FROM hourly_metrics WHERE start < ?', presence: "DELETE FROM rollup_presence WHERE period = 'hour' AND start < ?" },
  day: { documents: 'DELETE FROM daily_metrics WHERE start < ?', presence: "DELETE FROM rollup_presence WHERE period = 'day' AND start < ?" },
  agentDay: { documents: 'DELETE FROM agent_metrics WHERE date <= ?', presence: 'DELETE FROM agent_presence WHERE date <= ?' },
} as const;
/** Model days are agent days split by provider and model: the same retention (they have no presence keys). */
const DELETE_MODEL_DAYS = 'DELETE FROM model_metrics WHERE date <= ?';
type PeriodKind = keyof typeof PERIOD_TABLES;

export class SqliteMaintenance {
  private readonly markInactive: Statement;
  private readonly expiredKeys: Statement;
  private readonly deleteRaw: Statement[];
  private readonly deleteKey: Statement;
  private readonly deleteMinutes: Statement;
  private readonly deletePeriods: Record<PeriodKind, { documents: Statement; presence: Statement }>;
  private readonly deleteModelDays: Statement;
  private readonly deleteSessions: Statement;
  private readonly deletePending: Statement;

  constructor(private readonly db: Database) {
    this.markInactive = db.prepare('UPDATE user_sessions SET isActive = 0 WHERE isActive = 1 AND lastActivity < ?');
    this.expiredKeys = db.prepare(`SELECT timestamp, idHash, tableId, rowRef FROM span_ids WHERE timestamp < ? ORDER BY timestamp LIMIT ${CHUNK_ROWS}`);
    this.deleteRaw = RAW_TABLES.map((table) => db.prepare(`DELETE FROM ${table} WHERE rowid = ?`));
    this.deleteKey = db.prepare('DELETE FROM span_ids WHERE timestamp = ? AND idHash = ?');
    this.deleteMinutes = db.prepare('DELETE FROM minute_metrics WHERE start < ?');
    const prepared = (kind: PeriodKind) => ({ documents: db.prepare(PERIOD_TABLES[kind].documents), presence: db.prepare(PERIOD_TABLES[kind].presence) });
    this.deletePeriods = { hour: prepared('hour'), day: prepared('day'), agentDay: prepared('agentDay') };
    this.deleteModelDays = db.prepare(DELETE_MODEL_DAYS);
    this.deleteSessions = db.prepare('DELETE FROM user_sessions WHERE lastActivity < ?');
    this.deletePending = db.prepare('DELETE FROM genai_pending WHERE traceId = ? AND spanId = ?');
  }

  deletePendingModelCalls(spans: readonly SpanRef[]): void {
    this.db.transaction(() => {
      for (const span of spans) this.deletePending.run(span.traceId, span.spanId);
    }).immediate();
  }

  markInactiveSessions(now: Date, inactivityMs: number): number {
    return this.markInactive.run(now.getTime() - inactivityMs).changes;
  }

  /**
   * `isOpen` is checked between chunks: shutdown stops the job instead of racing it. Expects a
   * folded tail. `archived`: raw rows, rollups, agent and model days and sessions were archived and
   * deleted already (SqliteStore, collector/store/archive/); only minute rollups and presence
   * keys are left to delete (archiveFormat.ts says why they are not archived).
   */
  async deleteExpired(now: Date, retention: Retention, isOpen: () => boolean, archived = false): Promise<void> {
    const cutoff = (retentionMs: number) => now.getTime() - retentionMs;
    if (!archived) {
      const deleteChunk = this.db.transaction(() => {
        const keys = this.expiredKeys.all(cutoff(retention.apiMetricsMs)) as Array<{ timestamp: number; idHash: number; tableId: number; rowRef: number }>;
        for (const key of keys) {
          this.deleteRaw[key.tableId]?.run(key.rowRef);
          this.deleteKey.run(key.timestamp, key.idHash);
        }
        return keys.length;
      });
      while (isOpen() && deleteChunk.immediate() === CHUNK_ROWS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    if (!isOpen()) return;
    const before: Record<PeriodKind, number | string> = {
      hour: cutoff(retention.hourlyMetricsMs),
      day: cutoff(retention.dailyMetricsMs),
      // An agent day starts before the cutoff exactly when its date is at most the date of (cutoff - 1 ms).
      agentDay: dayKey(new Date(cutoff(retention.agentMetricsMs) - 1)),
    };
    this.db.transaction(() => {
      this.deleteMinutes.run(cutoff(retention.minuteMetricsMs));
      for (const kind of Object.keys(PERIOD_TABLES) as PeriodKind[]) {
        this.deletePeriods[kind].presence.run(before[kind]);
        if (!archived) this.deletePeriods[kind].documents.run(before[kind]);
      }
      if (!archived) {
        this.deleteModelDays.run(before.agentDay);
        this.deleteSessions.run(cutoff(retention.sessionsMs));
      }
    }).immediate();
  }
}
