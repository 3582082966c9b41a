import { describe, expect, it } from 'vitest';
import { RELATIVE_ERROR } from '../../../collector/mapping/latencyHistogram.js';
import { performanceOf, sumTotals } from '../../../api/stats/Totals.js';
import { range, rollupOf } from '../rollupOf.js';

/** True nearest-rank percentile of a list. */
function exact(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}

describe('performanceOf(sumTotals(...))', () => {
  it('reports null rates and percentiles, never invented numbers, when there were no requests', () => {
    expect(performanceOf(sumTotals([]))).toEqual({
      totalRequests: 0, successRate: null, errorRate: null, clientErrorRate: null,
      avgResponseTime: null, p50ResponseTime: null, p95ResponseTime: null, p99ResponseTime: null,
    });
  });

  const cases: Array<{ name: string; parts: number[][] }> = [
    { name: 'one hour', parts: [range(100)] },
    { name: 'two hours split in the middle', parts: [range(50), range(50).map((x) => x + 50)] },
    { name: 'three collectors, interleaved', parts: [range(40, 3), range(40, 3).map((x) => x - 1), range(40, 3).map((x) => x - 2)] },
    { name: 'a slow tail in a separate day', parts: [range(990, 0.1), [2000, 2500, 3000, 3500, 4000, 4500, 5000, 5500, 6000, 6500]] },
  ];
  for (const { name, parts } of cases) {
    it(`merges histograms so percentiles hold across parts: ${name}`, () => {
      const all = parts.flat();
      const perf = performanceOf(sumTotals(parts.map((times, i) => rollupOf({ start: `2025-03-0${i + 1}T10:00:00Z`, times }))));
      expect(perf.totalRequests).toBe(all.length);
      expect(perf.avgResponseTime).toBeCloseTo(all.reduce((a, b) => a + b, 0) / all.length, 9);
      for (const [q, value] of [[0.5, perf.p50ResponseTime], [0.95, perf.p95ResponseTime], [0.99, perf.p99ResponseTime]] as const) {
        const truth = exact(all, q);
        expect(Math.abs(value! - truth) / truth).toBeLessThanOrEqual(RELATIVE_ERROR + 1e-12);
      }
    });
  }

  it('counts 5xx as failures and 4xx apart, as client errors', () => {
    const perf = performanceOf(sumTotals([
      rollupOf({ start: '2025-03-01T10:00:00Z', times: range(60), errors: 2, clientErrors: 5 }),
      rollupOf({ start: '2025-03-01T11:00:00Z', times: range(40), errors: 1 }),
    ]));
    expect(perf).toMatchObject({ totalRequests: 100, successRate: 97, errorRate: 3, clientErrorRate: 5 });
  });
});
