import { describe, expect, it } from 'vitest';
import type { Rollup, RollupQuery } from '../../../collector/store/types.js';
import { loadRollups } from '../../../api/query/loadRollups.js';
import { rollupOf } from '../rollupOf.js';

/**
 * A reader over an in-memory list that records its queries: the point here is which
 * periods are asked for which parts of the range. The real stores run the same code in
 * test/api/apiContract.ts.
 */
function recordingReader(rollups: Rollup[]) {
  const queries: string[] = [];
  return {
    queries,
    async findRollups(query: RollupQuery): Promise<Rollup[]> {
      queries.push(`${query.period} ${query.from.toISOString().slice(0, 13)}..${query.to.toISOString().slice(0, 13)}`);
      return rollups.filter((r) => r.period === query.period && r.start >= query.from && r.start < query.to);
    },
  };
}

const hours = (from: string, count: number) =>
  Array.from({ length: count }, (_, i) => rollupOf({ start: new Date(Date.parse(from) + i * 3_600_000).toISOString(), times: [1] }));
const days = (from: string, count: number) =>
  Array.from({ length: count }, (_, i) => rollupOf({ period: 'day', start: new Date(Date.parse(from) + i * 86_400_000).toISOString(), times: Array(24).fill(1) }));

describe('loadRollups', () => {
  // Both periods hold the same requests, as the store writes every request into both.
  const store = [...hours('2025-03-01T00:00:00Z', 24 * 10), ...days('2025-03-01T00:00:00Z', 10)];

  it.each([
    ['within one day', '2025-03-02T05:00:00Z', '2025-03-02T09:00:00Z', ['hour 2025-03-02T05..2025-03-02T09'], 4],
    ['across midnight, no whole day', '2025-03-02T10:00:00Z', '2025-03-03T11:00:00Z', ['hour 2025-03-02T10..2025-03-03T11'], 25],
    ['partial days at both edges', '2025-03-02T10:00:00Z', '2025-03-06T11:00:00Z',
      ['hour 2025-03-02T10..2025-03-03T00', 'day 2025-03-03T00..2025-03-06T00', 'hour 2025-03-06T00..2025-03-06T11'], 14 + 3 * 24 + 11],
    ['whole days only', '2025-03-02T00:00:00Z', '2025-03-05T00:00:00Z', ['day 2025-03-02T00..2025-03-05T00'], 72],
  ])('%s', async (_name, from, to, expectedQueries, requests) => {
    const reader = recordingReader(store);
    const rollups = await loadRollups(reader, { range: { from: new Date(from), to: new Date(to) }, level: 'service' });
    expect(reader.queries.sort()).toEqual([...expectedQueries].sort());
    expect(rollups.reduce((n, r) => n + r.requestCount, 0)).toBe(requests);
  });
});
