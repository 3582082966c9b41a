/**
 * The three status pages in headless Chromium, served by the API app on seeded data: they
 * load without console errors, show the numbers the JSON endpoints give, follow the pickers,
 * sort, update by themselves when new spans arrive, fit a phone screen, and explain what to
 * do when there is no data yet. Screenshots go to test/artifacts/.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { serverSpan } from '../../support/otelSpans.js';
import { startTestSpanpulse } from '../../support/spanpulse.js';
import { pinnedNow, startApiHarness } from '../support/apiHarness.js';
import { ARTIFACTS, cardValue, eventually, launchBrowser, openPage } from '../support/browser.js';
import { seedTraffic } from '../support/seedTraffic.js';
import { useSeededPages } from '../support/useSeededPages.js';

/** The pages' number formats (api/public/common.js). */
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (n >= 10_000 ? `${(n / 1000).toFixed(1)} s` : n >= 100 ? `${Math.round(n)} ms` : `${n.toFixed(1)} ms`);
const percent = (n: number) => (n === 100 || n === 0 ? `${n} %` : `${n.toFixed(2)} %`);
/** "HH:MM" of the UTC minute of `ms`. */
const minuteOf = (ms: number) => new Date(ms).toISOString().slice(11, 16);

async function expectCard(page: Page, testId: string, text: string): Promise<void> {
  await page.waitForFunction(([id, want]) => document.querySelector(`[data-testid="${id}"] .value`)?.textContent === want,
    [testId, text] as const, { timeout: 15_000 }).catch(() => undefined);
  expect(await cardValue(page, testId), testId).toBe(text);
}

describe('status pages in Chromium', () => {
  const seeded = useSeededPages((now) => seedTraffic({ now }).specs);

  /** Two new requests of `shop` just before the pinned now. */
  async function sendFresh(tag: string): Promise<void> {
    const { api } = seeded();
    const t = api.now.getTime();
    await api.send([
      serverSpan({ service: 'shop', method: 'GET', route: '/api/products', status: 200, startMs: t - 20_000, durationMs: 8, sessionId: `${tag}-1` }),
      serverSpan({ service: 'shop', method: 'GET', route: '/api/products', status: 200, startMs: t - 10_000, durationMs: 9, sessionId: `${tag}-2` }),
    ]);
  }

  it('/status shows the platform state from the API and updates without a reload', async () => {
    const { browser, api } = seeded();
    const status = (await api.getJson('/api/status')).body;
    const { page, problems, close } = await openPage(browser, `${api.url}/status`);
    try {
      await expectCard(page, 'requests', int(status.apiPerformance.totalRequests));
      await expectCard(page, 'active-users', int(status.activeUsers));
      await expectCard(page, 'success-rate', percent(status.apiPerformance.successRate));
      await expectCard(page, 'tracked-agents', int(status.trackedAgents));
      await expectCard(page, 'store', 'sqlite');
      expect(await cardValue(page, 'cpu')).toMatch(/^\d+ %$/);
      expect(await eventually(() => page.locator('#services tbody tr').count(), 2)).toBe(2);
      expect(await eventually(() => page.locator('#agents tbody tr').count(), status.agents.length)).toBe(status.agents.length);
      expect(await page.locator('#no-data').textContent()).toBe('');
      await page.screenshot({ path: join(ARTIFACTS, 'status.png'), fullPage: true });

      await sendFresh('status');
      await expectCard(page, 'requests', int(status.apiPerformance.totalRequests + 2));
      await expectCard(page, 'active-users', int(status.activeUsers + 2));
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it('/status/analytics shows the window figures and charts, follows the pickers, sorts, updates live', async () => {
    const { browser, api } = seeded();
    const day = (await api.getJson('/api/status/analytics?window=24h&tz=UTC')).body;
    const { page, problems, close } = await openPage(browser, `${api.url}/status/analytics`);
    try {
      await expectCard(page, 'total-requests', int(day.totalRequests));
      await expectCard(page, 'active-users', int(day.activeUsers));
      await expectCard(page, 'unique-users', int(day.uniqueUsers));
      await expectCard(page, 'p95-response', ms(day.p95ResponseTime));
      await expectCard(page, 'success-rate', percent(day.successRate));
      const charts = await page.evaluate(() => {
        const chart = (id: string) => (window as any).Chart.getChart(id);
        return { daily: chart('daily-chart').data.labels.length, hourly: chart('hourly-chart').data.datasets[0].data };
      });
      expect(charts.daily).toBe(day.dailyTrend.length);
      expect(charts.hourly).toEqual(day.hourlyDistribution.map((b: any) => b.requests));

      await page.getByRole('combobox', { name: 'Time window' }).selectOption('7d');
      await page.getByRole('combobox', { name: 'Service' }).selectOption('crm');
      const week = (await api.getJson('/api/status/analytics?window=7d&service=crm&tz=UTC')).body;
      await expectCard(page, 'total-requests', int(week.totalRequests));
      expect(new URL(page.url()).search).toBe('?window=7d&service=crm');
      expect(await eventually(() => page.locator('#agents tbody tr').count(), week.agents.length)).toBe(week.agents.length);

      const requestsHeader = page.locator('#agents th', { hasText: 'Requests' });
      await requestsHeader.getByRole('button').click();
      expect(await eventually(() => requestsHeader.getAttribute('aria-sort'), 'ascending')).toBe('ascending');
      const counts = await page.locator('#agents tbody tr td:nth-child(3)').allTextContents();
      expect(counts).toEqual([...counts].sort((a, b) => Number(a.replace(/,/g, '')) - Number(b.replace(/,/g, ''))));

      await page.getByRole('combobox', { name: 'Time window' }).selectOption('24h');
      await page.getByRole('combobox', { name: 'Service' }).selectOption('');
      await expectCard(page, 'total-requests', int((await api.getJson('/api/status/analytics?window=24h&tz=UTC')).body.totalRequests));
      await page.screenshot({ path: join(ARTIFACTS, 'analytics.png'), fullPage: true });

      const before = (await api.getJson('/api/status/analytics?window=24h&tz=UTC')).body.totalRequests;
      await sendFresh('analytics');
      await expectCard(page, 'total-requests', int(before + 2));
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it('/status/api-status lists every endpoint with its state, figures and 90 daily bars', async () => {
    const { browser, api } = seeded();
    const data = (await api.getJson('/api/status/api-status?window=24h')).body;
    const { page, problems, close } = await openPage(browser, `${api.url}/status/api-status`);
    try {
      await expectCard(page, 'endpoints', int(data.summary.endpoints));
      await expectCard(page, 'degraded', int(data.summary.degraded));
      await expectCard(page, 'down', int(data.summary.down));
      expect(await eventually(() => page.locator('#endpoints tbody tr').count(), data.endpoints.length)).toBe(data.endpoints.length);
      expect(await eventually(() => page.locator('#bars article.endpoint').count(), data.endpoints.length)).toBe(data.endpoints.length);
      const bars = await page.locator('#bars .bars').evaluateAll((rows) => rows.map((row) => row.children.length));
      expect(bars).toEqual(data.endpoints.map(() => 90));

      const reports = data.endpoints.find((e: any) => e.endpoint === '/api/reports/:id');
      const row = page.locator('#endpoints tbody tr', { hasText: '/api/reports/:id' });
      expect(await row.locator('.badge').textContent()).toBe('down');
      expect(await row.locator('td').nth(5).textContent()).toBe(ms(reports.p95ResponseTime));

      const article = page.locator('#bars article', { hasText: 'POST/api/agents/:agent/chat' }).first();
      await article.locator('details.agents summary').click();
      await article.locator('table tbody tr').first().waitFor({ state: 'visible' });
      await page.screenshot({ path: join(ARTIFACTS, 'api-status.png'), fullPage: true });

      await page.getByRole('combobox', { name: 'Service' }).selectOption('crm');
      expect(await eventually(() => page.locator('#endpoints tbody tr').count(), data.endpoints.filter((e: any) => e.serviceName === 'crm').length)).toBe(data.endpoints.filter((e: any) => e.serviceName === 'crm').length);
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it('fits a phone screen: no sideways scrolling of the page, controls have names', async () => {
    const { browser, api } = seeded();
    for (const [path, name] of [['/status', 'status'], ['/status/analytics', 'analytics'], ['/status/api-status', 'api-status']] as const) {
      const { page, problems, close } = await openPage(browser, `${api.url}${path}`, { width: 390, height: 844 });
      try {
        await page.locator('#live', { hasText: 'updated' }).waitFor();
        const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, screen: window.innerWidth }));
        expect(widths.page, path).toBeLessThanOrEqual(widths.screen);
        const unnamed = await page.evaluate(() => Array.from(document.querySelectorAll('select, button'))
          .filter((el) => !(el.getAttribute('aria-label') || el.textContent?.trim())).length);
        expect(unnamed, path).toBe(0);
        await page.screenshot({ path: join(ARTIFACTS, `${name}-phone.png`), fullPage: true });
        expect(problems).toEqual([]);
      } finally {
        await close();
      }
    }
  });

  // Last in this block: it adds a service of its own to the seeded store.
  it('/status/api-status sorts each per-agent table by its headers and keeps the order across refreshes', async () => {
    const { browser, api } = seeded();
    const t = api.now.getTime() - 60_000;
    const chat = (agent: string, durationMs: number) =>
      serverSpan({ service: 'assist', method: 'POST', route: '/api/agents/:agent/chat', path: `/api/agents/${agent}/chat`, status: 200, startMs: t, durationMs });
    const help = (agent: string) => serverSpan({ service: 'assist', route: '/api/help', status: 200, startMs: t, durationMs: 5, agent });
    // Requests: bravo 3, charlie 2, alpha 1. Average time: bravo 900 ms, alpha 200 ms, charlie 20 ms.
    await api.send([chat('alpha', 200), chat('bravo', 900), chat('bravo', 900), chat('bravo', 900), chat('charlie', 20), chat('charlie', 20),
      help('zulu'), help('zulu'), help('yankee')]);

    const { page, problems, close } = await openPage(browser, `${api.url}/status/api-status`);
    try {
      const chatCard = page.getByRole('article', { name: 'POST /api/agents/:agent/chat (assist)' });
      const helpCard = page.getByRole('article', { name: 'GET /api/help (assist)' });
      const agents = (card: typeof chatCard) => () => card.locator('tbody tr td:first-child').allTextContents();
      const header = (label: string) => chatCard.locator('th', { hasText: label });
      async function sortBy(label: string, dir: 'ascending' | 'descending', order: string[]) {
        await header(label).getByRole('button').click();
        expect(await eventually(() => header(label).getAttribute('aria-sort'), dir), label).toBe(dir);
        expect(await eventually(agents(chatCard), order), `${label} ${dir}`).toEqual(order);
      }

      await chatCard.locator('details.agents summary').click();
      expect(await eventually(agents(chatCard), ['bravo', 'charlie', 'alpha'])).toEqual(['bravo', 'charlie', 'alpha']);
      await sortBy('Requests', 'ascending', ['alpha', 'charlie', 'bravo']);
      await sortBy('Avg', 'descending', ['bravo', 'alpha', 'charlie']);
      await sortBy('Agent', 'descending', ['charlie', 'bravo', 'alpha']);
      await sortBy('Agent', 'ascending', ['alpha', 'bravo', 'charlie']);
      expect(await agents(helpCard)()).toEqual(['zulu', 'yankee']);

      // The next poll re-renders the page from fresh data: the chosen order and the open table stay.
      const updated = await page.locator('#live').textContent();
      await page.waitForFunction((before) => document.getElementById('live')?.textContent !== before, updated, { timeout: 15_000 });
      expect(await agents(chatCard)()).toEqual(['alpha', 'bravo', 'charlie']);
      expect(await chatCard.locator('details.agents').getAttribute('open')).toBe('');
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });
});

describe('status pages without data', () => {
  it('explain how to send spans, show no invented numbers, and fill in once spans arrive', async () => {
    const browser = await launchBrowser();
    const api = await startApiHarness(() => startTestSpanpulse(), pinnedNow());
    try {
      for (const [path, name] of [['/status', 'status'], ['/status/analytics', 'analytics'], ['/status/api-status', 'api-status']] as const) {
        const { page, problems, close } = await openPage(browser, `${api.url}${path}`);
        try {
          await page.getByRole('heading', { name: 'No data yet — how to send spans' }).waitFor({ state: 'visible' });
          expect(await page.locator('.no-data pre').textContent()).toContain('OTEL_EXPORTER_OTLP_ENDPOINT=');
          await page.screenshot({ path: join(ARTIFACTS, `${name}-no-data.png`), fullPage: true });
          expect(problems).toEqual([]);
        } finally {
          await close();
        }
      }
      const { page, problems, close } = await openPage(browser, `${api.url}/status`);
      try {
        await expectCard(page, 'requests', '0');
        await expectCard(page, 'success-rate', '—');
        // The last 60 minutes: said to be empty, no chart drawn.
        expect(await page.getByTestId('minutes-empty').textContent()).toBe('No data yet: no requests in the last 60 minutes');
        expect(await page.locator('#minutes .chart-box').isHidden()).toBe(true);
        const t = api.now.getTime();
        await api.send([serverSpan({ service: 'first', route: '/hello', status: 200, startMs: t - 5_000, durationMs: 3, sessionId: 'x' })]);
        await expectCard(page, 'requests', '1');
        await expectCard(page, 'success-rate', '100 %');
        const summary = `1 request, 0 errors in the last 60 minutes (${minuteOf(t - 59 * 60_000)}–${minuteOf(t + 60_000)} UTC)`;
        expect(await eventually(() => page.getByTestId('minutes-summary').textContent(), summary)).toBe(summary);
        expect(await page.locator('#minutes .chart-box').isVisible()).toBe(true);
        expect(await page.getByTestId('minutes-empty').isHidden()).toBe(true);
        expect(await eventually(() => page.getByRole('heading', { name: 'No data yet — how to send spans' }).count(), 0)).toBe(0);
        expect(problems).toEqual([]);
      } finally {
        await close();
      }
    } finally {
      await browser.close();
      await api.close();
    }
  });
});
