/** Contract: listing sessions in pages, and a session's raw documents (listSessions, findSessionSpans). */
import { describe, expect, it } from 'vitest';
import { at, invocation, modelCall, request } from './records.js';
import { useStore, type StoreFactory } from './useStore.js';

export function sessionContract(createStore: StoreFactory): void {
  describe('listSessions', () => {
    const store = useStore(createStore);

    it('pages sessions overlapping [from, to), latest activity first, ties by service and id', async () => {
      await store().write([
        request({ sessionId: 'a', userId: 'u1', timestamp: at(10), responseTime: 0 }),
        request({ sessionId: 'a', timestamp: at(12), responseTime: 0 }),
        request({ sessionId: 'b', timestamp: at(11), responseTime: 0 }),
        request({ sessionId: 'c', timestamp: at(12), responseTime: 0 }),
        request({ sessionId: 'a', serviceName: 'blog', timestamp: at(12), responseTime: 0 }),
        request({ sessionId: 'old', timestamp: at(2), responseTime: 0 }),
        request({ timestamp: at(11), responseTime: 0 }),
      ]);
      const keys = (sessions: Array<{ serviceName: string; sessionId: string }>) => sessions.map((s) => `${s.serviceName}/${s.sessionId}`);
      const all = await store().listSessions({ from: at(9), to: at(13), limit: 10 });
      expect(keys(all)).toEqual(['blog/a', 'shop/a', 'shop/c', 'shop/b']);
      expect(all[1]).toMatchObject({ userId: 'u1', startTime: at(10), lastActivity: at(12), requestCount: 2 });

      const first = await store().listSessions({ from: at(9), to: at(13), limit: 2 });
      expect(keys(first)).toEqual(['blog/a', 'shop/a']);
      const last = first.at(-1)!;
      const second = await store().listSessions({ from: at(9), to: at(13), limit: 2, after: last });
      expect(keys(second)).toEqual(['shop/c', 'shop/b']);
      expect(await store().listSessions({ from: at(9), to: at(13), limit: 2, after: second.at(-1)! })).toEqual([]);

      expect(keys(await store().listSessions({ from: at(9), to: at(13), limit: 10, serviceName: 'shop' }))).toEqual(['shop/a', 'shop/c', 'shop/b']);
      expect(keys(await store().listSessions({ from: at(11, 30), to: at(13), limit: 10 }))).toEqual(['blog/a', 'shop/a', 'shop/c']);
      expect(keys(await store().listSessions({ from: at(0), to: at(3), limit: 10 }))).toEqual(['shop/old']);
      expect(await store().listSessions({ from: at(20), to: at(21), limit: 10 })).toEqual([]);
      expect(await store().listSessions({ from: at(9), to: at(13), limit: 0 })).toEqual([]);
    });
  });

  describe('findSessionSpans', () => {
    const store = useStore(createStore);

    it("returns the sessions' requests oldest first, with the invocations and model calls of their traces", async () => {
      const first = request({ sessionId: 's', timestamp: at(10), responseTime: 1000, agentName: 'support', conversationId: 'conv-1' });
      const second = request({ sessionId: 's', timestamp: at(10, 5), responseTime: 500, statusCode: 500, outcome: 'error' });
      const agent = invocation({ traceId: first.traceId, parentSpanId: first.spanId, timestamp: at(10, 0, 0.1), responseTime: 800, conversationId: 'conv-1' });
      const call = modelCall({ traceId: first.traceId, parentSpanId: agent.spanId, timestamp: at(10, 0, 0.2), costNanos: 4500 });
      const otherSession = request({ sessionId: 't', timestamp: at(10, 1) });
      const elsewhere = modelCall({ timestamp: at(10, 0, 0.3) });
      await store().write([second, call, otherSession, first, agent, elsewhere]);

      const spans = await store().findSessionSpans({ sessions: [{ serviceName: 'shop', sessionId: 's' }], from: at(9), to: at(11), limit: 10 });
      expect(spans.requests.map((r) => r.spanId)).toEqual([first.spanId, second.spanId]);
      const { kind: _r, parentSpanId: _p, ...firstStored } = first;
      expect(spans.requests[0]).toEqual(firstStored);
      expect(spans.requests[1]).toMatchObject({ statusCode: 500, outcome: 'error' });
      const { kind: _i, parentSpanId: _ip, ...agentStored } = agent;
      expect(spans.invocations).toEqual([agentStored]);
      const { kind: _m, ...callStored } = call;
      expect(spans.modelCalls).toEqual([callStored]);
      expect(spans.more).toBe(false);

      const limited = await store().findSessionSpans({ sessions: [{ serviceName: 'shop', sessionId: 's' }], from: at(9), to: at(11), limit: 1 });
      expect(limited.requests.map((r) => r.spanId)).toEqual([first.spanId]);
      expect(limited.more).toBe(true);
      const later = await store().findSessionSpans({ sessions: [{ serviceName: 'shop', sessionId: 's' }], from: at(10, 1), to: at(11), limit: 10 });
      expect(later.requests.map((r) => r.spanId)).toEqual([second.spanId]);
      expect(later.modelCalls).toEqual([]);

      const both = await store().findSessionSpans({
        sessions: [{ serviceName: 'shop', sessionId: 't' }, { serviceName: 'shop', sessionId: 's' }, { serviceName: 'blog', sessionId: 't' }],
        from: at(9), to: at(11), limit: 10,
      });
      expect(both.requests.map((r) => r.spanId)).toEqual([first.spanId, otherSession.spanId, second.spanId]);
      expect(both.modelCalls.map((c) => c.spanId)).toEqual([call.spanId]);
      expect(await store().findSessionSpans({ sessions: [], from: at(9), to: at(11), limit: 10 }))
        .toEqual({ requests: [], invocations: [], modelCalls: [], more: false });
      expect(await store().findSessionSpans({ sessions: [{ serviceName: 'blog', sessionId: 's' }], from: at(9), to: at(11), limit: 10 }))
        .toEqual({ requests: [], invocations: [], modelCalls: [], more: false });
      expect(await store().findSessionSpans({ sessions: [{ serviceName: 'shop', sessionId: 'nobody' }], from: at(9), to: at(11), limit: 10 }))
        .toEqual({ requests: [], invocations: [], modelCalls: [], more: false });
    });
  });
}
