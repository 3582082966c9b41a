/**
 * Shared by the MongoDB store tests: the test server from the global setup
 * (test/mongodbServer.ts), a fresh database name per store, and dropping them afterwards.
 */
import { MongoClient } from 'mongodb';
import { afterAll, inject } from 'vitest';
import { MongoStore, type MongoStoreOptions } from '../../../collector/store/mongodb/MongoStore.js';

export const mongodbUri = inject('mongodbUri');
export const skipReason = inject('mongodbSkipReason');
export const isLocalFerretdb = inject('mongodbIsLocalFerretdb');

let databases = 0;
const created: string[] = [];

/** A database name no other test (or test run) uses. */
export function freshDatabase(): string {
  const name = `spanpulse_test_${process.pid}_${Date.now().toString(36)}_${++databases}`;
  created.push(name);
  return name;
}

/** A store on a fresh database (not started), with short timeouts so failures show quickly. */
export function freshStore(options: Partial<MongoStoreOptions> = {}): MongoStore {
  return new MongoStore({ uri: mongodbUri ?? '', database: freshDatabase(), timeoutMs: 3000, ...options });
}

/** Drops the databases this file created, so a real MongoDB is left as it was found. */
export function dropDatabasesAfterAll(): void {
  afterAll(async () => {
    if (mongodbUri === null || created.length === 0) return;
    const client = new MongoClient(mongodbUri, { serverSelectionTimeoutMS: 3000 });
    try {
      for (const name of created.splice(0)) await client.db(name).dropDatabase().catch(() => undefined);
    } finally {
      await client.close();
    }
  });
}
