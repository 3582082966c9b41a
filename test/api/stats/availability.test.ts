import { describe, expect, it } from 'vitest';
import { availabilityOf, availabilityOfLastDays, dailyAvailability, emptyDailyCounts, lastDays } from '../../../api/stats/availability.js';

describe('availability', () => {
  it.each([
    [0, 0, null],
    [10, 0, 100],
    [200, 1, 99.5],
    [4, 4, 0],
  ])('%s requests with %s errors -> %s %%', (requestCount, errorCount, expected) => {
    expect(availabilityOf({ requestCount, errorCount })).toBe(expected);
  });

  it('names the last UTC days, today last', () => {
    expect(lastDays(new Date('2025-03-02T23:59:59Z'), 4)).toEqual(['2025-02-27', '2025-02-28', '2025-03-01', '2025-03-02']);
    expect(lastDays(new Date('2025-03-02T00:00:00Z'), 90)).toHaveLength(90);
    expect(lastDays(new Date('2025-03-02T00:00:00Z'), 90)[0]).toBe('2024-12-03');
  });

  it('gives null for days without requests and weights longer spans by requests, not by days', () => {
    const counts = { requests: [1000, 0, 10], errors: [0, 0, 5] };
    expect(dailyAvailability(counts)).toEqual([100, null, 50]);
    expect(availabilityOfLastDays(counts, 1)).toBe(50);
    expect(availabilityOfLastDays(counts, 2)).toBe(50);
    expect(availabilityOfLastDays(counts, 3)).toBeCloseTo((100 * 1005) / 1010, 12);
    expect(availabilityOfLastDays(counts, 90)).toBeCloseTo((100 * 1005) / 1010, 12);
    expect(availabilityOfLastDays(emptyDailyCounts(90), 90)).toBeNull();
    expect(dailyAvailability(emptyDailyCounts(3))).toEqual([null, null, null]);
  });
});
