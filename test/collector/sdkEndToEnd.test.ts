/**
 * End to end: a real NodeSDK (http + express instrumentation) in a child process exports
 * to spanpulse on port 0 over OTLP/HTTP, as http/protobuf and as http/json, and the
 * sessions, agents, API metrics and rollups it produced are checked in the store, on the
 * embedded store and on MongoDB (the test server of test/mongodbServer.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSpanpulse, type TestSpanpulse } from '../support/spanpulse.js';
import { expectScenarioStored, runScenarioApp } from './sdkScenario.js';
import { dropDatabasesAfterAll, freshDatabase, mongodbUri, skipReason } from './store/mongodbSupport.js';

let sp: TestSpanpulse;
dropDatabasesAfterAll();
if (mongodbUri === null) console.warn(`[sdkEndToEnd on mongodb skipped] ${skipReason}`);

describe.each([
  ['sqlite', {}],
  ['mongodb', { mongoUri: mongodbUri ?? '' }],
] as const)('on %s', (store, options) => {
  beforeAll(async () => {
    if (store === 'mongodb' && mongodbUri === null) return;
    sp = await startTestSpanpulse(store === 'mongodb' ? { ...options, mongoDatabase: freshDatabase() } : {});
  });
  afterAll(async () => {
    await sp?.stop();
  });

  describe.skipIf(store === 'mongodb' && mongodbUri === null).each(['http/protobuf', 'http/json'])('NodeSDK exporting %s', (protocol) => {
    const service = `e2e-${store}-${protocol.replace('/', '-')}`;
    it('produces sessions, agents, API metrics and rollups', async () => {
      const startedAt = new Date();
      const code = await runScenarioApp(sp.otlpUrl, protocol, service);
      expect(code).toBe(0);
      await expectScenarioStored(sp.store, service, startedAt);
    });
  });
});
