/**
 * Shared by the MongoDB store tests: the test server from the global setup
 * (test/mongodbServer.ts), a fresh database name per store, and dropping them afterwards;
 * and a FerretDB of a test's own, for tests that stop their server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, inject, type TestContext } from 'vitest';
import { MongoStore, type MongoStoreOptions } from '../../../collector/store/mongodb/MongoStore.js';
import { startFerretdb, stopFerretdb } from '../../mongodbServer.js';

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

/**
 * A FerretDB of this test file's own (so stopping it disturbs no other test), even when
 * MONGODB_URI names another server; stopped and removed after all tests. `start` resolves to
 * its URI (a restart keeps it), or skips the test when FerretDB cannot be started (fails in CI).
 */
export function ownFerretdb(prefix: string): { dir: string; start(context: TestContext): Promise<string>; stop(): Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(async () => {
    await stopFerretdb(dir).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    start: async (context) => {
      const started = await startFerretdb(dir).catch((error: unknown) => error as Error);
      if (!(started instanceof Error)) return started;
      if (process.env['CI'] === 'true') throw started;
      context.skip(`FerretDB could not be started: ${started.message}`);
      throw started;
    },
    stop: () => stopFerretdb(dir),
  };
}
