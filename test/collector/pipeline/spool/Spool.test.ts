/**
 * The durable spool on a real folder: batches come back oldest first and as written, survive
 * a new Spool on the same folder (a restart), a torn last frame (a crash mid-append) is cut
 * off and never crashes the start, the quota gives a retryable 503, released segments go.
 */
import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isRetryable } from '../../../../collector/errors.js';
import { Spool } from '../../../../collector/pipeline/spool/Spool.js';
import type { SpanRecord } from '../../../../collector/store/types.js';
import { invocation, request } from '../../store/contract/records.js';

const dirs: string[] = [];
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), 'spanpulse-spool-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => { for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true }); });

const batch = (n: number, offset = 0): SpanRecord[] => Array.from({ length: n }, (_, i) =>
  (i % 3 === 2 ? invocation({ spanId: (offset + i + 1).toString(16).padStart(16, '0') }) : request({ spanId: (offset + i + 1).toString(16).padStart(16, '0'), sessionId: `s${i}` })));

async function drainAll(spool: Spool): Promise<SpanRecord[][]> {
  const out: SpanRecord[][] = [];
  for (let next = await spool.oldest(); next !== undefined; next = await spool.oldest()) {
    out.push(next.records);
    await spool.release(next);
  }
  return out;
}

describe('Spool', () => {
  it('gives batches back oldest first, exactly as written, and counts its depth', async () => {
    const spool = new Spool({ dir: fresh(), maxBytes: 10 * 1024 * 1024 });
    await spool.open();
    const [a, b] = [batch(5), batch(7, 100)];
    await spool.append(a);
    await spool.append(b);
    expect(spool.depth()).toMatchObject({ batches: 2, records: 12, accepting: true });
    expect(spool.depth().oldestAt).toBeInstanceOf(Date);
    expect(await drainAll(spool)).toEqual([a, b]);
    expect(spool.depth()).toMatchObject({ batches: 0, records: 0, bytes: 0, oldestAt: null });
    await spool.close();
  });

  it('keeps what was appended across a restart, and drains it then', async () => {
    const dir = fresh();
    const first = new Spool({ dir, maxBytes: 10 * 1024 * 1024 });
    await first.open();
    const [a, b] = [batch(3), batch(4, 10)];
    await first.append(a);
    await first.append(b);
    const [oldest] = [await first.oldest()];
    await first.release(oldest!);
    await first.close();

    const second = new Spool({ dir, maxBytes: 10 * 1024 * 1024 });
    await second.open();
    // The released batch was not deleted from its (still open) segment: replayed, which the idempotent store absorbs.
    const replayed = await drainAll(second);
    expect(replayed.at(-1)).toEqual(b);
    expect([[a, b], [b]]).toContainEqual(replayed);
    await second.close();
  });

  it('cuts off a torn last batch on start and keeps the whole ones', async () => {
    const dir = fresh();
    const spool = new Spool({ dir, maxBytes: 10 * 1024 * 1024 });
    await spool.open();
    const whole = batch(3);
    await spool.append(whole);
    await spool.append(batch(3, 10));
    await spool.close();
    const [segment] = readdirSync(dir);
    const path = join(dir, segment!);
    truncateSync(path, statSync(path).size - 5); // a crash in the middle of the second write

    const again = new Spool({ dir, maxBytes: 10 * 1024 * 1024 });
    await again.open();
    expect(again.depth()).toMatchObject({ batches: 1, records: 3 });
    expect(await drainAll(again)).toEqual([whole]);
    await again.close();
  });

  it('skips a frame whose checksum does not match instead of replaying garbage', async () => {
    const dir = fresh();
    const spool = new Spool({ dir, maxBytes: 10 * 1024 * 1024 });
    await spool.open();
    const whole = batch(2);
    await spool.append(whole);
    await spool.close();
    const [segment] = readdirSync(dir);
    appendFileSync(join(dir, segment!), Buffer.from([20, 0, 0, 0, 1, 2, 3, 4, ...Array(20).fill(7)]));
    const again = new Spool({ dir, maxBytes: 10 * 1024 * 1024 });
    await again.open();
    expect(await drainAll(again)).toEqual([whole]);
    await again.close();
  });

  it('refuses a batch beyond its quota with a retryable error, and accepts again once drained', async () => {
    const spool = new Spool({ dir: fresh(), maxBytes: 4096 });
    await spool.open();
    await spool.append(batch(5));
    const error = await spool.append(batch(20, 50)).catch((e: unknown) => e);
    expect(isRetryable(error)).toBe(true);
    expect((error as Error).message).toMatch(/spool is full/);
    await drainAll(spool);
    await spool.append(batch(2, 90));
    expect(spool.depth().records).toBe(2);
    await spool.close();
  });
});
