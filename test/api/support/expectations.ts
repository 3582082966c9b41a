/**
 * Assertions shared by the API tests: counts exact, rates to many digits, percentiles within
 * the histogram's stated relative error of the exact nearest-rank value.
 */
import { expect } from 'vitest';
import { RELATIVE_ERROR } from '../../../collector/mapping/latencyHistogram.js';
import type { ExpectedPerformance } from './expectedFigures.js';

/**
 * Span times travel as whole nanoseconds from an SDK clock in float milliseconds, so a
 * response time may differ from the seeded one by a few hundred nanoseconds.
 */
export const TIME_PRECISION = 1e-4;

export function expectClose(actual: number | null, expected: number | null, what: string, relative = 1e-6): void {
  if (expected === null) {
    expect(actual, what).toBeNull();
    return;
  }
  expect(actual, what).not.toBeNull();
  expect(Math.abs(actual! - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(relative * Math.max(1, Math.abs(expected)));
}

export function expectPercentile(actual: number | null, exact: number | null, what: string): void {
  if (exact === null) {
    expect(actual, what).toBeNull();
    return;
  }
  expect(actual, what).not.toBeNull();
  expect(Math.abs(actual! - exact) / exact, `${what}: ${actual} vs exact ${exact}`).toBeLessThanOrEqual(RELATIVE_ERROR + 1e-9);
}

export function expectPerformance(actual: Record<string, unknown>, expected: ExpectedPerformance, what: string, percentiles = ['p50', 'p95', 'p99']): void {
  expect(actual['totalRequests'], `${what} totalRequests`).toBe(expected.totalRequests);
  for (const field of ['successRate', 'errorRate', 'clientErrorRate'] as const) {
    if (field in actual) expectClose(actual[field] as number | null, expected[field], `${what} ${field}`);
  }
  if ('avgResponseTime' in actual) expectClose(actual['avgResponseTime'] as number | null, expected.avgResponseTime, `${what} avgResponseTime`, TIME_PRECISION);
  for (const p of percentiles) {
    const field = `${p}ResponseTime` as 'p50ResponseTime';
    if (field in actual) expectPercentile(actual[field] as number | null, expected[field], `${what} ${field}`);
  }
}
