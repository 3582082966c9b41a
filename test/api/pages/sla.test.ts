/**
 * The SLA page (/status/sla) in headless Chromium on seeded traffic with the SLA contract's
 * objectives: it shows the month's report as the JSON gives it, links its CSV, never scrolls
 * sideways on a phone or on paper (print media hides the controls and fits the tables to an
 * A4 page), and prints to a PDF. Screenshots and the PDF go to test/artifacts/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { SEEDED_SLO } from '../contract/slaContract.js';
import { ARTIFACTS, openPage } from '../support/browser.js';
import { seedTraffic } from '../support/seedTraffic.js';
import { useSeededPages } from '../support/useSeededPages.js';

/** The page's number formats (api/public/common.js). */
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const percent = (n: number, digits: number) => (n === 100 || n === 0 ? `${n} %` : `${n.toFixed(digits)} %`);

/** A month with several days of the seeded traffic. */
function monthOf(now: Date): string {
  const day = new Date(now.getTime() - 3 * 86_400_000);
  return `${day.getUTCFullYear()}-${String(day.getUTCMonth() + 1).padStart(2, '0')}`;
}

const A4 = { width: 794, height: 1123 };

async function rowTexts(page: Page, section: string): Promise<string[][]> {
  return page.locator(`#${section} tbody tr`).evaluateAll((rows) => rows.map((row) => [...row.querySelectorAll('td')].map((td) => td.textContent ?? '')));
}

async function overflow(page: Page): Promise<{ page: number; screen: number; tables: number[] }> {
  return page.evaluate(() => ({
    page: document.documentElement.scrollWidth,
    screen: window.innerWidth,
    tables: [...document.querySelectorAll('table')].map((table) => Math.ceil(table.getBoundingClientRect().right)),
  }));
}

describe('the SLA page in Chromium', () => {
  const seeded = useSeededPages((now) => seedTraffic({ now }).specs, { slo: SEEDED_SLO });

  it('shows the month\'s report as the JSON has it and links its CSV', async () => {
    const { browser, api } = seeded();
    const month = monthOf(api.now);
    const report = (await api.getJson(`/api/status/export?report=sla&month=${month}`)).body;
    const { page, problems, close } = await openPage(browser, `${api.url}/status/sla?month=${month}`);
    try {
      await page.locator('#endpoints tbody tr').first().waitFor();
      expect(await page.locator('#month').inputValue()).toBe(month);
      expect(await page.locator('#period').textContent()).toBe(`${report.from.slice(0, 10)} to ${report.to.slice(0, 10)} (UTC, end exclusive)`);
      const expected = (e: any, withEndpoint: boolean) => [
        e.service, ...(withEndpoint ? [`${e.method} ${e.endpoint}`] : []), percent(e.target, 3), int(e.requests), int(e.failed),
        percent(e.availability, 3), e.met ? 'met' : 'missed', e.errorBudget.allowed.toFixed(1),
        e.errorBudget.usedPercent === null ? int(e.errorBudget.used) : `${int(e.errorBudget.used)} (${percent(e.errorBudget.usedPercent, 1)})`,
        e.errorBudget.exhausted ? 'exhausted' : e.errorBudget.remaining.toFixed(1),
      ];
      const services = await rowTexts(page, 'services');
      expect(services.map((cells) => cells.slice(0, 9))).toEqual(report.services.map((e: any) => expected(e, false)));
      const endpoints = await rowTexts(page, 'endpoints');
      expect(endpoints.map((cells) => cells.slice(0, 10))).toEqual(report.endpoints.map((e: any) => expected(e, true)));
      // The latency verdicts and the worst days are there too.
      endpoints.forEach((cells, i) => {
        const e = report.endpoints[i];
        expect(cells[11], e.endpoint).toMatch(e.latencyMet ? /met$/ : /missed$/);
        expect(cells[12], e.endpoint).toBe(e.worstDays.map((d: any) => `${d.date} ${percent(d.availability, 2)}`).join(', '));
      });
      const href = await page.locator('#csv').getAttribute('href');
      expect(href).toBe(`/api/status/export?report=sla&format=csv&month=${month}`);
      const csv = await page.request.get(`${api.url}${href}`);
      expect(csv.status()).toBe(200);
      expect(csv.headers()['content-type']).toMatch(/^text\/csv/);
      await page.screenshot({ path: join(ARTIFACTS, 'sla.png'), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it('fits a phone screen and an A4 page: no sideways overflow; printed without the controls, as a PDF', { timeout: 120_000 }, async () => {
    const { browser, api } = seeded();
    const month = monthOf(api.now);
    for (const viewport of [{ width: 390, height: 844 }, { width: 1280, height: 800 }, A4]) {
      const { page, problems, close } = await openPage(browser, `${api.url}/status/sla?month=${month}`, viewport);
      try {
        await page.locator('#endpoints tbody tr').first().waitFor();
        const screen = await overflow(page);
        expect(screen.page, `screen at ${viewport.width} px`).toBeLessThanOrEqual(screen.screen);

        // Paper is laid out at its own width, whatever the screen: print media is checked at A4 width and wider.
        if (viewport.width >= A4.width) {
          await page.emulateMedia({ media: 'print' });
          const printed = await overflow(page);
          expect(printed.page, `print at ${viewport.width} px`).toBeLessThanOrEqual(printed.screen);
          // On paper nothing scrolls: every table ends inside the page.
          for (const right of printed.tables) expect(right, `a printed table at ${viewport.width} px`).toBeLessThanOrEqual(printed.screen);
          for (const selector of ['header.top', '#controls']) expect(await page.locator(selector).isVisible(), selector).toBe(false);
          expect(await page.locator('#endpoints tbody tr').first().isVisible()).toBe(true);
        }
        if (viewport === A4) {
          await page.screenshot({ path: join(ARTIFACTS, 'sla-print.png'), fullPage: true });
          const pdf = join(ARTIFACTS, 'sla.pdf');
          await page.pdf({ path: pdf, format: 'A4', printBackground: true });
          expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
        }
        expect(problems).toEqual([]);
      } finally {
        await close();
      }
    }
  });
});
