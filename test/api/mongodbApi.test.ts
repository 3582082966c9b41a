/**
 * The status API contract on the MongoDB store, seeded through the real pipeline. Runs
 * against the server of test/mongodbServer.ts (FerretDB, or MONGODB_URI); skipped with the
 * reason when there is none.
 */
import { describe } from 'vitest';
import { dropDatabasesAfterAll, freshDatabase, mongodbUri, skipReason } from '../collector/store/mongodbSupport.js';
import { startTestSpanpulse } from '../support/spanpulse.js';
import { runApiContract } from './apiContract.js';

// Without the global setup (plain `vitest run` before it is wired in), inject() gives undefined.
const uri = mongodbUri ?? null;

describe.skipIf(uri === null)(`status API on MongoDB${uri === null ? ` (skipped: ${skipReason ?? 'no global setup'})` : ''}`, () => {
  dropDatabasesAfterAll();
  runApiContract('mongodb', 'mongodb', () => startTestSpanpulse({ mongoUri: uri!, mongoDatabase: freshDatabase() }));
});
