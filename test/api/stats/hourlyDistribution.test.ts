import { describe, expect, it } from 'vitest';
import { hourlyDistribution } from '../../../api/stats/hourlyDistribution.js';
import { range, rollupOf } from '../rollupOf.js';

const rollups = [
  rollupOf({ start: '2025-01-15T00:00:00Z', times: range(3), errors: 1 }),
  rollupOf({ start: '2025-01-16T00:00:00Z', times: range(2) }),
  rollupOf({ start: '2025-01-15T13:00:00Z', times: range(5) }),
  rollupOf({ start: '2025-07-15T13:00:00Z', times: range(7), serviceName: 'other' }),
  rollupOf({ start: '2025-01-15T23:00:00Z', times: range(1) }),
];

function nonZero(timeZone: string): Record<number, [number, number]> {
  const result: Record<number, [number, number]> = {};
  for (const bucket of hourlyDistribution(rollups, timeZone)) if (bucket.requests > 0) result[bucket.hour] = [bucket.requests, bucket.errors];
  return result;
}

describe('hourlyDistribution', () => {
  it('has 24 buckets, hours 0-23, even without data', () => {
    const buckets = hourlyDistribution([], 'UTC');
    expect(buckets.map((b) => b.hour)).toEqual(range(24).map((h) => h - 1));
    expect(buckets.every((b) => b.requests === 0 && b.errors === 0)).toBe(true);
  });

  it.each([
    ['UTC', { 0: [5, 1], 13: [12, 0], 23: [1, 0] }],
    // CET (+1) in January, CEST (+2) in July.
    ['Europe/Berlin', { 1: [5, 1], 14: [5, 0], 15: [7, 0], 0: [1, 0] }],
    // +05:30: a UTC hour is counted in the local hour it starts in.
    ['Asia/Kolkata', { 5: [5, 1], 18: [12, 0], 4: [1, 0] }],
    ['America/New_York', { 19: [5, 1], 8: [5, 0], 9: [7, 0], 18: [1, 0] }],
  ])('buckets by the hour of day in %s', (timeZone, expected) => {
    expect(nonZero(timeZone)).toEqual(expected);
  });
});
