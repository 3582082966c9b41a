/**
 * Group commit on a real SQLite store. A gate in front of the store holds a write open so
 * that requests arriving meanwhile can be observed queueing, batching and being refused.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PipelineError } from '../../../collector/errors.js';
import { GroupCommitWriter } from '../../../collector/pipeline/GroupCommitWriter.js';
import { SqliteStore } from '../../../collector/store/sqlite/SqliteStore.js';
import type { RequestRecord } from '../../../collector/store/types.js';
import { Telemetry } from '../../../collector/telemetry/Telemetry.js';
import { GatedStore } from '../../support/GatedStore.js';

let sequence = 0;
function records(count: number): RequestRecord[] {
  return Array.from({ length: count }, () => {
    sequence += 1;
    return {
      kind: 'request', traceId: sequence.toString(16).padStart(32, '0'), spanId: sequence.toString(16).padStart(16, '0'),
      serviceName: 'gc', endpoint: '/x', method: 'GET', statusCode: 200, responseTime: 1, timestamp: new Date(Date.now() - 60_000),
      sessionId: null, userId: null, agentName: null, ipAddress: null, userAgent: null, outcome: 'success', inputTokens: 0, outputTokens: 0,
    };
  });
}

const stores: SqliteStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.shutdown()));
});

async function setup(maxQueuedRecords: number, maxQueueDelayMs = 60_000, now?: () => number) {
  const store = new SqliteStore({ path: join(mkdtempSync(join(tmpdir(), 'spanpulse-gcw-')), 'spanpulse.db') });
  stores.push(store);
  await store.start();
  const gated = new GatedStore(store);
  const telemetry = new Telemetry();
  const writer = new GroupCommitWriter(gated, { sendBatchSize: 1000, maxQueuedRecords, maxQueueDelayMs, ...(now ? { now } : {}) }, telemetry);
  return { store, gated, writer, telemetry };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommitWriter', () => {
  it('requests that arrive during a write go to the store together, each acknowledged after its batch', async () => {
    const { store, gated, writer, telemetry } = await setup(10_000);
    let acknowledged = 0;
    const first = writer.write(records(5)).then(() => acknowledged++);
    await tick();
    const rest = [1, 2, 3].map(() => writer.write(records(10)).then(() => acknowledged++));
    await tick();
    expect(acknowledged).toBe(0);
    expect(telemetry.snapshot().queueDepth).toBe(35);
    gated.open();
    await Promise.all([first, ...rest]);
    expect(gated.batchSizes).toEqual([5, 30]);
    expect(telemetry.snapshot()).toMatchObject({ spansAccepted: 35, storeWrites: 2, queueDepth: 0 });
    const stored = await store.findRequests({ from: new Date(0), to: new Date(Date.now() + 1000), limit: 100 });
    expect(stored).toHaveLength(35);
  });

  it('refuses with a retryable 429 when more spans wait than the bound, and loses nothing it accepted', async () => {
    const { store, gated, writer } = await setup(20);
    const accepted = writer.write(records(15));
    await tick();
    const refused = await writer.write(records(10)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PipelineError);
    expect(refused).toMatchObject({ kind: 'retryable', httpStatus: 429, retryAfterSeconds: 1 });
    gated.open();
    await accepted;
    expect(await store.findRequests({ from: new Date(0), to: new Date(Date.now() + 1000), limit: 100 })).toHaveLength(15);
    await writer.write(records(10)); // room again
  });

  it('refuses with 429 when the waiting spans would take the store longer than max_queue_delay at its recent speed', async () => {
    let clock = 0;
    const { gated, writer } = await setup(10_000, 500, () => clock);
    const first = writer.write(records(10));
    await tick();
    clock += 1000; // the store took a second for 10 records: 100 ms a record
    gated.open();
    await first;
    gated.close();
    const waiting = [writer.write(records(3))]; // about 300 ms of writes: fine
    await tick();
    waiting.push(writer.write(records(1))); // 400 ms: fine
    const refused = await writer.write(records(3)).catch((error: unknown) => error); // 3 + 1 + 3 records: 700 ms
    expect(refused).toMatchObject({ kind: 'retryable', httpStatus: 429, retryAfterSeconds: 1 });
    expect((refused as Error).message).toMatch(/limit 500 ms/);
    gated.open();
    await Promise.all(waiting);
  });

  it('refuses with 429 once the oldest request waiting has waited max_queue_delay, also before a request is read (refusal())', async () => {
    let clock = 0;
    const { store, gated, writer } = await setup(10_000, 500, () => clock);
    const first = writer.write(records(10)); // no speed known yet: only the wait itself can tell
    await tick();
    expect(writer.refusal()).toBeNull();
    const second = writer.write(records(2));
    clock += 501;
    expect(writer.refusal()).toMatchObject({ kind: 'retryable', httpStatus: 429, retryAfterSeconds: 1 });
    const refused = await writer.write(records(1)).catch((error: unknown) => error);
    expect((refused as Error).message).toMatch(/has waited 501 ms \(limit 500 ms\)/);
    gated.open();
    await Promise.all([first, second]);
    expect(writer.refusal()).toBeNull();
    expect(await store.findRequests({ from: new Date(0), to: new Date(Date.now() + 1000), limit: 100 })).toHaveLength(12);
  });

  it('shutdown flushes what is queued, then refuses new writes with 503', async () => {
    const { store, gated, writer } = await setup(1000);
    const pending = writer.write(records(7));
    await tick();
    const stopped = writer.shutdown();
    await expect(writer.write(records(1))).rejects.toMatchObject({ httpStatus: 503 });
    gated.open();
    await Promise.all([pending, stopped]);
    expect(await store.findRequests({ from: new Date(0), to: new Date(Date.now() + 1000), limit: 100 })).toHaveLength(7);
    await writer.shutdown(); // idempotent
  });
});
