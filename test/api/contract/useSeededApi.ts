/**
 * One seeded spanpulse per backend for the read-only contract tests: 16 days of traffic sent
 * through OTLP/HTTP before the tests run, plus a pinned-clock API app.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { DEFAULT_THRESHOLDS } from '../../../api/stats/healthState.js';
import { pinnedNow, RETENTION, startApiHarness, type ApiHarness, type HarnessOptions, type SpanpulseFactory } from '../support/apiHarness.js';
import { seedTraffic, type Seed } from '../support/seedTraffic.js';

export interface SeededApi {
  api: ApiHarness;
  seed: Seed;
  now: Date;
}

export function useSeededApi(factory: SpanpulseFactory, options: HarnessOptions = {}): () => SeededApi {
  let seeded: SeededApi | undefined;
  beforeAll(async () => {
    const now = pinnedNow();
    const api = await startApiHarness(factory, now, DEFAULT_THRESHOLDS, RETENTION, options);
    const seed = seedTraffic({ now });
    await api.send(seed.specs);
    // Every span (requests and child invocations) was stored: nothing rejected or lost.
    expect(api.spanpulse.telemetry.snapshot().spansAccepted).toBe(seed.records.length);
    seeded = { api, seed, now };
  });
  afterAll(async () => {
    await seeded?.api.close();
  });
  return () => {
    if (seeded === undefined) throw new Error('seeded API used outside a test');
    return seeded;
  };
}
