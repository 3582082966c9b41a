/**
 * Contract: model calls (model_calls, model_metrics) and their attribution across writes
 * (genai_pending settled by the write that brings the agent), store/types.ts StoreWriter.
 */
import { describe, expect, it } from 'vitest';
import { UNATTRIBUTED, type ModelDay, type Store } from '../../../../collector/store/types.js';
import { at, day, genaiLink, ids, invocation, modelCall, pendingCall, request } from './records.js';
import { useStore, type StoreFactory } from './useStore.js';

const DAYS = { fromDate: day(-1), toDate: day(1) };

/** The model days without their histogram and lastSeen, ordered as the contract says. */
async function modelDays(store: Store): Promise<Array<Omit<ModelDay, 'latencyHistogram' | 'lastSeen'>>> {
  return (await store.findModelDays(DAYS)).map(({ latencyHistogram: _h, lastSeen: _l, ...rest }) => rest);
}

/** A trace: a server span, an invoke_agent below it, an execute_tool below that. */
function agentTrace(agentName = 'support') {
  const server = request({ endpoint: '/api/chat', method: 'POST', parentSpanId: '' });
  const agent = invocation({ traceId: server.traceId, agentName, parentSpanId: server.spanId });
  const tool = genaiLink({ traceId: server.traceId, parentSpanId: agent.spanId });
  return { server, agent, tool };
}

export function genaiContract(createStore: StoreFactory): void {
  describe('model calls', () => {
    const store = useStore(createStore);

    it('counts model calls per service, agent, provider, model and UTC day, with each token kind, errors by type and cost', async () => {
      const calls = [
        modelCall({ responseTime: 100, inputTokens: 1000, outputTokens: 200, cacheReadTokens: 400, reasoningTokens: 50, costNanos: 3_000_000 }),
        modelCall({ responseTime: 300, inputTokens: 10, outputTokens: 5, cacheWriteTokens: 7, costNanos: 1_500, timestamp: at(11) }),
        modelCall({ outcome: 'error', errorType: 'openai.RateLimitError', inputTokens: 0, outputTokens: 0, costNanos: 0, timestamp: at(12) }),
        modelCall({ model: 'gpt-4o-mini', outcome: 'error', errorType: '_OTHER', costNanos: null }),
        modelCall({ agentName: UNATTRIBUTED, provider: null, model: null }),
      ];
      expect(await store().write(calls)).toEqual({ stored: 5, duplicates: 0, rejected: [] });
      const common = { serviceName: 'shop', date: day(0) };
      expect(await modelDays(store())).toEqual([
        {
          ...common, agentName: UNATTRIBUTED, provider: null, model: null, callCount: 1, errorCount: 0, errorTypes: {}, totalResponseTime: 100,
          inputTokens: 1000, outputTokens: 200, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costNanos: 0, pricedCallCount: 0,
        },
        {
          ...common, agentName: 'support', provider: 'openai', model: 'gpt-4o', callCount: 3, errorCount: 1, errorTypes: { 'openai.RateLimitError': 1 },
          totalResponseTime: 500, inputTokens: 1010, outputTokens: 205, cacheReadTokens: 400, cacheWriteTokens: 7, reasoningTokens: 50,
          costNanos: 3_001_500, pricedCallCount: 3,
        },
        {
          ...common, agentName: 'support', provider: 'openai', model: 'gpt-4o-mini', callCount: 1, errorCount: 1, errorTypes: { _OTHER: 1 },
          totalResponseTime: 100, inputTokens: 1000, outputTokens: 200, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0,
          costNanos: 0, pricedCallCount: 0,
        },
      ]);
      // A model call is not a request of its agent, nor of any endpoint.
      expect(await store().findAgentDays(DAYS)).toEqual([]);
      expect(await store().findRollups({ period: 'hour', level: 'service', from: at(0), to: at(24) })).toEqual([]);
      expect((await store().listServices())[0]).toMatchObject({ serviceName: 'shop', spanCount: 5 });
      expect((await store().knownDimensions(at(-24), 100)).models).toEqual(expect.arrayContaining([
        { serviceName: 'shop', provider: 'openai', model: 'gpt-4o' }, { serviceName: 'shop', provider: null, model: null },
      ]));
    });

    it('a call re-sent, in the same write or a later one, counts once', async () => {
      const call = modelCall({ costNanos: 10 });
      expect(await store().write([call, call])).toEqual({ stored: 1, duplicates: 1, rejected: [] });
      expect(await store().write([call])).toEqual({ stored: 0, duplicates: 1, rejected: [] });
      expect((await modelDays(store())).map((d) => [d.callCount, d.costNanos])).toEqual([[1, 10]]);
    });

    it('a pending call waits, counted nowhere, until a later write brings its agent (through a genai link), then counts once', async () => {
      const { server, agent, tool } = agentTrace();
      const call = pendingCall({ traceId: server.traceId, parentSpanId: tool.spanId, costNanos: 42 });
      expect(await store().write([call])).toEqual({ stored: 1, duplicates: 0, rejected: [] });
      expect(await store().countPendingModelCalls()).toBe(1);
      expect(await modelDays(store())).toEqual([]);

      await store().write([tool]);
      expect(await store().countPendingModelCalls()).toBe(1);
      await store().write([agent, server]);
      expect(await store().countPendingModelCalls()).toBe(0);
      expect((await modelDays(store())).map((d) => [d.agentName, d.callCount, d.costNanos])).toEqual([['support', 1, 42]]);

      // The whole trace again, the call first: nothing changes.
      await store().write([call]);
      await store().write([tool, agent, server]);
      expect(await store().countPendingModelCalls()).toBe(0);
      expect((await modelDays(store())).map((d) => [d.agentName, d.callCount])).toEqual([['support', 1]]);
      expect((await store().findAgentDays(DAYS)).map((d) => [d.agentName, d.requestCount, d.invocationCount])).toEqual([['support', 1, 1]]);
    });

    it('settles pending calls of the same write, and of several traces at once', async () => {
      const one = agentTrace('support');
      const two = agentTrace('billing');
      const first = pendingCall({ traceId: one.server.traceId, parentSpanId: one.agent.spanId });
      const second = pendingCall({ traceId: two.server.traceId, parentSpanId: two.tool.spanId });
      await store().write([first, second, one.agent, two.tool, two.agent]);
      expect(await store().countPendingModelCalls()).toBe(0);
      expect((await modelDays(store())).map((d) => [d.agentName, d.callCount])).toEqual([['billing', 1], ['support', 1]]);
    });

    it('credits the server span that names the agent, and counts a call whose trace root has no agent as unattributed', async () => {
      const named = request({ agentName: 'planner' });
      const anonymous = request();
      await store().write([
        pendingCall({ traceId: named.traceId, parentSpanId: named.spanId }),
        pendingCall({ traceId: anonymous.traceId, parentSpanId: anonymous.spanId }),
      ]);
      await store().write([named, anonymous]);
      expect(await store().countPendingModelCalls()).toBe(0);
      expect((await modelDays(store())).map((d) => [d.agentName, d.callCount])).toEqual([[UNATTRIBUTED, 1], ['planner', 1]]);
    });

    it('a call waiting above the write\'s spans keeps waiting, at the first span it does not hold', async () => {
      const { server, agent, tool } = agentTrace();
      const call = pendingCall({ traceId: server.traceId, parentSpanId: tool.spanId, receivedAt: at(10) });
      await store().write([call, tool]);
      const [waiting] = await store().pendingModelCalls(at(11), 10);
      expect(waiting).toMatchObject({ traceId: call.traceId, spanId: call.spanId, lookupSpanId: agent.spanId, receivedAt: at(10), costNanos: null });
      expect(await store().pendingModelCalls(at(10), 10)).toEqual([]);
    });

    it('lists pending calls oldest first and deletes them by span', async () => {
      const calls = [pendingCall({ receivedAt: at(3) }), pendingCall({ receivedAt: at(1) }), pendingCall({ receivedAt: at(2) })];
      await store().write(calls);
      const oldest = await store().pendingModelCalls(at(24), 2);
      expect(oldest.map((c) => c.spanId)).toEqual([calls[1]!.spanId, calls[2]!.spanId]);
      expect(oldest[0]).toMatchObject({ kind: 'pending_model_call', agentName: null, model: 'gpt-4o', inputTokens: 1000, timestamp: at(10) });
      await store().deletePendingModelCalls([...oldest, ids()]);
      expect((await store().pendingModelCalls(at(24), 10)).map((c) => c.spanId)).toEqual([calls[0]!.spanId]);
      expect(await store().countPendingModelCalls()).toBe(1);
    });
  });

  describe('sumModelCalls', () => {
    const store = useStore(createStore);

    it('sums the model calls of [from, to) per service, agent, provider and model, priced ones apart', async () => {
      await store().write([
        modelCall({ timestamp: at(10), costNanos: 4500 }),
        modelCall({ timestamp: at(10, 30), costNanos: null, inputTokens: 10, outputTokens: 1 }),
        modelCall({ timestamp: at(10, 45), agentName: 'billing', provider: null, model: null, inputTokens: 7, outputTokens: 3, costNanos: 0 }),
        modelCall({ timestamp: at(10, 50), serviceName: 'blog', costNanos: 100 }),
        modelCall({ timestamp: at(11), costNanos: 999 }),
        request({ timestamp: at(10), inputTokens: 5000 }),
      ]);
      const key = (s: { serviceName: string; agentName: string }) => `${s.serviceName}/${s.agentName}`;
      const sorted = (sums: Awaited<ReturnType<Store['sumModelCalls']>>) => [...sums].sort((a, b) => key(a).localeCompare(key(b)));
      expect(sorted(await store().sumModelCalls({ from: at(10), to: at(11) }))).toEqual([
        { serviceName: 'blog', agentName: 'support', provider: 'openai', model: 'gpt-4o', callCount: 1, inputTokens: 1000, outputTokens: 200, costNanos: 100, pricedCallCount: 1 },
        { serviceName: 'shop', agentName: 'billing', provider: null, model: null, callCount: 1, inputTokens: 7, outputTokens: 3, costNanos: 0, pricedCallCount: 1 },
        { serviceName: 'shop', agentName: 'support', provider: 'openai', model: 'gpt-4o', callCount: 2, inputTokens: 1010, outputTokens: 201, costNanos: 4500, pricedCallCount: 1 },
      ]);
      expect((await store().sumModelCalls({ from: at(10), to: at(11), serviceName: 'blog' })).map(key)).toEqual(['blog/support']);
      expect(await store().sumModelCalls({ from: at(12), to: at(13) })).toEqual([]);
    });
  });
}
