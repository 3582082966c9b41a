/**
 * A store outage as an exporter sees it: the MongoDB-compatible server (a FerretDB of this
 * test's own, so stopping it disturbs no other test) is stopped while writes are in flight.
 * Writes then reject with a retryable 503 PipelineError after a bounded retry, instead of
 * crashing or hanging; once the server is back, the same store writes again by itself, and
 * the batches resent by the "exporter" end up counted exactly once.
 */
import { describe, expect, it } from 'vitest';
import { isRetryable, PipelineError } from '../../../collector/errors.js';
import { MongoStore } from '../../../collector/store/mongodb/MongoStore.js';
import type { SpanRecord } from '../../../collector/store/types.js';
import { at, request } from './contract/records.js';
import { untilAvailable } from './faultSupport.js';
import { mongodbUri, ownFerretdb, skipReason } from './mongodbSupport.js';

const server = ownFerretdb('spanpulse-outage-');

const batches: SpanRecord[][] = Array.from({ length: 8 }, (_, b) =>
  Array.from({ length: 150 }, (_, i) => request({ sessionId: `s${i % 9}`, responseTime: b + i + 1, timestamp: at(10, (b * 7 + i) % 60) })));

describe.skipIf(mongodbUri === null)(`MongoStore outage${mongodbUri === null ? ` (skipped: ${skipReason})` : ''}`, () => {
  it('answers 503 with Retry-After while the server is down and writes again by itself once it is back, losing and doubling nothing', async (context) => {
    // Needs a server this test may stop.
    const uri = await server.start(context);
    const store = new MongoStore({ uri, database: 'outage', timeoutMs: 1500, recoveryIntervalMs: 0 });
    await store.start();
    expect(await store.write(batches[0]!)).toEqual({ stored: 150, duplicates: 0, rejected: [] });

    const inFlight = store.write(batches[1]!).then(() => 'acknowledged', (error: unknown) => error);
    await server.stop();
    const whileStopping = await inFlight;
    if (whileStopping !== 'acknowledged') expect(isRetryable(whileStopping)).toBe(true);

    const down = await store.write(batches[2]!).catch((error: unknown) => error);
    expect(down).toBeInstanceOf(PipelineError);
    expect(down).toMatchObject({ kind: 'retryable', httpStatus: 503 });
    expect((down as PipelineError).retryAfterSeconds).toBeGreaterThan(0);
    expect(isRetryable(await store.listServices().catch((error: unknown) => error))).toBe(true);
    await expect(store.ping()).rejects.toBeInstanceOf(PipelineError);

    await server.start(context);
    for (const batch of batches.slice(1)) await untilAvailable(() => store.write([...batch]));

    const requests = batches.flat();
    const [hour] = await store.findRollups({ period: 'hour', level: 'service', from: at(10), to: at(11) });
    expect(hour).toMatchObject({ requestCount: requests.length, activeUsers: 9 });
    expect(hour!.totalResponseTime).toBe(requests.reduce((sum, r) => sum + r.responseTime, 0));
    expect(await store.listServices()).toMatchObject([{ serviceName: 'shop', spanCount: requests.length }]);
    expect(await store.findSession('shop', 's0')).toMatchObject({ requestCount: requests.filter((r) => r.sessionId === 's0').length });
    expect(await store.findRequests({ from: at(0), to: at(24), limit: 10_000 })).toHaveLength(requests.length);
    await store.shutdown();
  });
});
