/**
 * upsertedDocument must produce exactly the document the server's own upsert creates from
 * the same counter update (the FerretDB mode inserts it instead of upserting): both are
 * written to the test server and read back. Null values are left out of the comparison
 * because FerretDB 1.x drops nulls given to `$setOnInsert` (readers treat absent as null).
 */
import { MongoClient, type Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentDayUpdate, rollupUpdate, serviceUpdate, sessionUpdate } from '../../../collector/store/mongodb/counterUpdates.js';
import { upsertedDocument } from '../../../collector/store/mongodb/FerretDbCompatibility.js';
import { aggregateRecords } from '../../../collector/store/recordAggregation.js';
import { at, invocation, request } from './contract/records.js';
import { dropDatabasesAfterAll, freshDatabase, mongodbUri, skipReason } from './mongodbSupport.js';

function withoutNulls(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  return Object.fromEntries(Object.entries(value as Document).filter(([, v]) => v !== null).map(([k, v]) => [k, withoutNulls(v)]));
}

describe.skipIf(mongodbUri === null)(`upsertedDocument${mongodbUri === null ? ` (skipped: ${skipReason})` : ''}`, () => {
  dropDatabasesAfterAll();
  let client: MongoClient;
  beforeAll(async () => {
    client = new MongoClient(mongodbUri!, { serverSelectionTimeoutMS: 3000, maxPoolSize: 2 });
    await client.connect();
  });
  afterAll(async () => client?.close());

  it('equals the document created by the upsert of every kind of counter update', async () => {
    const db = client.db(freshDatabase());
    const unit = { id: 'w:3', writer: 'w', seq: 3 };
    const deltas = aggregateRecords([
      request({ sessionId: 's1', userId: 'u1', agentName: 'support', responseTime: 12, timestamp: at(10, 5), inputTokens: 4 }),
      request({ sessionId: 's1', statusCode: 500, outcome: 'error', responseTime: 250, timestamp: at(10, 7) }),
      request({ sessionId: null, endpoint: '/b', method: 'POST', responseTime: 3.5, timestamp: at(11) }),
      invocation({ sessionId: 's2', responseTime: 40, timestamp: at(10, 9), outputTokens: 9 }),
    ]);
    const updates = [
      ...deltas.rollups.map((d) => rollupUpdate(d, unit, 2)),
      ...deltas.agentDays.map((d) => agentDayUpdate(d, unit, 1)),
      ...deltas.sessions.map((d) => sessionUpdate(d, unit)),
      ...deltas.services.map((d) => serviceUpdate(d, unit)),
    ].map((op) => (op as { updateOne: { filter: Document; update: Document } }).updateOne);
    expect(updates.length).toBeGreaterThan(8);

    const upserted = db.collection<{ _id: string }>('by_upsert');
    const inserted = db.collection<{ _id: string }>('by_insert');
    for (const { filter, update } of updates) {
      await upserted.updateOne(filter, update, { upsert: true });
      await inserted.insertOne(upsertedDocument(String(filter['_id']), update));
    }
    const read = async (c: typeof upserted) => (await c.find().toArray()).sort((a, b) => a._id.localeCompare(b._id)).map(withoutNulls);
    const byUpsert = await read(upserted);
    expect(byUpsert).toHaveLength(updates.length);
    expect(await read(inserted)).toEqual(byUpsert);
  });

  it('refuses update operators it does not know, instead of inserting something else', () => {
    expect(() => upsertedDocument('x', { $push: { list: 1 } })).toThrow(/\$push/);
  });
});
