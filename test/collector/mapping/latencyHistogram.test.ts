import { describe, expect, it } from 'vitest';
import {
  addToHistogram, bucketOf, histogramCount, mergeHistogram, quantile, RELATIVE_ERROR, type LatencyHistogram,
} from '../../../collector/mapping/latencyHistogram.js';

function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}

describe('latency histogram', () => {
  it('keeps every value within the stated relative error', () => {
    const values = Array.from({ length: 5000 }, (_, i) => 0.05 + ((i * 7919) % 5000) * 0.731);
    const histogram: LatencyHistogram = {};
    for (const v of values) addToHistogram(histogram, v);
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0.5, 0.9, 0.95, 0.99, 1]) {
      const exact = exactQuantile(sorted, q);
      expect(Math.abs(quantile(histogram, q)! - exact) / exact).toBeLessThanOrEqual(RELATIVE_ERROR + 1e-9);
    }
  });

  it('merging two halves equals the histogram of the whole', () => {
    const whole: LatencyHistogram = {};
    const a: LatencyHistogram = {};
    const b: LatencyHistogram = {};
    for (let i = 1; i <= 1000; i++) {
      addToHistogram(whole, i * 1.7);
      addToHistogram(i % 2 ? a : b, i * 1.7);
    }
    mergeHistogram(a, b);
    expect(a).toEqual(whole);
    expect(histogramCount(a)).toBe(1000);
  });

  it('an empty histogram has no quantile; tiny and huge values are clamped', () => {
    expect(quantile({}, 0.5)).toBeNull();
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(-5)).toBe(0);
    expect(bucketOf(Number.NaN)).toBe(0);
    expect(bucketOf(1e15)).toBe(300);
  });
});
