/**
 * The indexes of the MongoDB store, created on start: the unique (traceId, spanId) indexes
 * that make raw inserts idempotent, the indexes the status queries and maintenance use, and
 * TTL indexes implementing retention. Safe on a database that already has them.
 *
 * A TTL index whose period changed (the retention option was edited) is changed in place
 * with `collMod` (MongoDB 5.1+ also turns a plain index into a TTL one that way), so the
 * collection is never without the index; only when collMod is refused is it dropped and
 * recreated. Servers without TTL indexes (FerretDB 1.x answers NotImplemented) get the same
 * index without expiry, and retention is left to StoreMaintenance.deleteExpired, which runs
 * on a schedule on every backend anyway. With archive on (`extensions.retention.archive`), the
 * archived collections get no TTL index (an existing one is replaced by a plain one): the
 * retention job archives their documents before it deletes them.
 */
import { MongoServerError, type Db, type IndexSpecification } from 'mongodb';
import type { Retention } from '../types.js';
import { COLLECTIONS } from './documents.js';

interface IndexPlan {
  collection: string;
  key: Record<string, 1 | -1>;
  unique?: boolean;
  /** Retention of the documents by this (single, date) field. */
  ttlMs?: number;
}

/** `withoutTtl`: collections whose documents the retention job archives before deleting them, so no TTL index may delete them first. */
export function indexPlan(retention: Retention, withoutTtl: ReadonlySet<string> = new Set()): IndexPlan[] {
  const raw = (collection: string): IndexPlan[] => [
    { collection, key: { traceId: 1, spanId: 1 }, unique: true },
    { collection, key: { timestamp: 1 }, ttlMs: retention.apiMetricsMs },
    { collection, key: { serviceName: 1, timestamp: 1 } },
    { collection, key: { unit: 1 } },
  ];
  const rollup = (collection: string, ttlMs: number): IndexPlan[] => [
    { collection, key: { start: 1 }, ttlMs },
    { collection, key: { level: 1, serviceName: 1, start: 1 } },
  ];
  const plans: IndexPlan[] = [
    ...raw(COLLECTIONS.apiMetrics),
    ...raw(COLLECTIONS.agentInvocations),
    ...raw(COLLECTIONS.modelCalls),
    ...rollup(COLLECTIONS.minuteMetrics, retention.minuteMetricsMs),
    ...rollup(COLLECTIONS.hourlyMetrics, retention.hourlyMetricsMs),
    ...rollup(COLLECTIONS.dailyMetrics, retention.dailyMetricsMs),
    { collection: COLLECTIONS.agentMetrics, key: { start: 1 }, ttlMs: retention.agentMetricsMs },
    { collection: COLLECTIONS.agentMetrics, key: { date: 1, serviceName: 1 } },
    { collection: COLLECTIONS.modelMetrics, key: { start: 1 }, ttlMs: retention.agentMetricsMs },
    { collection: COLLECTIONS.modelMetrics, key: { date: 1, serviceName: 1 } },
    // Pending calls are found by the span they wait at, and expired oldest first (no TTL: the
    // resolver counts them as unattributed rather than dropping them).
    { collection: COLLECTIONS.genaiPending, key: { traceId: 1, lookupSpanId: 1 } },
    { collection: COLLECTIONS.genaiPending, key: { receivedAt: 1 } },
    { collection: COLLECTIONS.userSessions, key: { serviceName: 1, sessionId: 1 }, unique: true },
    { collection: COLLECTIONS.userSessions, key: { lastActivity: 1 }, ttlMs: retention.sessionsMs },
    { collection: COLLECTIONS.userSessions, key: { isActive: 1, lastActivity: 1 } },
    { collection: COLLECTIONS.hourlyPresence, key: { start: 1 }, ttlMs: retention.hourlyMetricsMs },
    { collection: COLLECTIONS.dailyPresence, key: { start: 1 }, ttlMs: retention.dailyMetricsMs },
    { collection: COLLECTIONS.agentPresence, key: { start: 1 }, ttlMs: retention.agentMetricsMs },
    { collection: COLLECTIONS.spanUnits, key: { leaseUntil: 1 } },
    { collection: COLLECTIONS.alertEvents, key: { current: 1 } },
    { collection: COLLECTIONS.alertEvents, key: { at: 1 } },
    { collection: COLLECTIONS.alertSilences, key: { toTime: 1 } },
  ];
  return plans.map(({ ttlMs, ...plan }) => (ttlMs === undefined || withoutTtl.has(plan.collection) ? plan : { ...plan, ttlMs }));
}

const NOT_IMPLEMENTED = 238;
const INDEX_OPTIONS_CONFLICT = 85;
const INDEX_KEY_SPECS_CONFLICT = 86;

export interface IndexReport {
  /** false when the server has no TTL indexes (FerretDB 1.x). */
  ttlSupported: boolean;
  /** Collection and key of TTL indexes whose period was changed on this start. */
  ttlChanged: string[];
}

export async function ensureIndexes(db: Db, retention: Retention, withoutTtl: ReadonlySet<string> = new Set()): Promise<IndexReport> {
  const report: IndexReport = { ttlSupported: true, ttlChanged: [] };
  for (const plan of indexPlan(retention, withoutTtl)) {
    const collection = db.collection(plan.collection);
    const key = plan.key as IndexSpecification;
    const base = plan.unique === true ? { unique: true } : {};
    if (plan.ttlMs === undefined || !report.ttlSupported) {
      await collection.createIndex(key, base).catch(async (error: unknown) => {
        const code = error instanceof MongoServerError ? error.code : undefined;
        if (code !== INDEX_OPTIONS_CONFLICT && code !== INDEX_KEY_SPECS_CONFLICT) throw error;
        // A TTL index from before archive was turned on: it would delete without archiving.
        await dropIndexOn(db, plan.collection, key);
        await collection.createIndex(key, base);
        report.ttlChanged.push(`${plan.collection} ${JSON.stringify(plan.key)} (TTL removed: archived before delete)`);
      });
      continue;
    }
    const expireAfterSeconds = Math.max(1, Math.round(plan.ttlMs / 1000));
    try {
      await collection.createIndex(key, { ...base, expireAfterSeconds });
    } catch (error) {
      const code = error instanceof MongoServerError ? error.code : undefined;
      if (code === NOT_IMPLEMENTED) {
        report.ttlSupported = false;
        await collection.createIndex(key, base);
      } else if (code === INDEX_OPTIONS_CONFLICT || code === INDEX_KEY_SPECS_CONFLICT) {
        await changeTtl(db, plan.collection, key, expireAfterSeconds);
        report.ttlChanged.push(`${plan.collection} ${JSON.stringify(plan.key)}`);
      } else {
        throw error;
      }
    }
  }
  return report;
}

async function changeTtl(db: Db, collection: string, keyPattern: IndexSpecification, expireAfterSeconds: number): Promise<void> {
  try {
    await db.command({ collMod: collection, index: { keyPattern, expireAfterSeconds } });
  } catch {
    await dropIndexOn(db, collection, keyPattern);
    await db.collection(collection).createIndex(keyPattern, { expireAfterSeconds });
  }
}

async function dropIndexOn(db: Db, collection: string, keyPattern: IndexSpecification): Promise<void> {
  const existing = (await db.collection(collection).listIndexes().toArray())
    .find((index) => JSON.stringify(index['key']) === JSON.stringify(keyPattern));
  if (existing !== undefined) await db.collection(collection).dropIndex(String(existing['name']));
}
