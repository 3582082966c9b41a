/**
 * Chromium and a spanpulse pricing openai gpt-4o* at 2.5 / 10 USD per million input / output
 * tokens, for the analytics page tests of model calls and sessions; `seed` runs once both are up.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { startTestSpanpulse, type TestSpanpulse } from '../../support/spanpulse.js';
import { launchBrowser } from './browser.js';

export function usePricedPages(seed: (collector: TestSpanpulse) => Promise<void> = async () => {}): () => { browser: Browser; collector: TestSpanpulse } {
  let browser: Browser | undefined;
  let collector: TestSpanpulse | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
    collector = await startTestSpanpulse({
      spanpulse: { pricing: { currency: 'USD', models: [{ provider: 'openai', model: 'gpt-4o*', input: 2.5, output: 10 }] } },
    });
    await seed(collector);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await collector?.stop();
  });
  return () => {
    if (browser === undefined || collector === undefined) throw new Error('pages used outside a test');
    return { browser, collector };
  };
}
