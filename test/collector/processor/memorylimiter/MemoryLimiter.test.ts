/**
 * processors.memory_limiter: while memory is above limit - spike_limit, OTLP requests are
 * refused before their bodies are read, with 429 + Retry-After: 1 (HTTP: the connection kept when the body is small and dropped unread, else closed) or
 * UNAVAILABLE + RetryInfo (gRPC), counted in /metrics, nothing stored; once memory is back
 * under, they are taken again.
 * - a real collector with a 1 MiB limit (its RSS is always above it);
 * - a real HTTP receiver whose limiter reads a memory figure the test sets, to see it let go;
 * - a limiter whose reading above the soft limit is garbage: it collects first, and refuses
 *   only what a full collection does not bring back under (the real collection frees memory).
 */
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TracesConsumer } from '../../../../collector/consumer/TracesConsumer.js';
import { fullGarbageCollection } from '../../../../collector/processor/memorylimiter/fullGarbageCollection.js';
import { MemoryLimiter } from '../../../../collector/processor/memorylimiter/MemoryLimiter.js';
import { IngestLimits } from '../../../../collector/receiver/otlp/IngestLimits.js';
import { OtlpHttpReceiver } from '../../../../collector/receiver/otlphttp/OtlpHttpReceiver.js';
import { Telemetry } from '../../../../collector/telemetry/Telemetry.js';
import { otlpGrpcClient } from '../../../support/grpcClient.js';
import { retryDelaySeconds } from '../../../support/grpcRetryInfo.js';
import { paddedRequest } from '../../../support/paddedSpans.js';
import { eventually, sampleOf } from '../../../support/partialPost.js';
import { startTestSpanpulse, type TestSpanpulse } from '../../../support/spanpulse.js';

const MiB = 1024 ** 2;

describe('memory_limiter over its limit', () => {
  let sp: TestSpanpulse;
  beforeAll(async () => {
    sp = await startTestSpanpulse({ memoryLimiter: { limit: '1MiB', check_interval: '100ms' } });
  });
  afterAll(async () => {
    await sp?.stop();
  });
  const metric = (series: string) => sampleOf(sp.telemetry.toPrometheus(), series);

  it('HTTP: 429 with Retry-After: 1, nothing stored; the connection kept for a small body (dropped unread), closed for a large one', async () => {
    const response = await sp.post(paddedRequest('limited-http', 2, 4096));
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(response.headers.get('connection')).toBe('keep-alive');
    expect(Buffer.from(await response.arrayBuffer()).toString()).toMatch(/memory limiter's soft limit of 1 MiB/);
    const large = await sp.post(paddedRequest('limited-http', 2, 512 * 1024));
    expect(large.status).toBe(429);
    expect(large.headers.get('connection')).toBe('close');
    await large.arrayBuffer();
    expect(metric('spanpulse_receiver_refused_requests_total{reason="memory_limiter",transport="http"}')).toBe(2);
  });

  it('gRPC: UNAVAILABLE with a 1 s RetryInfo, nothing stored', async () => {
    const client = otlpGrpcClient(sp.otlpGrpcUrl!);
    try {
      const { error } = await client.export('traces', paddedRequest('limited-grpc', 2, 4096));
      expect(error?.code).toBe(status.UNAVAILABLE);
      expect(retryDelaySeconds(error!)).toBe(1);
    } finally {
      client.close();
    }
    expect(metric('spanpulse_receiver_refused_requests_total{reason="memory_limiter",transport="grpc"}')).toBe(1);
  });

  it('shows what it measured in /metrics and stored nothing', async () => {
    expect(metric('spanpulse_memory_limiter_refusing')).toBe(1);
    expect(metric('spanpulse_memory_limiter_rss_bytes')).toBeGreaterThan(MiB);
    expect(metric('spanpulse_memory_limiter_soft_limit_bytes')).toBe(MiB - Math.floor(MiB / 5));
    expect(await sp.store.listServices()).toEqual([]);
  });
});

describe('memory_limiter letting go', () => {
  let usage = 0;
  const telemetry = new Telemetry();
  const limiter = new MemoryLimiter({ limitBytes: 100 * MiB, spikeLimitBytes: 20 * MiB, checkIntervalMs: 20, readUsage: () => usage }, telemetry);
  const stored: number[] = [];
  const consumer: TracesConsumer = { consumeTraces: async (spans) => (stored.push(spans.length), { rejectedSpans: 0, errorMessage: '' }) };
  const receiver = new OtlpHttpReceiver({ endpoint: '127.0.0.1:0', maxRequestBodySize: MiB, bearerToken: '' }, consumer, telemetry,
    new IngestLimits({ maxBytesInFlight: MiB, memoryLimiter: limiter }, telemetry));
  const post = () => fetch(`http://127.0.0.1:${receiver.address!.port}/v1/traces`, {
    method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: paddedRequest('letting-go', 1, 1000),
  });

  beforeAll(async () => {
    await limiter.start();
    await receiver.start();
  });
  afterAll(async () => {
    await receiver.shutdown();
    await limiter.shutdown();
  });

  it('refuses above limit - spike_limit and takes requests again once memory is back under it', async () => {
    usage = 70 * MiB;
    expect((await post()).status).toBe(200);
    usage = 90 * MiB;
    await eventually(() => limiter.refusing);
    expect((await post()).status).toBe(429);
    usage = 79 * MiB;
    await eventually(() => !limiter.refusing);
    expect((await post()).status).toBe(200);
    expect(stored).toEqual([1, 1]);
  });
});

describe('memory_limiter collecting garbage first', () => {
  /** A limiter's verdict on its first reading, `usage`, when a collection frees `garbage`; and the readings it collected at. */
  async function verdict(usage: number, garbage: number): Promise<{ refusing: boolean; collectedAt: number[] }> {
    const collectedAt: number[] = [];
    const limiter = new MemoryLimiter({
      limitBytes: 100 * MiB, spikeLimitBytes: 20 * MiB, checkIntervalMs: 3_600_000, readUsage: () => usage,
      collectGarbage: () => { collectedAt.push(usage); usage -= garbage; },
    }, new Telemetry());
    await limiter.start();
    await limiter.shutdown();
    return { refusing: limiter.refusing, collectedAt };
  }

  it('forces a full collection above the soft limit and refuses only if memory stays above it', async () => {
    expect(await verdict(70 * MiB, 10 * MiB)).toEqual({ refusing: false, collectedAt: [] });
    expect(await verdict(90 * MiB, 15 * MiB)).toEqual({ refusing: false, collectedAt: [90 * MiB] });
    expect(await verdict(95 * MiB, 5 * MiB)).toEqual({ refusing: true, collectedAt: [95 * MiB] });
  });

  it('the default collection frees the garbage of the real heap', () => {
    let garbage: unknown[] | null = Array.from({ length: 200_000 }, (_, i) => ({ i, text: `garbage ${i}` }));
    const held = process.memoryUsage().heapUsed;
    expect(garbage).toHaveLength(200_000);
    garbage = null;
    fullGarbageCollection();
    expect(process.memoryUsage().heapUsed).toBeLessThan(held - 5 * MiB);
  });
});
