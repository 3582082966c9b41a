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

export class SqliteMaintenance {
  private readonly markInactive: Statement;
  private readonly expiredKeys: Statement;
  private readonly deleteRaw: Statement[];
  private readonly deleteKey: Statement;
  private readonly deleteMinutes: Statement;
  private readonly deleteHours: Statement[];
  private readonly deleteDays: Statement[];
  private readonly deleteAgentDays: Statement[];
  private readonly deleteSessions: Statement;
  private readonly deletePending: Statement;

  constructor(private readonly db: Database) {
    this.markInactive = db.prepare('UPDATE user_sessions SET isActive = 0 WHERE isActive = 1 AND lastActivity < ?');
    this.expiredKeys = db.prepare(`SELECT timestamp, idHash, tableId, rowRef FROM span_ids WHERE timestamp < ? ORDER BY timestamp LIMIT ${CHUNK_ROWS}`);
    this.deleteRaw = RAW_TABLES.map((table) => db.prepare(`DELETE FROM ${table} WHERE rowid = ?`));
    this.deleteKey = db.prepare('DELETE FROM span_ids WHERE timestamp = ? AND idHash = ?');
    this.deleteMinutes = db.prepare('DELETE FROM minute_metrics WHERE start < ?');
    this.deleteHours = [
      db.prepare('DELETE FROM hourly_metrics WHERE start < ?'),
      db.prepare("DELETE FROM rollup_presence WHERE period = 'hour' AND start < ?"),
    ];
    this.deleteDays = [
      db.prepare('DELETE FROM daily_metrics WHERE start < ?'),
      db.prepare("DELETE FROM rollup_presence WHERE period = 'day' AND start < ?"),
    ];
    this.deleteAgentDays = [
      db.prepare('DELETE FROM agent_metrics WHERE date <= ?'),
      db.prepare('DELETE FROM agent_presence WHERE date <= ?'),
      // Model days are agent days split by model: the same retention.
      db.prepare('DELETE FROM model_metrics WHERE date <= ?'),
    ];
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

  /** `isOpen` is checked between chunks: shutdown stops the job instead of racing it. Expects a folded tail. */
  async deleteExpired(now: Date, retention: Retention, isOpen: () => boolean): Promise<void> {
    const cutoff = (retentionMs: number) => now.getTime() - retentionMs;
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
    if (!isOpen()) return;
    // An agent day starts before the cutoff exactly when its date is at most the date of (cutoff - 1 ms).
    const lastAgentDate = dayKey(new Date(cutoff(retention.agentMetricsMs) - 1));
    this.db.transaction(() => {
      this.deleteMinutes.run(cutoff(retention.minuteMetricsMs));
      for (const statement of this.deleteHours) statement.run(cutoff(retention.hourlyMetricsMs));
      for (const statement of this.deleteDays) statement.run(cutoff(retention.dailyMetricsMs));
      for (const statement of this.deleteAgentDays) statement.run(lastAgentDate);
      this.deleteSessions.run(cutoff(retention.sessionsMs));
    }).immediate();
  }
}
