/**
 * A MongoDB outage as an OTel exporter sees it over HTTP: with the collector's store server
 * (a FerretDB of this test's own) stopped, OTLP requests get 503 with Retry-After (never
 * 500, never a hang, the collector keeps serving); once the server is back, ingestion resumes
 * by itself and the requests resent by the exporter are counted exactly once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { makeSpans, otlpProtobuf, serverSpan } from '../support/otelSpans.js';
import { startTestSpanpulse, type TestSpanpulse } from '../support/spanpulse.js';
import { mongodbUri, ownFerretdb, skipReason } from './store/mongodbSupport.js';

const server = ownFerretdb('spanpulse-http-outage-');
let sp: TestSpanpulse | undefined;
// Registered after the server's: hooks run in reverse, so the collector stops before its server.
afterAll(async () => {
  await sp?.stop();
});

const minute = Date.now() - 10 * 60_000;
const bodies = Array.from({ length: 4 }, (_, b) => otlpProtobuf(makeSpans(Array.from({ length: 25 }, (_, i) =>
  serverSpan({ service: 'outage', route: '/r', status: 200, startMs: minute + b * 1000 + i, durationMs: 2, sessionId: `s${i % 3}` })))));

describe.skipIf(mongodbUri === null)(`OTLP during a MongoDB outage${mongodbUri === null ? ` (skipped: ${skipReason})` : ''}`, () => {
  it('answers 503 with Retry-After while the store is down and resumes by itself', async (context) => {
    sp = await startTestSpanpulse({ mongoUri: await server.start(context), mongoDatabase: 'http_outage' });
    expect((await sp.post(bodies[0]!)).status).toBe(200);

    await server.stop();
    const down = await sp.post(bodies[1]!);
    expect(down.status).toBe(503);
    expect(Number(down.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await down.text()).toMatch(/./);
    const status = await (await fetch(`${sp.apiUrl}/api/status`)).json() as { store: { reachable: boolean } };
    expect(status.store.reachable).toBe(false);

    await server.start(context);
    // The exporter resends what was refused; the collector itself was never restarted.
    for (const body of bodies.slice(1)) {
      let answer = 0;
      for (let attempt = 0; attempt < 40 && answer !== 200; attempt++) {
        answer = (await sp.post(body)).status;
        if (answer !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(answer).toBe(200);
    }
    expect((await sp.post(bodies[1]!)).status).toBe(200); // a duplicate delivery changes nothing
    const [service] = await sp.store.listServices();
    expect(service).toMatchObject({ serviceName: 'outage', spanCount: 100 });
    expect(await sp.store.findSession('outage', 's0')).toMatchObject({ requestCount: 36 });
  });
});
