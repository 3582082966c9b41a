/**
 * Model calls end to end, on both stores: GenAI traces made by the real OpenTelemetry SDK in a
 * child process (fixtures/genaiTraces.cjs: old and new attribute names, children exported in
 * earlier requests than their parents) into a spanpulse with a price table; per-agent and
 * per-model calls, tokens and cost must equal the figures computed by hand below, in the store
 * and in /api/status/analytics; the same spans sent again change nothing.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNATTRIBUTED, type ModelDay } from '../../collector/store/types.js';
import { startTestSpanpulse, type TestSpanpulse } from '../support/spanpulse.js';
import { dropDatabasesAfterAll, freshDatabase, mongodbUri, skipReason } from './store/mongodbSupport.js';

const fixture = fileURLToPath(new URL('./fixtures/genaiTraces.cjs', import.meta.url));
const SERVICE = 'genai-app';

/** Prices per million tokens (the test's price table). */
const PRICING = {
  currency: 'EUR',
  models: [
    { provider: 'openai', model: 'gpt-4o', input: 2.5, output: 10, cache_read: 1.25 },
    { provider: 'openai', model: 'gpt-4o*', input: 5, output: 15, cache_read: 2.5 },
    { provider: 'openai', model: 'gpt-4o-mini*', input: 0.15, output: 0.6 },
    { provider: 'anthropic', model: 'claude-*', input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 },
    { provider: 'anthropic', model: 'claude-3-5-haiku*', input: 0.8, output: 4, cache_read: 0.08, cache_write: 1 },
  ],
};

// The figures by hand (tokens x price per million = millionths of a euro).
// support, gpt-4o-2024-08-06 (glob gpt-4o*, the exact gpt-4o does not match): 600 x 5 + 400 x 2.5 + 200 x 15 = 7000
// support, gpt-4o-mini (request model only): 1600 x 0.15 + 300 x 0.6 = 420
// billing, claude-3-5-haiku (the longer glob): (2000 - 500 - 1000) x 0.8 + 500 x 0.08 + 1000 x 1 + 100 x 4 = 1840; the failed call: 0
// billing, mistral-embed: no price
// unattributed, gpt-4o: the root call 100 x 2.5 + 10 x 10 = 350, the orphan 10 x 2.5 + 1 x 10 = 35
const EXPECTED: Array<[agent: string, provider: string, model: string, calls: number, errors: number, input: number, output: number,
  cacheRead: number, cacheWrite: number, reasoning: number, costNanos: number, priced: number]> = [
  [UNATTRIBUTED, 'openai', 'gpt-4o', 2, 0, 110, 11, 0, 0, 0, 385_000, 2],
  ['billing', 'anthropic', 'claude-3-5-haiku-20241022', 2, 1, 2000, 100, 500, 1000, 0, 1_840_000, 2],
  ['billing', 'mistral_ai', 'mistral-embed', 1, 0, 300, 0, 0, 0, 0, 0, 0],
  ['support', 'openai', 'gpt-4o-2024-08-06', 1, 0, 1000, 200, 400, 0, 50, 7_000_000, 1],
  ['support', 'openai', 'gpt-4o-mini', 1, 0, 1600, 300, 0, 0, 0, 420_000, 1],
];

const T0 = Math.floor((Date.now() - 120_000) / 1000) * 1000;

async function sendTraces(collector: TestSpanpulse): Promise<void> {
  const { stdout } = await promisify(execFile)(process.execPath, [fixture], {
    env: { PATH: process.env['PATH'], OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpUrl, GENAI_SEED: '7', GENAI_T0: String(T0), GENAI_SERVICE: SERVICE },
    timeout: 60_000,
  });
  expect(stdout).toContain('done');
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function figuresOf(days: readonly ModelDay[]) {
  return days.map((d) => [d.agentName, d.provider, d.model, d.callCount, d.errorCount, d.inputTokens, d.outputTokens, d.cacheReadTokens,
    d.cacheWriteTokens, d.reasoningTokens, d.costNanos, d.pricedCallCount]);
}

dropDatabasesAfterAll();
if (mongodbUri === null) console.warn(`[genaiEndToEnd on mongodb skipped] ${skipReason}`);

for (const backend of ['sqlite', 'mongodb'] as const) {
  describe.skipIf(backend === 'mongodb' && mongodbUri === null)(`GenAI traces from the OTel SDK, on ${backend}`, () => {
    let collector: TestSpanpulse;
    const days = () => collector.store.findModelDays({ fromDate: new Date(T0 - 86_400_000).toISOString().slice(0, 10), toDate: new Date().toISOString().slice(0, 10), serviceName: SERVICE });

    beforeAll(async () => {
      collector = await startTestSpanpulse({
        ...(backend === 'mongodb' ? { mongoUri: mongodbUri!, mongoDatabase: freshDatabase() } : {}),
        spanpulse: { pricing: PRICING, attribution_timeout: '2s' },
      });
      await sendTraces(collector);
      // The orphan call waits for its parent until the attribution timeout.
      await until(async () => (await collector.store.countPendingModelCalls()) === 0 && (await days()).length === EXPECTED.length, 'every call counted');
    }, 90_000);
    afterAll(async () => collector?.stop());

    it('credits each model call once to its nearest agent, with every token kind and the cost of the price table', async () => {
      expect(figuresOf(await days())).toEqual(EXPECTED);
      const [claude] = (await days()).filter((d) => d.model?.startsWith('claude'));
      expect(claude!.errorTypes).toEqual({ overloaded_error: 1 });
      // The agent spans keep their own counts (the invoke_agent's repeated totals are its own, not the models').
      const agents = await collector.store.findAgentDays({ fromDate: new Date(T0).toISOString().slice(0, 10), toDate: new Date().toISOString().slice(0, 10), serviceName: SERVICE });
      expect(agents.map((a) => [a.agentName, a.requestCount, a.invocationCount])).toEqual([['billing', 1, 0], ['support', 1, 1]]);
      // gen_ai.conversation.id is kept on the request, beside its web session.
      const requests = await collector.store.findRequests({ from: new Date(T0 - 60_000), to: new Date(Date.now() + 60_000), serviceName: SERVICE, limit: 10 });
      expect(requests.map((r) => [r.endpoint, r.sessionId, r.conversationId]).sort()).toEqual([
        ['/api/agents/:agent/chat', 'bob', null], ['/api/assist', 'alice', 'conv-1'],
      ]);
    });

    it('shows models, cost per agent and in total in /api/status/analytics', async () => {
      const body = await (await fetch(`${collector.apiUrl}/api/status/analytics?window=24h&service=${SERVICE}`)).json() as Record<string, any>;
      expect(body['currency']).toBe('EUR');
      expect(body['modelUsage']).toMatchObject({ calls: 7, errors: 1, inputTokens: 5010, outputTokens: 611, cacheReadTokens: 900, cacheWriteTokens: 1000, reasoningTokens: 50, cost: 0.009645, unpricedCalls: 1 });
      const models = (body['models'] as Array<Record<string, unknown>>).map((m) => [m['provider'], m['model'], m['calls'], m['cost']]);
      expect(models).toEqual([
        ['anthropic', 'claude-3-5-haiku-20241022', 2, 0.00184], ['openai', 'gpt-4o', 2, 0.000385],
        ['mistral_ai', 'mistral-embed', 1, null], ['openai', 'gpt-4o-2024-08-06', 1, 0.007], ['openai', 'gpt-4o-mini', 1, 0.00042],
      ]);
      const agents = Object.fromEntries((body['agents'] as Array<Record<string, any>>).map((a) => [a['agentName'], a]));
      expect(agents['support']).toMatchObject({ modelCalls: 2, cost: 0.00742 });
      expect(agents['support'].models.map((m: Record<string, unknown>) => [m['model'], m['cost']])).toEqual([['gpt-4o-2024-08-06', 0.007], ['gpt-4o-mini', 0.00042]]);
      expect(agents['billing']).toMatchObject({ modelCalls: 3, cost: 0.00184 });
      expect(agents['billing'].models.find((m: Record<string, unknown>) => m['model'] === 'mistral-embed')).toMatchObject({ cost: null, unpricedCalls: 1 });
      expect((body['agentModels'] as Array<Record<string, unknown>>).find((a) => a['agentName'] === UNATTRIBUTED)).toMatchObject({ calls: 2, cost: 0.000385 });
      const today = (body['dailyCost'] as Array<Record<string, unknown>>).filter((d) => d['calls'] !== 0);
      expect(today).toEqual([{ date: new Date(T0).toISOString().slice(0, 10), calls: 7, cost: 0.009645 }]);
    });

    it('lists the web sessions with the tokens and cost of their model calls, counted once (not the invoke_agent repeat)', async () => {
      const get = async (path: string) => {
        const response = await fetch(`${collector.apiUrl}${path}`);
        return { status: response.status, body: await response.json() as Record<string, any> };
      };
      const list = await get(`/api/status/sessions?window=24h&service=${SERVICE}`);
      expect(list.status).toBe(200);
      const sessions = Object.fromEntries((list.body['sessions'] as Array<Record<string, any>>).map((s) => [s['sessionId'], s]));
      expect(Object.keys(sessions).sort()).toEqual(['alice', 'bob']);
      // alice: gpt-4o-2024-08-06 (1000 in, 200 out, 0.007) and gpt-4o-mini (1600 in, 300 out, 0.00042).
      expect(sessions['alice']).toMatchObject({
        serviceName: SERVICE, requests: 1, errors: 0, agents: ['support'], inputTokens: 2600, outputTokens: 500, totalTokens: 3100,
        modelCalls: 2, cost: 0.00742, unpricedCalls: 0, durationMs: 1300, retained: { requests: 1, complete: true, removedByRetention: 0 },
      });
      expect(sessions['alice'].firstActivity).toBe(new Date(T0).toISOString());
      // bob: claude (2000 in, 100 out, 0.00184), the failed call (nothing) and mistral-embed (300 in, no price).
      expect(sessions['bob']).toMatchObject({ agents: ['billing'], inputTokens: 2300, outputTokens: 100, modelCalls: 3, cost: 0.00184, unpricedCalls: 1 });
      expect(list.body['nextCursor']).toBeNull();

      const byAgent = await get(`/api/status/sessions?window=24h&agent=billing`);
      expect((byAgent.body['sessions'] as Array<Record<string, any>>).map((s) => s['sessionId'])).toEqual(['bob']);

      const alice = await get(`/api/status/sessions/alice?service=${SERVICE}`);
      expect(alice.status).toBe(200);
      expect(alice.body['requests']).toEqual([expect.objectContaining({
        method: 'POST', route: '/api/assist', statusCode: 200, durationMs: 1300, agents: ['support'], conversationId: 'conv-1',
        inputTokens: 2600, outputTokens: 500, modelCalls: 2, cost: 0.00742,
      })]);
      expect((await get('/api/status/sessions/nobody')).status).toBe(404);
    });

    it('the same spans sent again change nothing', async () => {
      const before = await days();
      await sendTraces(collector);
      await until(async () => (await collector.store.countPendingModelCalls()) === 0, 'the orphan call settled again');
      expect(figuresOf(await days())).toEqual(figuresOf(before));
      expect(figuresOf(await days())).toEqual(EXPECTED);
    }, 90_000);
  });
}
