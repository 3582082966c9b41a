/**
 * Background maintenance of the MongoDB store. The TTL indexes (mongoIndexes.ts) already
 * expire documents on real MongoDB; deleteExpired does the same by the caller's clock, so
 * retention also holds on servers without TTL indexes (FerretDB) and in tests that move time.
 * A period (hour, day, agent day) is deleted when its start is older than its retention,
 * exactly what a TTL index on `start` does, together with its presence keys.
 */
import type { Db } from 'mongodb';
import { ARCHIVED_COLLECTIONS } from '../archive/archiveFormat.js';
import type { Retention, SpanRef } from '../types.js';
import { COLLECTIONS, type Keyed, spanDocId } from './documents.js';

export class MongoMaintenance {
  constructor(private readonly db: Db) {}

  async markInactiveSessions(now: Date, inactivityMs: number): Promise<number> {
    const result = await this.db.collection(COLLECTIONS.userSessions).updateMany(
      { isActive: true, lastActivity: { $lt: new Date(now.getTime() - inactivityMs) } },
      { $set: { isActive: false } },
    );
    return result.modifiedCount;
  }

  async deletePendingModelCalls(spans: readonly SpanRef[]): Promise<void> {
    if (spans.length === 0) return;
    await this.db.collection<Keyed>(COLLECTIONS.genaiPending).deleteMany({ _id: { $in: spans.map(spanDocId) } });
  }

  /** `archived`: the archived collections were archived and deleted already (MongoStore, collector/store/archive/). */
  async deleteExpired(now: Date, retention: Retention, archived = false): Promise<void> {
    const before = (retentionMs: number) => ({ $lt: new Date(now.getTime() - retentionMs) });
    const skipped = new Set<string>(archived ? ARCHIVED_COLLECTIONS : []);
    const deletions: Array<[string, string, number]> = [
      [COLLECTIONS.apiMetrics, 'timestamp', retention.apiMetricsMs],
      [COLLECTIONS.agentInvocations, 'timestamp', retention.apiMetricsMs],
      [COLLECTIONS.modelCalls, 'timestamp', retention.apiMetricsMs],
      [COLLECTIONS.minuteMetrics, 'start', retention.minuteMetricsMs],
      [COLLECTIONS.hourlyMetrics, 'start', retention.hourlyMetricsMs],
      [COLLECTIONS.hourlyPresence, 'start', retention.hourlyMetricsMs],
      [COLLECTIONS.dailyMetrics, 'start', retention.dailyMetricsMs],
      [COLLECTIONS.dailyPresence, 'start', retention.dailyMetricsMs],
      [COLLECTIONS.agentMetrics, 'start', retention.agentMetricsMs],
      [COLLECTIONS.agentPresence, 'start', retention.agentMetricsMs],
      [COLLECTIONS.modelMetrics, 'start', retention.agentMetricsMs],
      [COLLECTIONS.userSessions, 'lastActivity', retention.sessionsMs],
    ];
    for (const [collection, field, retentionMs] of deletions.filter(([collection]) => !skipped.has(collection))) {
      await this.db.collection(collection).deleteMany({ [field]: before(retentionMs) });
    }
  }
}
