/**
 * Private status pages (extensions.status_api.public: false) in headless Chromium, on the real
 * collector in a child process: a page sends the browser to the sign-in page, a wrong token
 * is refused, the right one sets an HttpOnly, SameSite=Strict cookie that scripts cannot read,
 * and with it the pages (the admin SLA page too) load their data without a single refused
 * request. The token and the cookie never reach the collector's logs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { CollectorProcess } from '../../../bench/collectorProcess.js';
import { API_TOKEN, startAccessCollector } from '../support/accessCollector.js';
import { cardValue, launchBrowser, openPage } from '../support/browser.js';

describe('signing in to private pages in Chromium', () => {
  let collector: CollectorProcess;
  let browser: Browser;
  beforeAll(async () => {
    [collector, browser] = await Promise.all([startAccessCollector({ public: false }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await collector?.remove();
  });

  it('asks for the token once, keeps it in an HttpOnly SameSite=Strict cookie, then shows the pages', async () => {
    const { page, problems, close } = await openPage(browser, `${collector.apiUrl}/status/analytics`);
    try {
      expect(new URL(page.url()).pathname).toBe('/status/sign-in');
      expect(new URL(page.url()).searchParams.get('next')).toBe('/status/analytics');
      expect(await page.locator('#failed').isVisible()).toBe(false);

      await page.locator('#token').fill('not-the-token');
      await Promise.all([page.waitForURL(/failed=1/), page.locator('button[type=submit]').click()]);
      expect(await page.locator('#failed').isVisible()).toBe(true);
      expect(await page.context().cookies()).toEqual([]);

      await page.locator('#token').fill(API_TOKEN);
      await Promise.all([page.waitForURL(`${collector.apiUrl}/status/analytics`), page.locator('button[type=submit]').click()]);
      // The analytics page got its data: the seeded requests of the last 24 hours.
      expect(await cardValue(page, 'total-requests')).toBe('12');

      const cookies = await page.context().cookies();
      expect(cookies).toHaveLength(1);
      expect(cookies[0]).toMatchObject({ name: 'spanpulse_api', httpOnly: true, sameSite: 'Strict', path: '/' });
      expect(cookies[0]!.value).not.toContain(API_TOKEN);
      expect(await page.evaluate(() => document.cookie)).toBe('');

      // The admin page opens with the same cookie, and its report loads.
      const month = new Date(Date.now() - 5 * 60_000).toISOString().slice(0, 7);
      await page.goto(`${collector.apiUrl}/status/sla?month=${month}`);
      expect(new URL(page.url()).pathname).toBe('/status/sla');
      await page.locator('#endpoints tbody tr').first().waitFor();
      expect(await page.locator('#endpoints tbody tr').count()).toBe(2);
      expect(problems).toEqual([]);

      const logs = collector.logs();
      expect(logs.includes(API_TOKEN)).toBe(false);
      expect(logs.includes(cookies[0]!.value)).toBe(false);
    } finally {
      await close();
    }
  });
});
