/**
 * The MongoDB store: the shared contract suite on a fresh database per store, plus what only
 * MongoDB has (indexes and TTL retention, documents as dashboards and mongosh read them).
 * Runs against the server of test/mongodbServer.ts (FerretDB, or MONGODB_URI).
 */
import { MongoClient, type Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLLECTIONS } from '../../../collector/store/mongodb/documents.js';
import { indexPlan } from '../../../collector/store/mongodb/mongoIndexes.js';
import { DEFAULT_RETENTION } from '../../../collector/store/createStore.js';
import { at, day, invocation, request } from './contract/records.js';
import { dropDatabasesAfterAll, freshDatabase, freshStore, mongodbUri, skipReason } from './mongodbSupport.js';
import { runStoreContract } from './storeContract.js';

const DAY_S = 86_400;

describe.skipIf(mongodbUri === null)(`MongoStore${mongodbUri === null ? ` (skipped: ${skipReason})` : ''}`, () => {
  dropDatabasesAfterAll();
  runStoreContract('mongodb', async () => freshStore());

  let client: MongoClient;
  beforeAll(async () => {
    client = new MongoClient(mongodbUri!, { serverSelectionTimeoutMS: 3000, maxPoolSize: 5 });
    await client.connect();
  });
  afterAll(async () => client?.close());

  async function indexesOf(database: string, collection: string): Promise<Document[]> {
    return client.db(database).collection(collection).listIndexes().toArray();
  }

  describe('indexes', () => {
    it('creates every planned index on start, and a second start on the same database is harmless', async () => {
      const database = freshDatabase();
      const first = freshStore({ database });
      await first.start();
      await first.write([request({ sessionId: 's1' })]);
      await first.shutdown();
      const second = freshStore({ database });
      await second.start();
      expect(await second.write([request({ sessionId: 's2' })])).toEqual({ stored: 1, duplicates: 0, rejected: [] });
      const ttlSupported = second.serverInfo!.ttlSupported;
      await second.shutdown();

      for (const plan of indexPlan(DEFAULT_RETENTION)) {
        const index = (await indexesOf(database, plan.collection)).find((i) => JSON.stringify(i['key']) === JSON.stringify(plan.key));
        expect(index, `${plan.collection} ${JSON.stringify(plan.key)}`).toBeDefined();
        if (plan.unique === true) expect(index!['unique']).toBe(true);
        if (plan.ttlMs !== undefined && ttlSupported) expect(index!['expireAfterSeconds']).toBe(plan.ttlMs / 1000);
      }
      const rawUnique = (await indexesOf(database, COLLECTIONS.apiMetrics)).find((i) => i['unique'] === true);
      expect(rawUnique!['key']).toEqual({ traceId: 1, spanId: 1 });
    });

    it('retention periods are TTL indexes where the server has them, and a changed period is applied on start', async (context) => {
      const database = freshDatabase();
      const store = freshStore({ database });
      await store.start();
      await store.shutdown();
      if (!store.serverInfo!.ttlSupported) {
        // FerretDB 1.x answers NotImplemented to expireAfterSeconds: retention is deleteExpired's (contract suite).
        expect(store.serverInfo!.ferretdb).toBe(true);
        context.skip('this server has no TTL indexes (FerretDB 1.x)');
      }
      const changed = freshStore({ database, retention: { apiMetricsMs: 7 * DAY_S * 1000 } });
      await changed.start();
      await changed.shutdown();
      const ttl = (await indexesOf(database, COLLECTIONS.apiMetrics)).find((i) => i['key']?.['timestamp'] === 1 && !i['key']?.['serviceName']);
      expect(ttl!['expireAfterSeconds']).toBe(7 * DAY_S);
      const hourly = (await indexesOf(database, COLLECTIONS.hourlyMetrics)).find((i) => i['expireAfterSeconds'] !== undefined);
      expect(hourly!['expireAfterSeconds']).toBe(90 * DAY_S);
    });
  });

  describe('documents as dashboards read them', () => {
    it('writes the SPEC field names into every collection', async () => {
      const database = freshDatabase();
      const store = freshStore({ database });
      await store.start();
      await store.write([
        request({ sessionId: 's1', userId: 'u1', agentName: 'support', endpoint: '/api/agents/:agent/chat', method: 'POST', statusCode: 201,
          responseTime: 30, timestamp: at(10, 5), ipAddress: '10.0.0.1', userAgent: 'curl/8', inputTokens: 5, outputTokens: 7 }),
        request({ sessionId: 's1', agentName: 'support', responseTime: 50, timestamp: at(10, 6), statusCode: 502, outcome: 'error' }),
        invocation({ sessionId: 's2', agentName: 'support', responseTime: 20, timestamp: at(10, 7) }),
      ]);
      await store.shutdown();
      const db = client.db(database);
      const find = (name: string, filter: Document = {}) => db.collection(name).find(filter, { projection: { _id: 0 } }).toArray();

      expect(await find(COLLECTIONS.apiMetrics, { statusCode: 201 })).toMatchObject([{
        endpoint: '/api/agents/:agent/chat', method: 'POST', statusCode: 201, responseTime: 30, timestamp: at(10, 5), sessionId: 's1',
        agentName: 'support', serviceName: 'shop', traceId: expect.any(String), spanId: expect.any(String),
      }]);
      expect(await find(COLLECTIONS.agentInvocations)).toMatchObject([{ agentName: 'support', operation: 'invoke_agent support', responseTime: 20 }]);
      expect(await find(COLLECTIONS.userSessions, { sessionId: 's1' })).toMatchObject([{
        sessionId: 's1', userId: 'u1', ipAddress: '10.0.0.1', userAgent: 'curl/8', startTime: at(10, 5), lastActivity: at(10, 6, 0.05),
        isActive: true, serviceName: 'shop', requestCount: 2,
      }]);
      expect(await find(COLLECTIONS.agentMetrics)).toMatchObject([{
        agentName: 'support', date: day(0), serviceName: 'shop', requestCount: 3, successCount: 2, errorCount: 1,
        totalResponseTime: 100, avgResponseTime: 100 / 3, activeUsers: 2, invocationCount: 1,
      }]);
      expect(await find(COLLECTIONS.hourlyMetrics, { level: 'service' })).toMatchObject([{
        serviceName: 'shop', start: at(10), endpoint: null, method: null, agentName: null, requestCount: 2, successCount: 1,
        errorCount: 1, clientErrorCount: 0, totalResponseTime: 80, minResponseTime: 30, maxResponseTime: 50, activeUsers: 1,
        latencyHistogram: expect.any(Object),
      }]);
      expect(await find(COLLECTIONS.dailyMetrics, { level: 'endpoint' })).toHaveLength(2);
      // No unit is left once the store has shut down; its writer's heartbeat stays until the cleanup of stopped writers.
      expect(await db.collection(COLLECTIONS.spanUnits).find({}, { projection: { _id: 1, aliveUntil: 1 } }).toArray())
        .toEqual([{ _id: expect.stringMatching(/^writer:/), aliveUntil: expect.any(Date) }]);
    });

    it('sets agent_metrics.avgResponseTime after the acknowledgement on the MongoDB protocol, by the latest totals', async () => {
      // One writer, nothing concurrent: FerretDB's non-atomic updates do not matter here.
      const database = freshDatabase();
      const store = freshStore({ database, protocol: 'mongodb' });
      await store.start();
      const agentDay = () => client.db(database).collection(COLLECTIONS.agentMetrics).findOne({ agentName: 'support' });
      await store.write([request({ agentName: 'support', responseTime: 30, timestamp: at(10, 1) })]);
      await store.write([request({ agentName: 'support', responseTime: 90, timestamp: at(10, 2) })]);
      await expect.poll(async () => (await agentDay())?.['avgResponseTime'], { timeout: 10_000 }).toBe(60);
      await store.write([request({ agentName: 'support', responseTime: 180, timestamp: at(10, 3) })]);
      await store.shutdown(); // waits for the refresh still running
      expect(await agentDay()).toMatchObject({ requestCount: 3, totalResponseTime: 300, avgResponseTime: 100 });
    });
  });
});
