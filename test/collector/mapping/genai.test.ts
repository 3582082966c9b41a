/** GenAI spans: model calls (old and new names), agents, links, and crediting calls within one request. */
import { describe, expect, it } from 'vitest';
import type { AttributeValue, Span } from '../../../collector/pdata/Span.js';
import { mapSpan, type MapResult } from '../../../collector/mapping/mapSpan.js';
import { mapSpans } from '../../../collector/mapping/mapSpans.js';
import { PriceTable } from '../../../collector/pricing/PriceTable.js';
import { UNATTRIBUTED } from '../../../collector/store/types.js';

const START_MS = Date.UTC(2026, 10, 25, 10, 30);
const NOW = Date.UTC(2026, 10, 25, 12);
const prices = new PriceTable([
  { provider: 'openai', model: 'gpt-4o*', since: 0, input: 2.5, output: 10, cacheRead: 1.25, cacheWrite: null, reasoning: null },
], 'USD');
const options = { agentRouteParameter: 'agent', now: () => NOW, prices };
const TRACE = '0af7651916cd43dd8448eb211c80319c';

function span(spanId: string, parentSpanId: string, kind: number, attrs: Record<string, AttributeValue>, statusCode = 0): Span {
  const start = BigInt(START_MS) * 1_000_000n;
  return {
    traceId: TRACE, spanId, parentSpanId, name: 'span', kind, startTimeUnixNano: start, endTimeUnixNano: start + 250_000_000n,
    attributes: new Map(Object.entries(attrs)), statusCode, statusMessage: '', resource: new Map([['service.name', 'shop']]),
  };
}

function record(result: MapResult) {
  if (result.type !== 'record') throw new Error(`expected a record, got ${JSON.stringify(result)}`);
  return result.record;
}

const NEW_NAMES = {
  'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.response.model': 'gpt-4o-2024-08-06',
  'gen_ai.usage.input_tokens': 1000, 'gen_ai.usage.output_tokens': 200, 'gen_ai.usage.cache_read.input_tokens': 400,
  'gen_ai.usage.cache_creation.input_tokens': 100, 'gen_ai.usage.reasoning.output_tokens': 50, 'gen_ai.conversation.id': 'conv-1',
};
const OLD_NAMES = {
  'gen_ai.operation.name': 'text_completion', 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o-mini',
  'gen_ai.usage.prompt_tokens': '1000', 'gen_ai.usage.completion_tokens': 200, 'gen_ai.usage.cache_read_input_tokens': 400,
  'gen_ai.usage.cache_creation_input_tokens': 100, 'gen_ai.usage.reasoning_tokens': 50,
};

describe('mapSpan: GenAI spans', () => {
  it.each([['current names', NEW_NAMES, 'gpt-4o-2024-08-06', 'chat'], ['older names', OLD_NAMES, 'gpt-4o-mini', 'text_completion']] as const)(
    'a model call under %s, pending its agent, its cost from the price table', (_name, attrs, model, operation) => {
      expect(record(mapSpan(span('00000000000000c1', '00000000000000a1', 3, attrs), options))).toEqual({
        kind: 'pending_model_call', traceId: TRACE, spanId: '00000000000000c1', parentSpanId: '00000000000000a1', lookupSpanId: '00000000000000a1',
        serviceName: 'shop', agentName: null, operation, provider: 'openai', model, responseTime: 250, timestamp: new Date(START_MS),
        sessionId: null, userId: null, conversationId: attrs === NEW_NAMES ? 'conv-1' : null, outcome: 'success', errorType: null,
        inputTokens: 1000, outputTokens: 200, cacheReadTokens: 400, cacheWriteTokens: 100, reasoningTokens: 50,
        // (1000 - 400 - 100) x 2.5 + 400 x 1.25 + 100 x 2.5 + 200 x 10 = 4000 millionths
        costNanos: 4_000_000, receivedAt: new Date(NOW),
      });
    });

  it('a failed call: error.type, else _OTHER when only the span status says so; an unpriced model costs null', () => {
    const typed = record(mapSpan(span('00000000000000c1', '', 3, { 'gen_ai.operation.name': 'chat', 'error.type': 'timeout', 'gen_ai.request.model': 'x' }), options));
    expect(typed).toMatchObject({ outcome: 'error', errorType: 'timeout', costNanos: null });
    const untyped = record(mapSpan(span('00000000000000c2', '', 3, { 'gen_ai.operation.name': 'embeddings' }, 2), options));
    expect(untyped).toMatchObject({ outcome: 'error', errorType: '_OTHER', model: null, costNanos: null });
  });

  it('a model call that names its agent is that agent\'s at once', () => {
    expect(record(mapSpan(span('00000000000000c1', '00000000000000a1', 3, { ...NEW_NAMES, 'gen_ai.agent.name': 'coder' }), options)))
      .toMatchObject({ kind: 'model_call', agentName: 'coder' });
  });

  it('an invoke_agent span is an agent invocation, named by gen_ai.agent.id when it has no name; execute_tool is a link', () => {
    expect(record(mapSpan(span('00000000000000a1', '0000000000000001', 1, { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.id': 'asst_1' }), options)))
      .toMatchObject({ kind: 'agent_invocation', agentName: 'asst_1', parentSpanId: '0000000000000001' });
    expect(record(mapSpan(span('00000000000000b1', '00000000000000a1', 1, { 'gen_ai.operation.name': 'execute_tool' }), options)))
      .toEqual({ kind: 'genai_link', traceId: TRACE, spanId: '00000000000000b1', serviceName: 'shop', agentName: null, parentSpanId: '00000000000000a1', timestamp: new Date(START_MS), receivedAt: new Date(NOW) });
  });
});

describe('mapSpan: gen_ai.conversation.id', () => {
  it('is kept on requests and agent invocations, beside the web session', () => {
    const attrs = { 'gen_ai.conversation.id': 'conv-7', 'session.id': 'web-1' };
    expect(record(mapSpan(span('0000000000000001', '', 2, attrs), options))).toMatchObject({ kind: 'request', conversationId: 'conv-7', sessionId: 'web-1' });
    expect(record(mapSpan(span('00000000000000a1', '', 1, { ...attrs, 'gen_ai.agent.name': 'support' }), options)))
      .toMatchObject({ kind: 'agent_invocation', conversationId: 'conv-7', sessionId: 'web-1' });
    expect(record(mapSpan(span('0000000000000002', '', 2, {}), options))).toMatchObject({ conversationId: null });
  });
});

describe('mapSpans: crediting model calls within one request', () => {
  const server = span('0000000000000001', '', 2, { 'http.route': '/api/agents/:agent/chat', 'url.path': '/api/agents/billing/chat' });
  const agent = span('00000000000000a1', '0000000000000001', 1, { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'support' });
  const plain = span('00000000000000d1', '00000000000000a1', 1, {}); // no GenAI attribute: ignored, but passed through
  const tool = span('00000000000000b1', '00000000000000d1', 1, { 'gen_ai.operation.name': 'execute_tool' });
  const call = (spanId: string, parent: string) => span(spanId, parent, 3, NEW_NAMES);

  it('the nearest agent above, through tools and ignored spans; the server span\'s agent when there is no other', () => {
    const { records } = mapSpans([call('00000000000000c1', '00000000000000b1'), tool, plain, agent, server, call('00000000000000c2', '0000000000000001')], options);
    expect(records.map((r) => [r.kind, r.spanId, r.agentName])).toEqual([
      ['model_call', '00000000000000c1', 'support'], ['genai_link', '00000000000000b1', 'support'], ['agent_invocation', '00000000000000a1', 'support'],
      ['request', '0000000000000001', 'billing'], ['model_call', '00000000000000c2', 'billing'],
    ]);
  });

  it('a call whose ancestors leave the request waits at the first one missing; at the root without an agent, unattributed', () => {
    const { records } = mapSpans([call('00000000000000c1', '00000000000000b1'), tool, call('00000000000000c3', '')], options);
    expect(records[0]).toMatchObject({ kind: 'pending_model_call', lookupSpanId: '00000000000000d1' });
    expect(records[1]).toMatchObject({ kind: 'genai_link', agentName: null, parentSpanId: '00000000000000d1' });
    expect(records[2]).toMatchObject({ kind: 'model_call', agentName: UNATTRIBUTED });
  });

  it('ends on a cycle of parent ids, waiting', () => {
    const a = span('00000000000000e1', '00000000000000e2', 1, {});
    const b = span('00000000000000e2', '00000000000000e1', 1, {});
    const { records } = mapSpans([call('00000000000000c1', '00000000000000e1'), a, b], options);
    expect(records[0]).toMatchObject({ kind: 'pending_model_call' });
  });
});
