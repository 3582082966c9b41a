/**
 * writeExport's manners with a slow or vanishing reader, on a real store: a reader that stops
 * reading holds the export where it is (the store is read no further: backpressure), and one
 * that goes away ends it at once with ExportAborted, so nothing is left waiting for a 'drain'
 * that never comes. The reader is Node's own Writable, taking chunks until told to stall, as a
 * socket whose peer stopped reading does.
 */
import { Writable } from 'node:stream';
import { afterEach, expect, it } from 'vitest';
import type { ExportRequest } from '../../../api/export/exportQuery.js';
import { DEFAULT_SLO } from '../../../api/export/slaReport.js';
import { ExportAborted, writeExport } from '../../../api/export/writeExport.js';
import type { RollupQuery } from '../../../collector/store/types.js';
import { makeSpans, otlpProtobuf, serverSpan } from '../../support/otelSpans.js';
import { startTestSpanpulse, type TestSpanpulse } from '../../support/spanpulse.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let sp: TestSpanpulse | undefined;
afterEach(async () => {
  await sp?.stop();
  sp = undefined;
});

it('stalls with a stalled reader and ends with ExportAborted when it goes away', { timeout: 30_000 }, async () => {
  sp = await startTestSpanpulse();
  const today = Math.floor(Date.now() / DAY) * DAY;
  const specs = Array.from({ length: 10 * 24 }, (_, i) => serverSpan({ route: `/r${i % 5}`, status: 200, startMs: today - 10 * DAY + i * HOUR, durationMs: 3 }));
  expect((await sp.post(otlpProtobuf(makeSpans(specs)))).status).toBe(200);

  const reads: RollupQuery[] = [];
  const store = sp.store;
  const reader = { findRollups: (query: RollupQuery) => (reads.push(query), store.findRollups(query)) };
  let taken = 0;
  let stalled = false;
  // Takes the header and the first day's rows, then stops taking anything.
  const out = new Writable({
    highWaterMark: 1,
    write(_chunk, _encoding, callback) {
      taken += 1;
      if (reads.length < 2) callback();
      else stalled = true;
    },
  });
  const request: ExportRequest = {
    report: 'hourly', format: 'csv', by: 'endpoint', from: new Date(today - 10 * DAY), to: new Date(today), month: null, serviceName: undefined,
  };
  const exporting = writeExport(out, reader, request, DEFAULT_SLO);
  const outcome = exporting.then(() => 'finished', (error: unknown) => error);

  await expect.poll(() => stalled, { timeout: 10_000 }).toBe(true);
  // Held at the stalled write: no further day read while the reader takes nothing.
  const readsWhenStalled = reads.length;
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(reads.length).toBe(readsWhenStalled);
  expect(readsWhenStalled).toBeLessThan(10);
  expect(taken).toBeGreaterThan(1);

  out.destroy();
  expect(await outcome).toBeInstanceOf(ExportAborted);
  expect(reads.length).toBe(readsWhenStalled);
});
