/**
 * A MongoDB outage as an OTel exporter sees it over HTTP, with the collector's store server (a
 * FerretDB of this test's own) stopped: with the spool (the default) requests are still
 * answered 200 and counted once the server is back; without it they get 503 with Retry-After
 * (never 500, never a hang). Either way ingestion resumes by itself and what the exporter
 * resends is counted exactly once.
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

async function startOutageCollector(context: { skip: (message: string) => void }, spool: boolean): Promise<TestSpanpulse> {
  sp = await startTestSpanpulse({ mongoUri: await server.start(context), mongoDatabase: `http_outage_${spool}`, spool });
  return sp;
}

async function postUntil200(body: Buffer): Promise<number> {
  let answer = 0;
  for (let attempt = 0; attempt < 40 && answer !== 200; attempt++) {
    answer = (await sp!.post(body)).status;
    if (answer !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return answer;
}

async function expectExactTotals(): Promise<void> {
  const [service] = await sp!.store.listServices();
  expect(service).toMatchObject({ serviceName: 'outage', spanCount: 100 });
  expect(await sp!.store.findSession('outage', 's0')).toMatchObject({ requestCount: 36 });
}

describe.skipIf(mongodbUri === null)(`OTLP during a MongoDB outage${mongodbUri === null ? ` (skipped: ${skipReason})` : ''}`, () => {
  it('without the spool: answers 503 with Retry-After while the store is down and resumes by itself', async (context) => {
    await startOutageCollector(context, false);
    expect((await sp!.post(bodies[0]!)).status).toBe(200);

    await server.stop();
    const down = await sp!.post(bodies[1]!);
    expect(down.status).toBe(503);
    expect(Number(down.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await down.text()).toMatch(/./);
    const status = await (await fetch(`${sp!.apiUrl}/api/status`)).json() as { store: { reachable: boolean } };
    expect(status.store.reachable).toBe(false);

    await server.start(context);
    // The exporter resends what was refused; the collector itself was never restarted.
    for (const body of bodies.slice(1)) expect(await postUntil200(body)).toBe(200);
    expect((await sp!.post(bodies[1]!)).status).toBe(200); // a duplicate delivery changes nothing
    await expectExactTotals();
    await sp!.stop();
    sp = undefined;
    await server.stop();
  });

  it('with the spool: acknowledges while the store is down, drains once it is back, counts once', async (context) => {
    await startOutageCollector(context, true);
    expect((await sp!.post(bodies[0]!)).status).toBe(200);

    await server.stop();
    for (const body of bodies.slice(1)) expect((await sp!.post(body)).status).toBe(200);
    const metrics = await (await fetch(`${sp!.apiUrl}/metrics`)).text();
    expect(metrics).toMatch(/^spanpulse_spool_records 75$/m);
    expect(metrics).toMatch(/^spanpulse_store_failing 1$/m);

    await server.start(context);
    // An exporter that timed out during the first, slow answer would resend: still counted once.
    expect((await sp!.post(bodies[1]!)).status).toBe(200);
    for (let i = 0; i < 80 && sp!.telemetry.snapshot().spool?.records !== 0; i++) await new Promise((resolve) => setTimeout(resolve, 250));
    expect(sp!.telemetry.snapshot().spool).toMatchObject({ records: 0, batches: 0, storeFailing: false });
    await expectExactTotals();
  });
});
