/**
 * Cost growth in /api/status/analytics, on both stores: model calls from OTel SDK spans in the
 * window's days and in as many days before, priced by the price table; the cost per agent and
 * in total is compared per hour of data with the previous days, null for an agent without
 * calls before (never invented).
 */
import { SpanKind } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSpans, otlpProtobuf, serverSpan, type SpanSpec } from '../support/otelSpans.js';
import { startTestSpanpulse, type TestSpanpulse } from '../support/spanpulse.js';
import { dropDatabasesAfterAll, freshDatabase, mongodbUri } from '../collector/store/mongodbSupport.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const PRICING = { currency: 'USD', models: [{ provider: 'openai', model: 'gpt-4o*', input: 2.5, output: 10 }] };

/** An agent run with `calls` gpt-4o calls of 1000 input / 200 output tokens: 0.0045 USD each. */
function run(agent: string, atMs: number, calls: number): SpanSpec {
  const server = serverSpan({ service: 'assistant', method: 'POST', route: '/api/ask', status: 200, startMs: atMs, durationMs: 1000 });
  server.children = [{
    name: `invoke_agent ${agent}`, kind: SpanKind.INTERNAL, startMs: atMs + 10, durationMs: 900,
    attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': agent },
    children: Array.from({ length: calls }, (_, i) => ({
      name: 'chat gpt-4o', kind: SpanKind.CLIENT, startMs: atMs + 20 + i * 10, durationMs: 5,
      attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.response.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 1000, 'gen_ai.usage.output_tokens': 200 },
    })),
  }];
  return server;
}

dropDatabasesAfterAll();

for (const backend of ['sqlite', 'mongodb'] as const) {
  describe.skipIf(backend === 'mongodb' && mongodbUri === null)(`cost growth in analytics on ${backend}`, () => {
    let collector: TestSpanpulse;
    beforeAll(async () => {
      collector = await startTestSpanpulse({
        ...(backend === 'mongodb' ? { mongoUri: mongodbUri!, mongoDatabase: freshDatabase() } : {}),
        spanpulse: { pricing: PRICING },
      });
      const now = Date.now();
      // 50 h ago lies in the two UTC days before the 24 h window's two days, whatever the hour.
      const spans = makeSpans([run('planner', now - 50 * HOUR, 1), run('planner', now - HOUR, 2), run('helper', now - HOUR, 1)]);
      expect((await collector.post(otlpProtobuf(spans))).status).toBe(200);
    }, 60_000);
    afterAll(async () => collector?.stop());

    it('compares the cost per hour of data with as many days before, per agent and in total', async () => {
      const body = await (await fetch(`${collector.apiUrl}/api/status/analytics?window=24h`)).json() as Record<string, any>;
      const { fromDate, toDate } = body['agentDays'];
      const days = (Date.parse(`${toDate}T00:00:00Z`) - Date.parse(`${fromDate}T00:00:00Z`)) / DAY + 1;
      expect(body['previousAgentDays']).toEqual({
        fromDate: new Date(Date.parse(`${fromDate}T00:00:00Z`) - days * DAY).toISOString().slice(0, 10),
        toDate: new Date(Date.parse(`${fromDate}T00:00:00Z`) - DAY).toISOString().slice(0, 10),
      });
      const currentMs = Date.parse(body['window'].to) - Date.parse(`${fromDate}T00:00:00Z`);
      const change = (now: number, before: number) => 100 * ((now / currentMs) / (before / (days * DAY)) - 1);

      expect(body['previous'].cost).toBe(0.0045);
      expect(body['modelUsage'].cost).toBeCloseTo(0.0135, 12);
      expect(body['growth'].cost).toBeCloseTo(change(0.0135, 0.0045), 6);
      const agents = Object.fromEntries((body['agents'] as Array<Record<string, any>>).map((a) => [a['agentName'], a]));
      expect(agents['planner']).toMatchObject({ cost: 0.009, previousCost: 0.0045 });
      expect(agents['planner'].costGrowth).toBeCloseTo(change(0.009, 0.0045), 6);
      // No calls before: no growth, not an invented one.
      expect(agents['helper']).toMatchObject({ cost: 0.0045, previousCost: null, costGrowth: null });
    });
  });
}
