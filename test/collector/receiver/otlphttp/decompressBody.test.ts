/**
 * Content-Encoding handling: gzip round trip of a real request, the size limit applied after
 * decompression without inflating a bomb into memory, and clear 4xx answers otherwise.
 */
import { createGzip, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeProtobufTraces } from '../../../../collector/receiver/otlphttp/decodeProtobufTraces.js';
import { decompressBody } from '../../../../collector/receiver/otlphttp/decompressBody.js';
import { expectPermanent } from './expectPipelineError.js';
import { otlpProtobuf, variedSpans } from './sdkSpans.js';

const MiB = 1024 * 1024;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

/** `totalBytes` of zeros through gzip, fed in 1 MiB pieces so the input never exists whole. */
async function gzipBomb(totalBytes: number): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const chunks: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => gzip.on('end', resolve).on('error', reject));
  const zeros = Buffer.alloc(MiB);
  for (let written = 0; written < totalBytes; written += MiB) {
    if (!gzip.write(zeros)) await new Promise((resolve) => gzip.once('drain', resolve));
  }
  gzip.end();
  await ended;
  return Buffer.concat(chunks);
}

describe('decompressBody', () => {
  it('passes identity bodies through, with or without the header', async () => {
    const body = Buffer.from('payload');
    expect(await decompressBody(body, undefined, 100)).toBe(body);
    expect(await decompressBody(body, 'identity', 100)).toBe(body);
    expect(await decompressBody(body, '', 100)).toBe(body);
  });

  it('round-trips a gzipped OTLP request', async () => {
    const sdkSpans = variedSpans();
    const body = otlpProtobuf(sdkSpans);
    for (const encoding of ['gzip', 'GZIP', ' x-gzip ']) {
      const inflated = await decompressBody(gzipSync(body), encoding, 20 * MiB);
      expect(inflated.equals(body)).toBe(true);
      expect(decodeProtobufTraces(inflated).map((span) => span.spanId).sort()).toEqual(
        sdkSpans.map((span) => span.spanContext().spanId).sort(),
      );
    }
  });

  it('applies the limit inclusively, before and after decompression', async () => {
    const exact = Buffer.alloc(1000, 7);
    expect((await decompressBody(gzipSync(exact), 'gzip', 1000)).length).toBe(1000);
    expectPermanent(await rejection(decompressBody(gzipSync(exact), 'gzip', 999)), 413, /limit of 999 bytes after gzip decompression/);
    expectPermanent(await rejection(decompressBody(exact, undefined, 999)), 413, /above the limit of 999 bytes/);
    expectPermanent(await rejection(decompressBody(gzipSync(Buffer.alloc(1)), 'gzip', 0)), 413, /limit of 0 bytes/);
  });

  it('answers 415 naming an encoding it does not support', async () => {
    for (const encoding of ['br', 'deflate', 'zstd', 'gzip, br']) {
      expectPermanent(await rejection(decompressBody(Buffer.from('x'), encoding, 100)), 415, `"${encoding}"`);
    }
  });

  it('answers 400 for data that is not gzip, or cut short', async () => {
    const gzipped = gzipSync(Buffer.from('a complete body'));
    for (const bad of [Buffer.from('{"resourceSpans":[]}'), Buffer.alloc(0), gzipped.subarray(0, gzipped.length - 4)]) {
      expectPermanent(await rejection(decompressBody(bad, 'gzip', MiB)), 400, /not valid gzip data/);
    }
  });

  it('stops a 1 GiB gzip bomb at the limit without inflating it into memory', async () => {
    const bomb = await gzipBomb(1024 * MiB);
    expect(bomb.length).toBeLessThan(2 * MiB);
    const peakBefore = process.resourceUsage().maxRSS * 1024;
    const error = await rejection(decompressBody(bomb, 'gzip', 20 * MiB));
    expectPermanent(error, 413, 'request body is larger than the limit of 20971520 bytes after gzip decompression');
    const peakGrowth = process.resourceUsage().maxRSS * 1024 - peakBefore;
    // Inflating it whole would need over 1 GiB; stopping at the limit needs about 20 MiB.
    expect(peakGrowth).toBeLessThan(256 * MiB);
  });
});
