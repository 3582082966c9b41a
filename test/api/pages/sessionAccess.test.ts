/**
 * Public status pages with an API token, in Chromium on the real collector in a child
 * process: the analytics page shows its figures, and in place of the sessions (admin data:
 * they name users) a link to sign in, without asking for them (no refused request, no error
 * banner); signed in, it lists them.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CollectorProcess } from '../../support/collectorProcess.js';
import { API_TOKEN, startAccessCollector } from '../support/accessCollector.js';
import { cardValue, eventually, launchBrowser, openPage } from '../support/browser.js';

describe('the sessions of the analytics page behind the API token', () => {
  let collector: CollectorProcess;
  let browser: Browser;
  beforeAll(async () => {
    [collector, browser] = await Promise.all([startAccessCollector({}), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await collector?.remove();
  });

  it('asks a person who is not signed in to sign in for them, then lists them', async () => {
    const { page, problems, close } = await openPage(browser, `${collector.apiUrl}/status/analytics`);
    try {
      expect(await cardValue(page, 'total-requests')).toBe('12');
      const note = page.locator('#sessions a', { hasText: 'sign in' });
      await note.waitFor();
      expect(await page.locator('#sessions').textContent()).toBe('Sessions name users: sign in to see them.');
      expect(await page.locator('#error').isHidden()).toBe(true);
      // The page does not even ask for them: no refused request.
      expect(problems).toEqual([]);

      await note.click();
      await page.locator('#token').fill(API_TOKEN);
      await Promise.all([page.waitForURL(`${collector.apiUrl}/status/analytics`), page.locator('button[type=submit]').click()]);
      const ids = () => page.locator('#sessions tbody tr td:first-child').evaluateAll((tds) => tds.map((td) => td.textContent).sort());
      expect(await eventually(ids, ['session-0', 'session-1', 'session-2'])).toEqual(['session-0', 'session-1', 'session-2']);
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  }, 60_000);
});
