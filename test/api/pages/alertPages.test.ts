/**
 * Alerts on the pages in headless Chromium, from real ingested spans: an error-rate rule on an
 * endpoint whose route a client made hostile (a right-to-left override) fires at one
 * evaluation, and the next poll of /status shows it at the top (escaped, isolated) and
 * /status/api-status marks the endpoint; once it resolves, the incident timeline of /status
 * lists it with its duration and peak. A silence created through the API marks it silenced and
 * is listed with its (hostile) comment. The minute chart shows the hour before the test's clock.
 * A tokens rule per model fires from GenAI spans and the alert names its provider and (hostile)
 * model. The evaluator and the status API share a clock the test moves; evaluations are
 * stepped by the test (the interval timer is an hour).
 */
import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, MINUTE, send } from '../../collector/alerts/alertHarness.js';
import { makeSpans, otlpProtobuf, serverSpan } from '../../support/otelSpans.js';
import { startTestSpanpulse, type TestSpanpulse } from '../../support/spanpulse.js';
import { ARTIFACTS, eventually, launchBrowser, openPage, type WatchedPage } from '../support/browser.js';

const ROUTE = '/api/orders\u202Egnp.exe';
const SHOWN_ENDPOINT = 'POST /api/orders\\u202Egnp.exe';
const RULE = 'orders-failing';
const TOKEN = 'admin-token-of-the-page-test';
const COMMENT = 'deploy \u202Eevil';
const SHOWN_COMMENT = 'deploy \\u202Eevil';
const MODEL = 'gpt-4o\u202Eevil';
const SHOWN_MODEL = 'gpt-4o\\u202Eevil';

/**
 * Waits for the page's next two completed polls and gives how many it took until `holds()`
 * (1 or 2: a poll already in flight when the state changed may still bring the old state), or
 * 0 when it still does not hold after them.
 */
async function pollsUntil(page: Page, holds: () => Promise<boolean>): Promise<number> {
  for (let polls = 1; polls <= 2; polls += 1) {
    const before = await page.locator('#live').textContent();
    await page.waitForFunction((text) => document.getElementById('live')?.textContent !== text, before, { timeout: 20_000 });
    if (await holds()) return polls;
  }
  return 0;
}

describe('alerts on the status pages', () => {
  const clock = new ManualClock(50);
  let spanpulse: TestSpanpulse;
  let browser: Browser;
  beforeAll(async () => {
    spanpulse = await startTestSpanpulse({
      now: clock.now,
      statusApi: { auth: { bearer_token: TOKEN } },
      alerts: {
        evaluation_interval: '1h',
        rules: [
          { name: RULE, metric: 'error_rate', above: 5, window: '5m', for: '0s', per: 'endpoint', service: 'shop', min_requests: 10 },
          { name: 'model-tokens', metric: 'tokens', above: 2500, window: '5m', for: '0s', per: 'model' },
        ],
      },
    });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await spanpulse?.stop();
  });

  it('an alert fires from spans, shows within one evaluation and one poll, and lands in the incident timeline once resolved', async () => {
    const now = () => clock.now().getTime();
    // Quiet traffic earlier in the hour, then a failing minute.
    await send(spanpulse, { route: ROUTE, method: 'POST', count: 4, atMs: now() - 30 * MINUTE });
    await send(spanpulse, { route: ROUTE, method: 'POST', count: 20, errors: 10, atMs: now() - 20_000 });
    const pages: WatchedPage[] = [];
    try {
      const status = await openPage(browser, `${spanpulse.apiUrl}/status`);
      const phone = await openPage(browser, `${spanpulse.apiUrl}/status`, { width: 390, height: 844 });
      const apiStatus = await openPage(browser, `${spanpulse.apiUrl}/status/api-status`);
      pages.push(status, phone, apiStatus);
      for (const { page } of pages) await page.locator('#live', { hasText: 'updated' }).waitFor();
      expect(await status.page.getByTestId('no-alerts').textContent()).toBe('No alerts');

      const fired = await spanpulse.alerts!.evaluate();
      expect(fired.transitions).toMatchObject([{ state: 'firing', rule: RULE, endpoint: `POST ${ROUTE}` }]);
      const alert = status.page.getByTestId('alert');
      expect(await pollsUntil(status.page, async () => (await alert.count()) === 1)).toBeGreaterThan(0);
      expect(await alert.locator('.badge').first().textContent()).toBe('firing');
      expect(await alert.locator('.rule').textContent()).toBe(RULE);
      expect(await alert.locator('.condition').textContent()).toBe('error rate 50.0 % (above 5.0 %)');
      const names = await alert.locator('.name').evaluateAll((els) => els.map((el) => ({ text: el.textContent, bidi: getComputedStyle(el).unicodeBidi })));
      expect(names).toContainEqual({ text: SHOWN_ENDPOINT, bidi: 'isolate' });
      expect(await alert.textContent()).not.toContain('\u202E');

      // The alerts list at phone width: no sideways scrolling.
      expect(await pollsUntil(phone.page, async () => (await phone.page.getByTestId('alert').count()) === 1)).toBeGreaterThan(0);
      const widths = await phone.page.evaluate(() => ({ page: document.documentElement.scrollWidth, screen: window.innerWidth }));
      expect(widths.page).toBeLessThanOrEqual(widths.screen);
      await phone.page.screenshot({ path: join(ARTIFACTS, 'status-alert-phone.png'), fullPage: true });

      const mark = apiStatus.page.locator('#endpoints tbody tr').getByTestId('endpoint-alert');
      expect(await pollsUntil(apiStatus.page, async () => (await mark.count()) === 1)).toBeGreaterThan(0);
      expect(await mark.textContent()).toBe('alert firing');
      expect(await apiStatus.page.locator('#bars article').getByTestId('endpoint-alert').textContent()).toBe('alert firing');
      await apiStatus.page.screenshot({ path: join(ARTIFACTS, 'api-status-alert.png'), fullPage: true });

      // A silence (maintenance window) with a hostile comment: the alert stays, marked silenced.
      const created = await fetch(`${spanpulse.apiUrl}/api/status/silences`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({ rule: RULE, for: '2h', comment: COMMENT }),
      });
      expect(created.status).toBe(201);
      const silenced = alert.locator('.badge.silenced');
      expect(await pollsUntil(status.page, async () => (await silenced.count()) === 1)).toBeGreaterThan(0);
      expect(await silenced.textContent()).toBe('silenced');
      const silenceRow = status.page.locator('#silences tbody tr:not(.empty-row)');
      expect(await silenceRow.count()).toBe(1);
      expect(await silenceRow.locator('td').first().textContent()).toBe(RULE);
      expect(await silenceRow.locator('td').last().textContent()).toBe(SHOWN_COMMENT);
      expect(await status.page.locator('#silences').textContent()).not.toContain('\u202E');
      expect(await pollsUntil(apiStatus.page, async () => (await mark.textContent()) === 'alert firing (silenced)')).toBeGreaterThan(0);
      await status.page.screenshot({ path: join(ARTIFACTS, 'status-alert.png'), fullPage: true });

      // A minute later the endpoint answers again: 10 errors of 320 requests in the window, 3.1 %.
      clock.advance(MINUTE);
      await send(spanpulse, { route: ROUTE, method: 'POST', count: 300, atMs: now() - 20_000 });
      const resolved = await spanpulse.alerts!.evaluate();
      expect(resolved.transitions).toMatchObject([{ state: 'resolved', rule: RULE }]);
      const incident = status.page.locator('#incidents tbody tr:not(.empty-row)');
      expect(await pollsUntil(status.page, async () => (await incident.count()) === 1 && (await alert.count()) === 0)).toBeGreaterThan(0);
      expect(await status.page.getByTestId('no-alerts').textContent()).toBe('No alerts');
      const cells = await incident.locator('td').allTextContents();
      expect(cells).toEqual([
        new Date(now() - MINUTE).toISOString().replace('T', ' ').slice(0, 16) + ' UTC', RULE, `service shop · endpoint ${SHOWN_ENDPOINT}`,
        '1 min', 'error rate 50.0 %', '0 sent',
      ]);
      expect(await status.page.locator('#incident-strip .bars span.major').count()).toBe(1);
      expect(await eventually(() => apiStatus.page.getByTestId('endpoint-alert').count(), 0)).toBe(0);

      // The minute chart: the 60 minutes before the clock, with every request sent in them.
      const minutes = await (await fetch(`${spanpulse.apiUrl}/api/status/minutes`)).json();
      expect(minutes.minutes).toHaveLength(60);
      expect(minutes.minutes.reduce((n: number, m: any) => n + m.requests, 0)).toBe(324);
      const drawn = () => status.page.evaluate(() => {
        const chart = (window as any).Chart.getChart(document.querySelector('#minutes canvas'));
        return chart === undefined ? null : { labels: chart.data.labels, requests: chart.data.datasets[0].data };
      });
      const expected = { labels: minutes.minutes.map((m: any) => m.start.slice(11, 16)), requests: minutes.minutes.map((m: any) => m.requests) };
      expect(await eventually(drawn, expected)).toEqual(expected);
      await status.page.screenshot({ path: join(ARTIFACTS, 'status-incident.png'), fullPage: true });
      for (const { problems } of pages) expect(problems).toEqual([]);
    } finally {
      for (const { close } of pages) await close();
    }
  });

  it('a tokens alert per model names its provider and model on the status page', async () => {
    const at = clock.now().getTime() - 20_000;
    const chat = (i: number, model: string, provider: string) => ({
      name: `chat ${model}`, kind: SpanKind.CLIENT, startMs: at + 20 + i * 100, durationMs: 50,
      attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': provider, 'gen_ai.response.model': model, 'gen_ai.usage.input_tokens': 1000, 'gen_ai.usage.output_tokens': 200 },
    });
    const server = serverSpan({ service: 'assistant', method: 'POST', route: '/api/ask', status: 200, startMs: at, durationMs: 2000 });
    server.children = [{
      name: 'invoke_agent planner', kind: SpanKind.INTERNAL, startMs: at + 10, durationMs: 1900,
      attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'planner' },
      children: [chat(0, MODEL, 'openai'), chat(1, MODEL, 'openai'), chat(2, MODEL, 'openai'), chat(3, 'local-llm', 'ollama')],
    }];
    expect((await spanpulse.post(otlpProtobuf(makeSpans([server])))).status).toBe(200);
    const status = await openPage(browser, `${spanpulse.apiUrl}/status`);
    try {
      await status.page.locator('#live', { hasText: 'updated' }).waitFor();
      const fired = await spanpulse.alerts!.evaluate();
      expect(fired.transitions).toMatchObject([{ state: 'firing', rule: 'model-tokens', provider: 'openai', model: MODEL, value: 3600 }]);
      const alert = status.page.getByTestId('alert');
      expect(await pollsUntil(status.page, async () => (await alert.count()) === 1)).toBeGreaterThan(0);
      expect(await alert.locator('.group').textContent()).toBe(`service assistant · provider openai · model ${SHOWN_MODEL}`);
      expect(await alert.locator('.condition').textContent()).toBe('tokens 3,600 (above 2,500)');
      expect(await alert.textContent()).not.toContain('\u202E');
      const incident = status.page.locator('#incidents tbody tr', { hasText: 'model-tokens' });
      expect(await eventually(() => incident.count(), 1)).toBe(1);
      expect((await incident.locator('td').allTextContents()).slice(2)).toEqual([
        `service assistant · provider openai · model ${SHOWN_MODEL}`, 'ongoing', 'tokens 3,600', '0 sent',
      ]);
      await status.page.screenshot({ path: join(ARTIFACTS, 'status-alert-model.png'), fullPage: true });
      expect(status.problems).toEqual([]);
    } finally {
      await status.close();
    }
  });
});
