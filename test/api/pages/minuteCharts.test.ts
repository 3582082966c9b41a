/**
 * The live "last 60 minutes" charts in headless Chromium: on /status for the platform and on
 * an endpoint of /status/api-status once opened, each drawn from the same figures
 * /api/status/minutes gives and redrawn as spans arrive ("No data yet" on an empty store is
 * in pages.test.ts); "No alerts" and an empty incident timeline from a collector that reports
 * no alerts; no sideways scrolling at phone width. Screenshots go to test/artifacts/.
 */
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { serverSpan } from '../../support/otelSpans.js';
import type { ApiHarness } from '../support/apiHarness.js';
import { ARTIFACTS, eventually, openPage } from '../support/browser.js';
import { seedTraffic } from '../support/seedTraffic.js';
import { useSeededPages } from '../support/useSeededPages.js';

interface Drawn {
  labels: string[];
  requests: number[];
  errors: number[];
  p95: Array<number | null>;
}

/** What the chart on the canvas inside `scope` draws, or null when there is none. */
async function drawn(scope: Locator): Promise<Drawn | null> {
  return scope.evaluate((el) => {
    const canvas = el.querySelector('canvas');
    const chart = canvas === null ? undefined : (window as any).Chart.getChart(canvas);
    if (chart === undefined) return null;
    const [requests, errors, p95] = chart.data.datasets.map((d: any) => d.data);
    return { labels: chart.data.labels, requests, errors, p95 };
  });
}

/** What the chart should draw from an /api/status/minutes answer. */
function expected(answer: any): Drawn {
  return {
    labels: answer.minutes.map((m: any) => m.start.slice(11, 16)),
    requests: answer.minutes.map((m: any) => m.requests),
    errors: answer.minutes.map((m: any) => m.errors),
    p95: answer.minutes.map((m: any) => m.p95ResponseTime),
  };
}

const plural = (n: number, what: string) => `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'}`;

async function noSidewaysScrolling(page: Page, what: string): Promise<void> {
  const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, screen: window.innerWidth }));
  expect(widths.page, what).toBeLessThanOrEqual(widths.screen);
}

/** Three requests of shop's POST /api/orders in the minute in progress, one of them failing. */
async function sendOrders(api: ApiHarness): Promise<void> {
  const t = api.now.getTime();
  const order = (ms: number, status: number, durationMs: number) =>
    serverSpan({ service: 'shop', method: 'POST', route: '/api/orders', status, startMs: t - ms, durationMs });
  await api.send([order(9000, 200, 40), order(6000, 502, 900), order(3000, 200, 60)]);
}

describe('last 60 minutes charts in Chromium', () => {
  const seeded = useSeededPages((now) => seedTraffic({ now }).specs);

  it('/status charts the platform minute by minute, updates live, and shows no alerts or incidents', async () => {
    const { browser, api } = seeded();
    const { page, problems, close } = await openPage(browser, `${api.url}/status`);
    try {
      const minutes = page.locator('#minutes');
      const answer = (await api.getJson('/api/status/minutes')).body;
      expect(answer.minutes).toHaveLength(60);
      expect(await eventually(() => drawn(minutes), expected(answer))).toEqual(expected(answer));
      const requests = answer.minutes.reduce((n: number, m: any) => n + m.requests, 0);
      const errors = answer.minutes.reduce((n: number, m: any) => n + m.errors, 0);
      expect(await minutes.getByTestId('minutes-summary').textContent())
        .toBe(`${plural(requests, 'request')}, ${plural(errors, 'error')} in the last 60 minutes (${answer.from.slice(11, 16)}–${answer.to.slice(11, 16)} UTC)`);
      expect(await minutes.getByTestId('minutes-empty').isHidden()).toBe(true);

      // The collector under test evaluates no alert rules yet: nothing active, nothing in the history.
      expect(await page.getByTestId('no-alerts').textContent()).toBe('No alerts');
      expect(await page.locator('#incidents tbody tr').allTextContents()).toEqual(['No incidents in the last 90 days']);
      expect(await page.locator('#incident-strip .bars span').count()).toBe(90);
      expect(await page.locator('#incident-strip .bars span.major').count()).toBe(0);
      await page.screenshot({ path: join(ARTIFACTS, 'status-minutes.png'), fullPage: true });

      await sendOrders(api);
      const after = (await api.getJson('/api/status/minutes')).body;
      expect(after.minutes.at(-1).requests).toBeGreaterThanOrEqual(3);
      expect(await eventually(() => drawn(minutes), expected(after))).toEqual(expected(after));
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it('/status/api-status charts an endpoint once opened, keeps it open across refreshes, and drops it when closed', async () => {
    const { browser, api } = seeded();
    const { page, problems, close } = await openPage(browser, `${api.url}/status/api-status`);
    try {
      const card = page.getByRole('article', { name: 'POST /api/orders (shop)' });
      const details = card.locator('details.minutes');
      expect(await drawn(card)).toBeNull();
      await details.locator('summary').click();
      const path = `/api/status/minutes?${new URLSearchParams({ service: 'shop', method: 'POST', route: '/api/orders' })}`;
      const answer = (await api.getJson(path)).body;
      expect(await eventually(() => drawn(details), expected(answer))).toEqual(expected(answer));
      await page.screenshot({ path: join(ARTIFACTS, 'api-status-minutes.png'), fullPage: true });

      // The next poll re-renders the cards: the chart stays open and follows new spans.
      await sendOrders(api);
      const after = (await api.getJson(path)).body;
      expect(after.minutes.at(-1).requests).toBeGreaterThan(answer.minutes.at(-1).requests);
      expect(await eventually(() => drawn(details), expected(after))).toEqual(expected(after));
      expect(await details.getAttribute('open')).toBe('');
      // Other endpoints' charts stay closed and unloaded.
      expect(await page.locator('details.minutes[open]').count()).toBe(1);

      await details.locator('summary').click();
      expect(await eventually(() => page.locator('#bars canvas').count(), 0)).toBe(0);
      expect(await page.evaluate(() => Object.keys((window as any).Chart.instances).length)).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it('fits a phone screen with the charts shown', async () => {
    const { browser, api } = seeded();
    for (const path of ['/status', '/status/api-status']) {
      const { page, problems, close } = await openPage(browser, `${api.url}${path}`, { width: 390, height: 844 });
      try {
        await page.locator('#live', { hasText: 'updated' }).waitFor();
        if (path === '/status/api-status') {
          const details = page.getByRole('article', { name: 'POST /api/orders (shop)' }).locator('details.minutes');
          await details.locator('summary').click();
          await details.locator('canvas').waitFor();
          expect(await eventually(async () => (await drawn(details)) !== null, true)).toBe(true);
        } else {
          expect(await eventually(async () => (await drawn(page.locator('#minutes'))) !== null, true)).toBe(true);
        }
        await noSidewaysScrolling(page, path);
        await page.screenshot({ path: join(ARTIFACTS, `${path === '/status' ? 'status' : 'api-status'}-minutes-phone.png`), fullPage: true });
        expect(problems).toEqual([]);
      } finally {
        await close();
      }
    }
  });
});
