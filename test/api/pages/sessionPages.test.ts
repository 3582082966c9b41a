/**
 * The analytics page's sessions table and session timeline in Chromium, at desktop width and
 * at 390 px: sessions from spans made by the OTel SDK (serialized by the official OTLP
 * serializer) through a spanpulse with a price table, 30 of them so the table pages; a user
 * id and an agent name with bidi overrides and controls; clicking a session opens its
 * requests in order with time, method, route, status, duration, agent, tokens and cost.
 */
import { SpanKind } from '@opentelemetry/api';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { makeSpans, otlpProtobuf, serverSpan, type SpanSpec } from '../../support/otelSpans.js';
import { ARTIFACTS, eventually, openPage } from '../support/browser.js';
import { usePricedPages } from '../support/pricedPages.js';

const VIEWPORTS = [{ width: 1280, height: 900 }, { width: 390, height: 844 }] as const;
const SERVICE = 'assistant';
const HOSTILE_AGENT = 'plan\u202Ener\u0007';
const SHOWN_AGENT = 'plan\\u202Ener\\u0007';
const HOSTILE_USER = 'eve\u2067\u05D0\u05D1';
const OTHER_SESSIONS = Array.from({ length: 29 }, (_, i) => `visitor-${String(i).padStart(2, '0')}`);

const t0 = Math.floor((Date.now() - 10 * 60_000) / 1000) * 1000;
const iso = (ms: number) => new Date(ms).toISOString().slice(11, 23);

/** alice: a plain GET, an agent run with a priced and an unpriced model call, a failing request. */
function aliceTraffic(): SpanSpec[] {
  const chat = (model: string, input: number, output: number, startMs: number): SpanSpec => ({
    name: `chat ${model}`, kind: SpanKind.CLIENT, startMs, durationMs: 300,
    attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.response.model': model, 'gen_ai.usage.input_tokens': input, 'gen_ai.usage.output_tokens': output },
  });
  const ask = serverSpan({ service: SERVICE, method: 'POST', route: '/api/ask', status: 200, startMs: t0 + 2000, durationMs: 1500, sessionId: 'alice', userId: HOSTILE_USER });
  ask.children = [{
    name: `invoke_agent ${HOSTILE_AGENT}`, kind: SpanKind.INTERNAL, startMs: t0 + 2010, durationMs: 1400,
    attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': HOSTILE_AGENT, 'gen_ai.usage.input_tokens': 9999, 'gen_ai.usage.output_tokens': 9999 },
    // 1000 x 2.5 + 200 x 10 = 4500 millionths of a dollar; the local model has no price.
    children: [chat('gpt-4o', 1000, 200, t0 + 2020), chat('local-llm', 300, 30, t0 + 2400)],
  }];
  return [
    serverSpan({ service: SERVICE, route: '/api/items', status: 200, startMs: t0, durationMs: 12, sessionId: 'alice', userId: HOSTILE_USER }),
    ask,
    serverSpan({ service: SERVICE, route: '/api/fail', status: 503, startMs: t0 + 5000, durationMs: 250, sessionId: 'alice', userId: HOSTILE_USER }),
  ];
}

const EXPECTED_TIMELINE = [
  [iso(t0), 'GET', '/api/items', '200', '12.0 ms', '—', '0 / 0', '—'],
  [iso(t0 + 2000), 'POST', '/api/ask', '200', '1500 ms', SHOWN_AGENT, '1,300 / 230', '0.0045 USD'],
  [iso(t0 + 5000), 'GET', '/api/fail', '503', '250 ms', '—', '0 / 0', '—'],
];

async function rows(page: Page, selector: string): Promise<string[][]> {
  return page.locator(`${selector} tbody tr`).evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
}

async function noSidewaysScrolling(page: Page): Promise<void> {
  const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, screen: window.innerWidth }));
  expect(widths.page).toBeLessThanOrEqual(widths.screen);
}

describe('analytics page: sessions and a session timeline', () => {
  const pages = usePricedPages(async (collector) => {
    const others = OTHER_SESSIONS.map((sessionId, i) => serverSpan({ service: SERVICE, route: '/api/items', status: 200, startMs: t0 + 10_000 + i * 1000, durationMs: 8, sessionId }));
    expect((await collector.post(otlpProtobuf(makeSpans([...aliceTraffic(), ...others])))).status).toBe(200);
  });

  for (const viewport of VIEWPORTS) {
    it(`at ${viewport.width} px: lists the sessions sent in pages, opens the right timeline, no sideways scrolling`, async () => {
      const { browser, collector } = pages();
      const { page, problems, close } = await openPage(browser, `${collector.apiUrl}/status/analytics`, viewport);
      try {
        const sessionIds = async () => (await rows(page, '#sessions')).map((r) => r[0]);
        // Latest activity first: the visitors came after alice, the last one first.
        const firstPage = [...OTHER_SESSIONS].reverse().slice(0, 25);
        expect(await eventually(sessionIds, firstPage)).toEqual(firstPage);
        await noSidewaysScrolling(page);
        await page.getByRole('button', { name: 'Older sessions' }).click();
        const secondPage = [...[...OTHER_SESSIONS].reverse().slice(25), 'alice'];
        expect(await eventually(sessionIds, secondPage)).toEqual(secondPage);
        expect(await page.getByRole('button', { name: 'Older sessions' }).isDisabled()).toBe(true);

        const alice = (await rows(page, '#sessions')).find((r) => r[0] === 'alice')!;
        // Session, user, service, last activity, duration, requests, errors, agents, tokens, cost.
        expect(alice).toEqual(['alice', 'eve\\u2067\u05D0\u05D1', SERVICE, expect.stringMatching(/UTC$/), '5 s', '3', '1', SHOWN_AGENT, '1,300 / 230', '0.0045 USD']);
        await noSidewaysScrolling(page);

        await page.getByRole('button', { name: 'Open the timeline of session alice' }).click();
        await page.locator('#timeline').waitFor({ state: 'visible' });
        expect(await eventually(() => rows(page, '#timeline-requests'), EXPECTED_TIMELINE)).toEqual(EXPECTED_TIMELINE);
        expect(await page.locator('#timeline-title').textContent()).toContain('alice');
        const names = await page.locator('#timeline .name, #sessions .name').evaluateAll((els) =>
          els.map((el) => ({ text: el.textContent, bidi: getComputedStyle(el).unicodeBidi })));
        expect(names.every((n) => n.bidi === 'isolate')).toBe(true);
        expect(await page.locator('body').textContent()).not.toMatch(/[\u202E\u0007\u2067]/);
        await noSidewaysScrolling(page);
        await page.screenshot({ path: join(ARTIFACTS, `analytics-sessions-${viewport.width}.png`), fullPage: true });

        await page.getByRole('button', { name: 'Newer sessions' }).click();
        expect(await eventually(sessionIds, firstPage)).toEqual(firstPage);
        await page.getByRole('button', { name: 'Open the timeline of session visitor-28' }).click();
        const visitor = [[iso(t0 + 10_000 + 28_000), 'GET', '/api/items', '200', '8.0 ms', '—', '0 / 0', '—']];
        expect(await eventually(() => rows(page, '#timeline-requests'), visitor)).toEqual(visitor);
        await page.getByRole('button', { name: 'Close' }).click();
        expect(await page.locator('#timeline').isHidden()).toBe(true);
        expect(problems).toEqual([]);
      } finally {
        await close();
      }
    }, 90_000);
  }
});
