/**
 * The analytics page's model calls in Chromium: the models table (tokens, cost from the price
 * table, "no price" for an unpriced model), the agents' cost column and the cost-per-day chart,
 * from GenAI spans made by the OTel SDK through a spanpulse with a price table; and "no model
 * calls" before there are any.
 */
import { SpanKind } from '@opentelemetry/api';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bucketOf, bucketValue } from '../../../collector/mapping/latencyHistogram.js';
import { makeSpans, otlpProtobuf } from '../../support/otelSpans.js';
import { ARTIFACTS, eventually, openPage } from '../support/browser.js';
import { usePricedPages } from '../support/pricedPages.js';

describe('analytics page: model calls', () => {
  const pages = usePricedPages();

  const rows = (page: import('playwright-core').Page, id: string) => page.locator(`#${id} tbody tr`).evaluateAll((trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));

  it('says there are no model calls yet, then shows models, cost per agent and per day', async () => {
    const { browser, collector } = pages();
    const { page, problems, close } = await openPage(browser, `${collector.apiUrl}/status/analytics`);
    try {
      expect(await eventually(() => rows(page, 'models'), [['No model calls in this window']])).toEqual([['No model calls in this window']]);

      const t = Date.now() - 60_000;
      const chat = (model: string, provider: string, input: number, output: number, startMs: number) => ({
        name: `chat ${model}`, kind: SpanKind.CLIENT, startMs, durationMs: 400,
        attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': provider, 'gen_ai.response.model': model, 'gen_ai.usage.input_tokens': input, 'gen_ai.usage.output_tokens': output },
      });
      const spans = makeSpans([{
        service: 'assistant', name: 'POST /api/ask', kind: SpanKind.SERVER, startMs: t, durationMs: 2000,
        attributes: { 'http.request.method': 'POST', 'http.route': '/api/ask', 'http.response.status_code': 200 },
        children: [{
          name: 'invoke_agent planner', kind: SpanKind.INTERNAL, startMs: t + 10, durationMs: 1900,
          attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'planner' },
          // 1000 x 2.5 + 200 x 10 = 4500 millionths; 2000 x 2.5 + 100 x 10 = 6000; the local model has no price.
          children: [chat('gpt-4o', 'openai', 1000, 200, t + 20), chat('gpt-4o', 'openai', 2000, 100, t + 500), chat('llama-3', 'ollama', 300, 30, t + 900)],
        }],
      }]);
      expect((await collector.post(otlpProtobuf(spans))).status).toBe(200);

      // Every call took 400 ms: p95 is that bucket's value, as the page formats it (api/public/common.js).
      const p95 = `${Math.round(bucketValue(bucketOf(400)))} ms`;
      const expectedModels = [
        ['gpt-4o', 'openai', 'assistant', '2', '0 %', p95, '3,000 (0)', '300 (0)', '0.0105 USD'],
        ['llama-3', 'ollama', 'assistant', '1', '0 %', p95, '300 (0)', '30 (0)', 'no price'],
      ];
      expect(await eventually(() => rows(page, 'models'), expectedModels)).toEqual(expectedModels);
      const planner = await eventually(async () => (await rows(page, 'agents')).find((r) => r[0] === 'planner')?.slice(-2), ['3', '0.0105 USD']);
      expect(planner).toEqual(['3', '0.0105 USD']);
      expect(await page.locator('#model-summary').textContent()).toBe('3 model calls, 3,300 input / 330 output tokens, cost 0.0105 USD (1 calls without a price not included)');
      const chart = await page.evaluate(() => {
        const data = (window as any).Chart.getChart('cost-chart').data;
        return { cost: data.datasets[0].data.filter((v: unknown) => v !== null), calls: data.datasets[1].data.reduce((a: number, b: number) => a + b, 0) };
      });
      expect(chart).toEqual({ cost: [0.0105], calls: 3 });
      await page.screenshot({ path: join(ARTIFACTS, 'analytics-models.png'), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  }, 60_000);
});
