/**
 * The error model of the MongoDB store (storeErrors.ts, mongoErrors.ts) against real
 * failures: a document that cannot be stored for its size is rejected alone (partial success
 * of its request only); a stopped server and a server selection timeout make the whole write
 * a retryable 503 with Retry-After, change nothing, and the same batch sent again once the
 * server is back counts exactly once. Plus the two bounds of the write protocol: the
 * `appliedSeq` entries of stopped writers are removed with totals unchanged, and a unit that
 * keeps failing is given up after maxRecoveryAttempts so that the writer goes on (the one
 * failure the server cannot produce on cue, injected at the driver's collection level).
 */
import { MongoClient, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRetryable } from '../../../collector/errors.js';
import { COLLECTIONS } from '../../../collector/store/mongodb/documents.js';
import { FerretDbCompatibility } from '../../../collector/store/mongodb/FerretDbCompatibility.js';
import { MongoStore } from '../../../collector/store/mongodb/MongoStore.js';
import { MongoWriter } from '../../../collector/store/mongodb/MongoWriter.js';
import { toPipelineError } from '../../../collector/store/mongodb/mongoErrors.js';
import { mongodbProtocol, type WriteProtocol } from '../../../collector/store/mongodb/WriteProtocol.js';
import { GUARDED_COLLECTIONS } from '../../../collector/store/mongodb/writerHeartbeats.js';
import type { SpanRecord } from '../../../collector/store/types.js';
import { at, invocation, mixedBatch, request } from './contract/records.js';
import { withFailingWrites } from './failingCollections.js';
import {
  expectedSnapshot, expectRetryable, rejectionsOf, snapshotOf, untilAvailable, writeAsOneGroupCommit,
} from './faultSupport.js';
import { dropDatabasesAfterAll, freshDatabase, freshStore, mongodbUri, ownFerretdb, skipReason } from './mongodbSupport.js';

const skipped = mongodbUri === null ? ` (skipped: ${skipReason})` : '';
const control = () => freshStore({ recoveryIntervalMs: 0 });

describe.skipIf(mongodbUri === null)(`MongoDB store faults${skipped}`, () => {
  dropDatabasesAfterAll();
  let client: MongoClient;
  const stores: MongoStore[] = [];
  beforeAll(async () => {
    client = new MongoClient(mongodbUri!, { serverSelectionTimeoutMS: 3000, maxPoolSize: 5 });
    await client.connect();
  });
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.shutdown()));
    await client?.close();
  });

  async function started(store: MongoStore): Promise<MongoStore> {
    stores.push(store);
    await store.start();
    return store;
  }

  it('rejects a document too large to store alone: the other records and requests of the group commit are stored, and a retry counts them once', async () => {
    const store = await started(freshStore({ recoveryIntervalMs: 0 }));
    const baseline = mixedBatch(12, 9);
    await store.write(baseline);
    // Larger than a BSON document may be (16 MiB). Mapping cuts every string far shorter;
    // the store must still refuse such a record alone.
    const tooLarge = 'x'.repeat(17 * 1024 * 1024);
    const hugeRequest = request({ sessionId: 's1', userAgent: tooLarge, timestamp: at(10, 5) });
    const hugeInvocation = invocation({ sessionId: 's2', operation: tooLarge, timestamp: at(10, 6) });
    const [a, b, c] = [mixedBatch(6, 10), mixedBatch(5, 11), mixedBatch(3, 12)];
    const requests = [[...a.slice(0, 3), hugeRequest, ...a.slice(3)], b, [hugeInvocation, ...c]];
    const tooLargeReason = /the document is \d+ bytes; a BSON document must be under 16777216/;

    const outcomes = await writeAsOneGroupCommit(store, baseline.slice(0, 1), requests);
    expect(outcomes).toEqual([rejectionsOf([hugeRequest], tooLargeReason), [], rejectionsOf([hugeInvocation], tooLargeReason)]);
    const expected = await expectedSnapshot(control, [...baseline, ...a, ...b, ...c]);
    expect(await snapshotOf(store)).toEqual(expected);

    expect(await writeAsOneGroupCommit(store, baseline.slice(0, 1), requests)).toEqual(outcomes);
    expect(await store.write(requests.flat())).toEqual({ stored: 0, duplicates: 14, rejected: rejectionsOf([hugeRequest, hugeInvocation], tooLargeReason) });
    expect(await snapshotOf(store)).toEqual(expected);
  });

  describe('a server that stops', () => {
    const server = ownFerretdb('spanpulse-mongodb-faults-');

    it('fails every request of the group commit with a retryable 503, changes nothing, and after the restart the same batch counts once', async (context) => {
      const uri = await server.start(context);
      const store = await started(new MongoStore({ uri, database: 'faults_stopped', timeoutMs: 1500, recoveryIntervalMs: 0 }));
      const baseline = mixedBatch(24, 9);
      await store.write(baseline);
      const before = await snapshotOf(store);
      const requests = [mixedBatch(30, 10), mixedBatch(10, 11)];

      await server.stop();
      const outcomes = await writeAsOneGroupCommit(store, baseline.slice(0, 1), requests);
      for (const outcome of outcomes) expectRetryable(outcome, /mongodb store write failed/);
      // Whether the driver meets a refused connection or finds no server to select, it stays retryable.
      expectRetryable(await store.write(mixedBatch(4, 12)).catch((error: unknown) => error), /mongodb store write failed/);
      expectRetryable(await store.listServices().catch((error: unknown) => error), /mongodb store listServices failed/);

      await server.start(context);
      expect(await untilAvailable(() => snapshotOf(store))).toEqual(before);
      expect(await untilAvailable(() => writeAsOneGroupCommit(store, baseline.slice(0, 1), requests))).toEqual([[], []]);
      expect(await store.write(requests.flat())).toEqual({ stored: 0, duplicates: 40, rejected: [] });
      expect(await snapshotOf(store)).toEqual(await expectedSnapshot(control, [...baseline, ...requests.flat()]));
    });

    // A running store may meet a refused connection before the driver gives its server up, so
    // the selection timeout is produced where it comes for certain: at start, with no server.
    it('answers a server selection timeout with a retryable 503', async (context) => {
      const uri = await server.start(context);
      await server.stop();
      expectSelectionTimeout(await new MongoStore({ uri, timeoutMs: 500, recoveryIntervalMs: 0 }).start().catch((e: unknown) => e));
    });
  });

  it('removes the appliedSeq entries of stopped writers from every document, totals unchanged', async () => {
    const database = freshDatabase();
    const db = client.db(database);
    const batches = [mixedBatch(20, 9), mixedBatch(16, 9), mixedBatch(12, 10), mixedBatch(8, 10)];
    // Each store is a new writer (as a collector is after each restart), all on the same documents.
    for (const batch of batches.slice(0, 3)) {
      const stopped = await started(freshStore({ database, heartbeatMs: 1, recoveryIntervalMs: 0, cleanupIntervalMs: 0 }));
      await stopped.write(batch);
      await stopped.shutdown();
    }
    const live = await started(freshStore({ database, unitLeaseMs: 1, recoveryIntervalMs: 0, cleanupIntervalMs: 0 }));
    await live.write(batches[3]!);
    const before = await snapshotOf(live);
    expect((await appliedSeqWriters(db)).size).toBe(4);

    expect(await live.removeDeadWriters()).toHaveLength(3);
    const heartbeats = await db.collection(COLLECTIONS.spanUnits).find({ _id: { $regex: '^writer:' } } as never).toArray();
    expect(heartbeats).toHaveLength(1);
    expect([...await appliedSeqWriters(db)]).toEqual([String(heartbeats[0]!._id).slice('writer:'.length)]);
    expect(await snapshotOf(live)).toEqual(before);
    expect(before).toEqual(await expectedSnapshot(control, batches.flat()));
    expect(await live.removeDeadWriters()).toEqual([]);
  });

  it('gives up a unit that keeps failing after maxRecoveryAttempts and goes on with later batches; the sweep completes it once the fault clears', async () => {
    const database = freshDatabase();
    const store = await started(freshStore({ database, recoveryIntervalMs: 0 }));
    const db = client.db(database);
    // Every write to the services document of service `stuck` fails while the fault lasts.
    const fault = { on: true };
    const failing = withFailingWrites(db, COLLECTIONS.services, (operations) => fault.on && JSON.stringify(operations).includes('stuck'));
    const writer = new MongoWriter(failing, 'giving-up', protocolFor(store, db), { unitLeaseMs: 1, heartbeatMs: 600_000, maxRecoveryAttempts: 3 });
    const stuck: SpanRecord[] = mixedBatch(20, 9).map((record) => ({ ...record, serviceName: 'stuck' }));

    for (let attempt = 1; attempt <= 3; attempt++) {
      const error = await writer.write(stuck).catch((e: unknown) => e);
      expect(isRetryable(toPipelineError(error, 'write'))).toBe(true);
    }
    expect(writer.pendingUnitId()).toBeUndefined();
    // The fault goes on, but the next batch does not try the given-up unit first.
    const later = mixedBatch(16, 10);
    expect(await writer.write(later)).toEqual({ stored: 16, duplicates: 0, rejected: [] });
    expect(await db.collection(COLLECTIONS.spanUnits).countDocuments({ _id: 'giving-up:1' } as never)).toBe(1);

    fault.on = false;
    // As the writer does once idle: the finished unit's document goes, the given-up one stays.
    await writer.settleFinished();
    expect(await store.recoverStaleUnits()).toBe(1);
    expect(await store.write(stuck)).toEqual({ stored: 0, duplicates: 20, rejected: [] });
    expect(await snapshotOf(store)).toEqual(await expectedSnapshot(control, [...stuck, ...later]));
  });
});

/** A retryable 503 caused by the driver finding no server within its timeout. */
function expectSelectionTimeout(error: unknown): void {
  expectRetryable(error, /mongodb store start failed/);
  expect((error as Error).cause).toMatchObject({ name: 'MongoServerSelectionError' });
}

/** The writers named in the appliedSeq entries of all guarded documents. */
async function appliedSeqWriters(db: Db): Promise<Set<string>> {
  const writers = new Set<string>();
  for (const name of GUARDED_COLLECTIONS) {
    for (const doc of await db.collection(name).find({}, { projection: { appliedSeq: 1 } }).toArray()) {
      for (const writer of Object.keys((doc['appliedSeq'] as Record<string, number> | undefined) ?? {})) writers.add(writer);
    }
  }
  return writers;
}

/** The protocol `store` found for its server, for a writer of the test's own on `db`. */
function protocolFor(store: MongoStore, db: Db): WriteProtocol {
  return store.serverInfo?.protocol === 'ferretdb' ? new FerretDbCompatibility(db.collection(COLLECTIONS.locks), 10_000, 5000) : mongodbProtocol;
}
