/**
 * receivers.otlp.max_bytes_in_flight over real HTTP and gRPC: bytes are reserved as they
 * arrive (a stalled upload holds what it sent, not what it declared) and as gzip inflates; a
 * request that would pass the budget gets 429 + Retry-After: 1 on a closed connection, or
 * UNAVAILABLE with a 1 s RetryInfo; a request alone always gets through; and every path gives
 * the bytes back (success, bad body, 413, client gone).
 */
import { status } from '@grpc/grpc-js';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otlpGrpcClient } from '../../../support/grpcClient.js';
import { retryDelaySeconds } from '../../../support/grpcRetryInfo.js';
import { paddedRequest } from '../../../support/paddedSpans.js';
import { eventually, partialPost, sampleOf } from '../../../support/partialPost.js';
import { startTestSpanpulse, type TestSpanpulse } from '../../../support/spanpulse.js';

const KiB = 1024;
const BUDGET = 1024 * KiB;

let sp: TestSpanpulse;
beforeAll(async () => {
  sp = await startTestSpanpulse({ otlp: { max_bytes_in_flight: '1MiB' }, http: { max_request_body_size: '4MiB' } });
});
afterAll(async () => {
  await sp?.stop();
});

const metric = (series: string) => sampleOf(sp.telemetry.toPrometheus(), series) ?? 0;
const inFlight = () => metric('spanpulse_receiver_bytes_in_flight');
const refused = (transport: string) => metric(`spanpulse_receiver_refused_requests_total{reason="bytes_in_flight",transport="${transport}"}`);

/** A stalled upload holding `bytes` of the budget. */
async function holder(bytes: number) {
  const stalled = partialPost(sp.otlpUrl, bytes + 100 * KiB, bytes);
  await eventually(() => inFlight() >= bytes);
  return stalled;
}

describe('bytes in flight', () => {
  it('reports the budget', () => {
    expect(metric('spanpulse_receiver_bytes_in_flight_limit')).toBe(BUDGET);
  });

  it('a stalled upload holds what it sent, not its declared Content-Length', async () => {
    const stalled = partialPost(sp.otlpUrl, 3 * 1024 * KiB, 100 * KiB);
    await eventually(() => inFlight() >= 100 * KiB);
    expect(inFlight()).toBeLessThan(200 * KiB);
    // Another request still fits.
    expect((await sp.post(paddedRequest('bif-small', 2, 50 * KiB))).status).toBe(200);
    stalled.abort();
    expect(await stalled.answer).toMatchObject({ error: expect.any(String) });
    await eventually(() => inFlight() === 0);
  });

  it('refuses what would pass the budget with 429, Retry-After: 1 and Connection: close, and takes it once bytes are free', async () => {
    const stalled = await holder(800 * KiB);
    const body = paddedRequest('bif-over', 4, 300 * KiB);
    const before = refused('http');
    const response = await sp.post(body);
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(response.headers.get('connection')).toBe('close');
    expect(Buffer.from(await response.arrayBuffer()).toString()).toContain('receivers.otlp.max_bytes_in_flight');
    expect(refused('http')).toBe(before + 1);
    // A small one still fits beside the stalled upload.
    expect((await sp.post(paddedRequest('bif-fits', 1, 20 * KiB))).status).toBe(200);

    stalled.abort();
    await eventually(() => inFlight() === 0);
    expect((await sp.post(body)).status).toBe(200);
    expect(inFlight()).toBe(0);
    expect((await sp.store.listServices()).find((s) => s.serviceName === 'bif-over')?.spanCount).toBe(4);
  });

  it('a client still sending its body reads the 429 before the connection closes', async () => {
    const stalled = await holder(800 * KiB);
    const sender = partialPost(sp.otlpUrl, 3 * 1024 * KiB, 1024 * KiB);
    sender.finish();
    const answer = await sender.answer;
    expect(answer).toMatchObject({ status: 429, headers: { 'retry-after': '1', connection: 'close' } });
    stalled.abort();
    await eventually(() => inFlight() === 0);
  });

  it('reserves the decompressed bytes too: a small gzip body that inflates past the budget is refused', async () => {
    const stalled = await holder(800 * KiB);
    const inflates = gzipSync(Buffer.alloc(600 * KiB));
    expect(inflates.length).toBeLessThan(10 * KiB);
    const response = await sp.post(inflates, { headers: { 'Content-Encoding': 'gzip' } });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('1');
    stalled.abort();
    await eventually(() => inFlight() === 0);
  });

  it('a request alone is taken whatever its size, up to max_request_body_size', async () => {
    const body = paddedRequest('bif-alone', 3, 1500 * KiB);
    expect(body.length).toBeGreaterThan(BUDGET);
    expect((await sp.post(body, { gzip: true })).status).toBe(200);
    expect(inFlight()).toBe(0);
  });

  it('gives the bytes back on every path: bad body (400), too large (413), client gone', async () => {
    expect((await sp.post(Buffer.alloc(200 * KiB, 0xff))).status).toBe(400);
    expect(inFlight()).toBe(0);
    const tooLarge = partialPost(sp.otlpUrl, 5 * 1024 * KiB, 0);
    tooLarge.finish();
    expect(await tooLarge.answer).toMatchObject({ status: 413 });
    const bomb = await sp.post(gzipSync(Buffer.alloc(5 * 1024 * KiB)), { headers: { 'Content-Encoding': 'gzip' } });
    expect(bomb.status).toBe(413);
    expect(inFlight()).toBe(0);
    const gone = partialPost(sp.otlpUrl, 900 * KiB, 600 * KiB);
    await eventually(() => inFlight() >= 600 * KiB);
    gone.abort();
    await eventually(() => inFlight() === 0);
  });

  it('gRPC: UNAVAILABLE with a 1 s RetryInfo while the budget is spent (by either transport)', async () => {
    const client = otlpGrpcClient(sp.otlpGrpcUrl!);
    try {
      const stalled = await holder(800 * KiB);
      const body = paddedRequest('bif-grpc', 4, 300 * KiB);
      const before = refused('grpc');
      const { error } = await client.export('traces', body);
      expect(error?.code).toBe(status.UNAVAILABLE);
      expect(error?.details).toContain('max_bytes_in_flight');
      expect(retryDelaySeconds(error!)).toBe(1);
      expect(refused('grpc')).toBe(before + 1);
      stalled.abort();
      await eventually(() => inFlight() === 0);
      expect((await client.export('traces', body)).error).toBeUndefined();
      expect(inFlight()).toBe(0);
    } finally {
      client.close();
    }
  });
});
