/**
 * A 60 s MongoDB outage under a real app (the NodeSDK with the stock OTLP/HTTP protobuf
 * exporter at its default retry settings, exporting at a steady rate): the collector's store
 * server (a FerretDB of this test's own) is stopped for 60 s, far longer than the exporter's
 * 10 s of retries, then started again. Nothing is lost and nothing doubled: every figure,
 * session and stored request equals what a control spanpulse given each span once shows.
 */
import { afterAll, describe, it } from 'vitest';
import { startTestSpanpulse, type TestSpanpulse } from '../../support/spanpulse.js';
import { dropDatabasesAfterAll, freshDatabase, mongodbUri, ownFerretdb, skipReason } from '../store/mongodbSupport.js';
import { expectCountedOnce, exportThroughOutage, sendOnce } from './steadyApp.js';

const server = ownFerretdb('spanpulse-sdk-outage-');
dropDatabasesAfterAll();
const running: TestSpanpulse[] = [];
// Registered after the server's: hooks run in reverse, so the collectors stop before their servers.
afterAll(async () => {
  await Promise.all(running.map((sp) => sp.stop()));
});

describe.skipIf(mongodbUri === null)(`a 60 s MongoDB outage under the stock exporter${mongodbUri === null ? ` (skipped: ${skipReason})` : ''}`, () => {
  it('loses nothing and doubles nothing', async (context) => {
    const sp = await startTestSpanpulse({ mongoUri: await server.start(context), mongoDatabase: 'sdk_outage' });
    running.push(sp);
    const sent = await exportThroughOutage(sp, { begin: () => server.stop(), end: async () => { await server.start(context); } },
      { service: 'steady-mongodb', requests: 750, rate: 10, outageMs: 60_000 });

    const control = await startTestSpanpulse({ mongoUri: mongodbUri!, mongoDatabase: freshDatabase() });
    running.push(control);
    await sendOnce(control, sent);
    await expectCountedOnce(sp.store, control.store, sent);
  }, 300_000);
});
