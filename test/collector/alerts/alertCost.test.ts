/**
 * Alert rules on cost and tokens (per agent, filtered by model, per model) fire from model
 * calls in real OTel SDK spans (server span -> invoke_agent -> chat), priced by the price
 * table, and the webhook reaches a real local HTTP server. On SQLite and on MongoDB.
 */
import { SpanKind } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { makeSpans, otlpProtobuf, serverSpan, type SpanSpec } from '../../support/otelSpans.js';
import { dropDatabasesAfterAll } from '../store/mongodbSupport.js';
import { BACKENDS, evaluateAfterSend, eventually, ManualClock, MINUTE, useAlertSpanpulse } from './alertHarness.js';

dropDatabasesAfterAll();
const PRICING = { currency: 'USD', models: [{ provider: 'openai', model: 'gpt-4o*', input: 2.5, output: 10 }] };
const RULES = [
  { name: 'agent-cost', metric: 'cost', above: 0.005, window: '5m', for: '0s', per: 'agent' },
  { name: 'gpt-tokens', metric: 'tokens', above: 2500, window: '5m', for: '0s', per: 'service', model: 'gpt-4o' },
];

/** One agent run: `calls` chat calls of 1000 input / 200 output tokens (0.0045 USD each on gpt-4o), and one unpriced. */
function agentRun(atMs: number, calls: number, model = 'gpt-4o'): SpanSpec {
  const chat = (i: number, name: string, provider: string): SpanSpec => ({
    name: `chat ${name}`, kind: SpanKind.CLIENT, startMs: atMs + 20 + i * 100, durationMs: 50,
    attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': provider, 'gen_ai.response.model': name, 'gen_ai.usage.input_tokens': 1000, 'gen_ai.usage.output_tokens': 200 },
  });
  const server = serverSpan({ service: 'assistant', method: 'POST', route: '/api/ask', status: 200, startMs: atMs, durationMs: 2000 });
  server.children = [{
    name: 'invoke_agent planner', kind: SpanKind.INTERNAL, startMs: atMs + 10, durationMs: 1900,
    attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'planner', 'gen_ai.usage.input_tokens': 99_999 },
    children: [...Array.from({ length: calls }, (_, i) => chat(i, model, 'openai')), chat(calls, 'local-llm', 'ollama')],
  }];
  return server;
}

describe.each(BACKENDS)('alerts on cost and tokens on $name', ({ options }) => {
  const { receiver, start } = useAlertSpanpulse();

  it('fires per agent when the window\'s model calls cost more than the threshold; resolves when they fall out of it', async () => {
    const url = await receiver.start();
    const clock = new ManualClock(30);
    const sp = await start({
      ...options(), now: clock.now, spanpulse: { pricing: PRICING }, alerts: { evaluation_interval: '1h', rules: RULES, webhooks: [{ url }] },
    });
    const post = async (spec: SpanSpec) => expect((await sp.post(otlpProtobuf(makeSpans([spec])))).status).toBe(200);

    // One priced call: 0.0045 USD, 1000 + 200 tokens of gpt-4o (the invoke_agent's repeated total and the unpriced call do not count in cost).
    await post(agentRun(clock.now().getTime() - 20_000, 1));
    expect((await sp.alerts!.evaluate()).transitions).toEqual([]);

    // Two more: 0.0135 USD for planner, 3600 gpt-4o tokens.
    await post(agentRun(clock.now().getTime() - 10_000, 2));
    const fired = (await evaluateAfterSend(() => sp.alerts!.evaluate())).transitions;
    expect(fired.map((e) => [e.rule, e.state, e.service, e.agent, e.value])).toEqual([
      ['agent-cost', 'firing', 'assistant', 'planner', 0.0135],
      ['gpt-tokens', 'firing', 'assistant', null, 3600],
    ]);
    await eventually(() => receiver.accepted.length === 2, 30_000, 'both notifications');
    const cost = receiver.payloads().find((p) => p['rule'] === 'agent-cost')!;
    expect(cost).toMatchObject({
      status: 'firing', metric: 'cost', value: 0.0135, threshold: 0.005, comparison: 'above', service: 'assistant', endpoint: null, agent: 'planner',
      text: `[FIRING] agent-cost: cost 0.0135 above 0.0050 on service assistant, agent planner since ${clock.now().toISOString()}`,
    });

    // Five minutes on, no calls in the window: nothing spent, both resolve.
    clock.advance(6 * MINUTE);
    const resolved = (await sp.alerts!.evaluate()).transitions;
    expect(resolved.map((e) => [e.rule, e.state, e.value])).toEqual([['agent-cost', 'resolved', 0], ['gpt-tokens', 'resolved', 0]]);
    await eventually(() => receiver.accepted.length === 4, 30_000, 'the resolved notifications');
  }, 60_000);
});

describe.each(BACKENDS)('alerts per model on $name', ({ options }) => {
  const { receiver, start } = useAlertSpanpulse();

  it('per model: fires for the model over the threshold and not for the other, names it in the API and the webhook, resolves', async () => {
    const url = await receiver.start();
    const clock = new ManualClock(30);
    const rules = [
      { name: 'model-tokens', metric: 'tokens', above: 2500, window: '5m', for: '0s', per: 'model' },
      { name: 'model-cost', metric: 'cost', above: 0.01, window: '5m', for: '0s', per: 'model' },
    ];
    const sp = await start({ ...options(), now: clock.now, spanpulse: { pricing: PRICING }, alerts: { evaluation_interval: '1h', rules, webhooks: [{ url }] } });
    // Three gpt-4o calls (3600 tokens, 0.0135 USD) and one local-llm call (1200 tokens, no price).
    expect((await sp.post(otlpProtobuf(makeSpans([agentRun(clock.now().getTime() - 20_000, 3)])))).status).toBe(200);
    const fired = (await evaluateAfterSend(() => sp.alerts!.evaluate())).transitions;
    expect(fired.map((e) => [e.rule, e.state, e.service, e.agent, e.provider, e.model, e.value])).toEqual([
      ['model-tokens', 'firing', 'assistant', null, 'openai', 'gpt-4o', 3600],
      ['model-cost', 'firing', 'assistant', null, 'openai', 'gpt-4o', 0.0135],
    ]);
    const { active } = await (await fetch(`${sp.apiUrl}/api/status/alerts`)).json();
    expect(active.map((a: Record<string, unknown>) => [a['rule'], a['provider'], a['model'], a['agent'], a['value']]).sort()).toEqual([
      ['model-cost', 'openai', 'gpt-4o', null, 0.0135], ['model-tokens', 'openai', 'gpt-4o', null, 3600],
    ]);
    await eventually(() => receiver.accepted.length === 2, 30_000, 'both notifications');
    const tokens = receiver.payloads().find((p) => p['rule'] === 'model-tokens')!;
    expect(tokens).toMatchObject({
      status: 'firing', metric: 'tokens', value: 3600, service: 'assistant', agent: null, provider: 'openai', model: 'gpt-4o',
      text: `[FIRING] model-tokens: tokens 3600 above 2500 on service assistant, model gpt-4o (openai) since ${clock.now().toISOString()}`,
    });

    // A second evaluation with the same calls changes nothing; the calls out of the window resolve both, on the same group.
    expect((await sp.alerts!.evaluate()).transitions).toEqual([]);
    clock.advance(6 * MINUTE);
    const resolved = (await sp.alerts!.evaluate()).transitions;
    expect(resolved.map((e) => [e.rule, e.state, e.model, e.value])).toEqual([['model-tokens', 'resolved', 'gpt-4o', 0], ['model-cost', 'resolved', 'gpt-4o', 0]]);
    await eventually(() => receiver.accepted.length === 4, 30_000, 'the resolved notifications');
    const { incidents } = await (await fetch(`${sp.apiUrl}/api/status/alerts?window=24h`)).json();
    expect(incidents.map((i: Record<string, unknown>) => [i['rule'], i['provider'], i['model'], i['endsAt'] !== null]).sort()).toEqual([
      ['model-cost', 'openai', 'gpt-4o', true], ['model-tokens', 'openai', 'gpt-4o', true],
    ]);
  }, 60_000);
});
