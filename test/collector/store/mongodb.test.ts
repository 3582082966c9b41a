/**
 * The MongoDB store: the shared contract suite on a fresh database per store, plus what only
 * MongoDB has (indexes, TTL retention, documents as dashboards read them).
 * Runs against the server of test/mongodbServer.ts (FerretDB, or MONGODB_URI).
 */
import { describe } from 'vitest';
import { runStoreContract } from './storeContract.js';
import { dropDatabasesAfterAll, freshStore, mongodbUri, skipReason } from './mongodbSupport.js';

describe.skipIf(mongodbUri === null)(`MongoStore${mongodbUri === null ? ` (skipped: ${skipReason})` : ''}`, () => {
  dropDatabasesAfterAll();
  runStoreContract('mongodb', async () => freshStore());
});
