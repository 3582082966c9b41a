import { describe, expect, it } from 'vitest';
import type { Rollup, RollupQuery } from '../../../collector/store/types.js';
import { RollupCache } from '../../../api/query/RollupCache.js';
import { rollupOf } from '../rollupOf.js';

const HOUR = 3_600_000;

/**
 * A reader over an in-memory list that records its queries and can be changed between
 * calls, to see what the cache reads again and what it serves from memory.
 */
function recordingReader(rollups: Rollup[]) {
  const queries: string[] = [];
  return {
    rollups,
    queries,
    async findRollups(query: RollupQuery): Promise<Rollup[]> {
      queries.push(`${query.period} ${query.from.toISOString().slice(11, 13)}..${query.to.toISOString().slice(11, 13)}${query.serviceName ? ` ${query.serviceName}` : ''}`);
      return this.rollups.filter((r) => r.period === query.period && r.start >= query.from && r.start < query.to
        && (query.serviceName === undefined || r.serviceName === query.serviceName));
    },
  };
}

const at = (hour: number) => `2025-03-01T${String(hour).padStart(2, '0')}:00:00Z`;
const query = (from: number, to: number, serviceName?: string): RollupQuery =>
  ({ period: 'hour', level: 'endpoint', from: new Date(at(from)), to: new Date(at(to)), ...(serviceName ? { serviceName } : {}) });
const count = (rollups: Rollup[]) => rollups.reduce((n, r) => n + r.requestCount, 0);

describe('RollupCache', () => {
  function setUp(ttlMs = 600_000, maxDocuments = 1000) {
    const reader = recordingReader([
      ...[8, 9, 10, 11].map((h) => rollupOf({ start: at(h), times: [1, 2] })),
      ...[9, 11].map((h) => rollupOf({ start: at(h), times: [5], serviceName: 'crm' })),
    ]);
    let now = new Date('2025-03-01T11:30:00Z');
    const cache = new RollupCache(reader, { now: () => now, ttlMs, settleMs: 120_000, maxDocuments });
    return { reader, cache, setNow: (iso: string) => (now = new Date(iso)) };
  }

  it('reads settled hours once, the hour in progress every time', async () => {
    const { reader, cache } = setUp();
    expect(count(await cache.findRollups(query(8, 12)))).toBe(10);
    expect(count(await cache.findRollups(query(8, 12)))).toBe(10);
    expect(count(await cache.findRollups(query(9, 11)))).toBe(5);
    expect(reader.queries).toEqual(['hour 08..11', 'hour 11..12', 'hour 11..12']);
  });

  it('filters by service in memory, from the all-services units', async () => {
    const { reader, cache } = setUp();
    expect(count(await cache.findRollups(query(8, 12, 'crm')))).toBe(2);
    expect(count(await cache.findRollups(query(8, 12, 'shop')))).toBe(8);
    expect(reader.queries).toEqual(['hour 08..11', 'hour 11..12 crm', 'hour 11..12 shop']);
  });

  it('reads again after the TTL, so late spans for a past hour show up', async () => {
    const { reader, cache, setNow } = setUp(60_000);
    await cache.findRollups(query(8, 11));
    reader.rollups.push(rollupOf({ start: at(8), times: [7, 7, 7] }));
    expect(count(await cache.findRollups(query(8, 11)))).toBe(7);
    setNow('2025-03-01T11:31:01Z');
    expect(count(await cache.findRollups(query(8, 11)))).toBe(10);
    expect(reader.queries).toEqual(['hour 08..11', 'hour 08..11']);
  });

  it('treats an hour as in progress until settleMs after its end', async () => {
    const { reader, cache, setNow } = setUp();
    setNow('2025-03-01T12:01:00Z');
    await cache.findRollups(query(10, 12));
    setNow('2025-03-01T12:02:00Z');
    await cache.findRollups(query(10, 12));
    expect(reader.queries).toEqual(['hour 10..11', 'hour 11..12', 'hour 11..12']);
  });

  it('shares one read between concurrent requests and reads only the missing hours', async () => {
    const { reader, cache } = setUp();
    await Promise.all([cache.findRollups(query(9, 10)), cache.findRollups(query(9, 10))]);
    await cache.findRollups(query(8, 11));
    expect(reader.queries).toEqual(['hour 09..10', 'hour 08..09', 'hour 10..11']);
  });

  it('drops the least recently used hours beyond maxDocuments', async () => {
    // Hours 8 and 10 hold one document each, hour 9 two.
    const { reader, cache } = setUp(600_000, 3);
    await cache.findRollups(query(8, 9));
    await cache.findRollups(query(10, 11));
    await cache.findRollups(query(8, 9));
    await cache.findRollups(query(9, 10));
    await cache.findRollups(query(8, 10));
    await cache.findRollups(query(10, 11));
    expect(reader.queries).toEqual(['hour 08..09', 'hour 10..11', 'hour 09..10', 'hour 10..11']);
  });

  it('forgets a failed read', async () => {
    const { reader, cache } = setUp();
    const failing = reader.findRollups;
    reader.findRollups = async () => {
      throw new Error('store down');
    };
    await expect(cache.findRollups(query(8, 10))).rejects.toThrow('store down');
    reader.findRollups = failing;
    expect(count(await cache.findRollups(query(8, 10)))).toBe(5);
  });
});
