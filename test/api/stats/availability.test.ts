import { describe, expect, it } from 'vitest';
import { availabilityOf, availabilityOfLastDays, dailyAvailability, lastDays } from '../../../api/stats/availability.js';

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
    const days = ['2025-03-01', '2025-03-02', '2025-03-03'];
    const series = dailyAvailability(new Map([
      ['2025-03-01', { requestCount: 1000, errorCount: 0 }],
      ['2025-03-03', { requestCount: 10, errorCount: 5 }],
    ]), days);
    expect(series.map((d) => d.availability)).toEqual([100, null, 50]);
    expect(availabilityOfLastDays(series, 1)).toBe(50);
    expect(availabilityOfLastDays(series, 2)).toBe(50);
    expect(availabilityOfLastDays(series, 3)).toBeCloseTo((100 * 1005) / 1010, 12);
    expect(availabilityOfLastDays(series.slice(1, 2), 1)).toBeNull();
  });
});
