/**
 * The page tests' setup: headless Chromium and a pinned-clock API app on a fresh SQLite
 * spanpulse, seeded with `specs(now)` before the tests of the calling describe block run and
 * closed after them.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { SpanSpec } from '../../support/otelSpans.js';
import { startTestSpanpulse } from '../../support/spanpulse.js';
import { DEFAULT_THRESHOLDS } from '../../../api/stats/healthState.js';
import { pinnedNow, RETENTION, startApiHarness, type ApiHarness, type HarnessOptions } from './apiHarness.js';
import { launchBrowser } from './browser.js';

export interface SeededPages {
  browser: Browser;
  api: ApiHarness;
}

export function useSeededPages(specs: (now: Date) => readonly SpanSpec[], options: HarnessOptions = {}): () => SeededPages {
  let browser: Browser | undefined;
  let api: ApiHarness | undefined;
  let seeded: SeededPages | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
    const now = pinnedNow();
    api = await startApiHarness(() => startTestSpanpulse(), now, DEFAULT_THRESHOLDS, RETENTION, options);
    await api.send(specs(now));
    seeded = { browser, api };
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });
  return () => {
    if (seeded === undefined) throw new Error('seeded pages used outside a test');
    return seeded;
  };
}
