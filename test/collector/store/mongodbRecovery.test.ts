/**
 * Exactly-once counting across failures in the middle of a batch (MongoWriter): a failed unit
 * is finished by the retry, by the next batch, or — when its collector is gone — by any
 * other store's recovery, and every document gets its deltas once. The failure is injected
 * into one collection of a real database (the server cannot fail on cue); everything else,
 * including the documents already reached before the failure, is real.
 */
import { MongoClient, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRetryable } from '../../../collector/errors.js';
import { COLLECTIONS } from '../../../collector/store/mongodb/documents.js';
import { FerretDbCompatibility } from '../../../collector/store/mongodb/FerretDbCompatibility.js';
import { MongoWriter } from '../../../collector/store/mongodb/MongoWriter.js';
import { mongodbProtocol, type WriteProtocol } from '../../../collector/store/mongodb/WriteProtocol.js';
import { toPipelineError } from '../../../collector/store/mongodb/mongoErrors.js';
import type { SpanRecord, Store } from '../../../collector/store/types.js';
import { at, day, mixedBatch } from './contract/records.js';
import { withFailingWrites } from './failingCollections.js';
import { dropDatabasesAfterAll, freshDatabase, freshStore, mongodbUri, skipReason } from './mongodbSupport.js';

async function totals(store: Store) {
  const ALL = { from: at(-24), to: at(48) };
  const hours = (await store.findRollups({ ...ALL, period: 'hour', level: 'service' })).sort((a, b) => a.start.getTime() - b.start.getTime());
  const days = await store.findRollups({ ...ALL, period: 'day', level: 'endpoint' });
  const agentDays = await store.findAgentDays({ fromDate: day(0), toDate: day(1) });
  const services = await store.listServices();
  const session = await store.findSession('shop', 's0');
  return {
    hourRequests: hours.reduce((sum, h) => sum + h.requestCount, 0),
    hourTime: hours.reduce((sum, h) => sum + h.totalResponseTime, 0),
    hourUsers: hours.map((h) => h.activeUsers),
    dayEndpointRequests: days.reduce((sum, d) => sum + d.requestCount, 0),
    agentRequests: agentDays.reduce((sum, d) => sum + d.requestCount, 0),
    agentUsers: agentDays.map((d) => d.activeUsers),
    spans: services.reduce((sum, s) => sum + s.spanCount, 0),
    s0Requests: session?.requestCount ?? 0,
    stored: (await store.findRequests({ ...ALL, limit: 100_000 })).length,
  };
}

/** What totals() must show for these records, each counted once. */
function expected(records: SpanRecord[]) {
  const requests = records.filter((r) => r.kind === 'request');
  const agentRecords = records.filter((r) => r.agentName !== null);
  const sessionsOf = (list: SpanRecord[]) => new Set(list.map((r) => r.sessionId).filter((s) => s !== null)).size;
  return {
    hourRequests: requests.length,
    hourTime: requests.reduce((sum, r) => sum + r.responseTime, 0),
    hourUsers: [...new Set(requests.map((r) => Math.floor(r.timestamp.getTime() / 3_600_000)))].sort((a, b) => a - b)
      .map((hour) => sessionsOf(requests.filter((r) => Math.floor(r.timestamp.getTime() / 3_600_000) === hour))),
    dayEndpointRequests: requests.length,
    agentRequests: agentRecords.length,
    agentUsers: [sessionsOf(agentRecords)],
    spans: records.length,
    s0Requests: requests.filter((r) => r.sessionId === 's0').length,
    stored: requests.length,
  };
}

// Both ways of guarding: atomic guarded filters (MongoDB) and guards read under the write lease (FerretDB).
// One writer at a time here, so the MongoDB protocol is exact on FerretDB as well.
const protocols: Record<string, (db: Db) => WriteProtocol> = {
  mongodb: () => mongodbProtocol,
  ferretdb: (db) => new FerretDbCompatibility(db.collection(COLLECTIONS.locks), 10_000, 5000),
};
const writerOptions = { unitLeaseMs: 60_000, heartbeatMs: 600_000, maxRecoveryAttempts: 8 };

describe.skipIf(mongodbUri === null).each(Object.keys(protocols))(`MongoWriter failures, %s protocol${mongodbUri === null ? ` (skipped: ${skipReason})` : ''}`, (protocolName) => {
  const writerOn = (db: Db, id: string, options: Partial<typeof writerOptions> = {}) =>
    new MongoWriter(db, id, protocols[protocolName]!(db), { ...writerOptions, ...options });
  dropDatabasesAfterAll();
  let client: MongoClient;
  beforeAll(async () => {
    client = new MongoClient(mongodbUri!, { serverSelectionTimeoutMS: 3000, maxPoolSize: 5 });
    await client.connect();
  });
  afterAll(async () => client?.close());

  /** A started store on a fresh database, for reading and for writing as another collector. */
  async function storeAndDb() {
    const database = freshDatabase();
    const store = freshStore({ database, recoveryIntervalMs: 0 });
    await store.start();
    return { store, db: client.db(database) };
  }

  it('finishes a unit that failed half-way when the same batch is retried, counting every document once', async () => {
    const { store, db } = await storeAndDb();
    const fail = { on: true };
    const writer = writerOn(withFailingWrites(db, COLLECTIONS.services, () => fail.on), 'w1');
    const batch = mixedBatch(40);

    const error = await writer.write(batch).catch((e: unknown) => e);
    expect(isRetryable(toPipelineError(error, 'write'))).toBe(true);
    // The failure came after the rollups were reached: they already carry this unit.
    expect((await totals(store)).hourRequests).toBe(30);
    expect((await totals(store)).spans).toBe(0);

    fail.on = false;
    expect(await writer.write(batch)).toEqual({ stored: 40, duplicates: 0, rejected: [] });
    expect(await totals(store)).toEqual(expected(batch));
    // The finished unit's document goes with the next unit, or once the writer settles.
    await writer.settleFinished();
    expect(await db.collection(COLLECTIONS.spanUnits).countDocuments({ seq: { $exists: true } })).toBe(0);
    await store.shutdown();
  });

  it('finishes the failed unit before the next batch when the failed one is not retried', async () => {
    const { store, db } = await storeAndDb();
    const fail = { on: true };
    const writer = writerOn(withFailingWrites(db, COLLECTIONS.userSessions, () => fail.on), 'w2');
    const first = mixedBatch(30);
    const second = mixedBatch(20, 11);
    await expect(writer.write(first)).rejects.toThrow(/injected/);
    fail.on = false;
    expect(await writer.write(second)).toEqual({ stored: 20, duplicates: 0, rejected: [] });
    const all = [...first, ...second];
    expect(await totals(store)).toEqual(expected(all));
    await store.shutdown();
  });

  it('lets another collector complete the unit of one that stopped, once, while it sees those spans as duplicates', async () => {
    const { store, db } = await storeAndDb();
    const dead = writerOn(withFailingWrites(db, COLLECTIONS.agentMetrics, () => true), 'dead', { unitLeaseMs: 1 });
    const batch = mixedBatch(48);
    await expect(dead.write(batch)).rejects.toThrow(/injected/);

    // The exporter retries at another collector, regrouped, with new spans too.
    const regrouped = [...batch].reverse();
    const extra = mixedBatch(8, 12);
    const result = await store.write([...regrouped.slice(0, 20), ...extra, ...regrouped.slice(20)]);
    expect(result).toEqual({ stored: 8, duplicates: 48, rejected: [] });

    expect(await store.recoverStaleUnits()).toBe(1);
    expect(await store.recoverStaleUnits()).toBe(0);
    const all = [...batch, ...extra];
    expect(await totals(store)).toEqual(expected(all));
    await store.shutdown();
  });
});
