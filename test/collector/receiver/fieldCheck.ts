/**
 * The receivers' field-by-field check, shared by both transports: five spans as the SDK records
 * them (a chat request with tokens, a 503 with the old attribute names, a 404, an agent
 * invocation, a database call), and every document they must produce, unchanged when the same
 * request is delivered three more times.
 */
import { expect } from 'vitest';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Store } from '../../../collector/store/types.js';
import { makeSpans, serverSpan } from '../../support/otelSpans.js';

/** The spans of the check, in the hour starting at `hourStart`. */
export function fieldCheckSpans(service: string, hourStart: number): ReadableSpan[] {
  return makeSpans([
    serverSpan({ service, route: '/api/agents/:agent/chat', path: '/api/agents/support/chat', method: 'POST', status: 200,
      startMs: hourStart + 1000, durationMs: 120.5, sessionId: 'sess-1', userId: 'user-1', inputTokens: 30, outputTokens: 70 }),
    serverSpan({ service, route: '/api/orders/:id', path: '/api/orders/7', status: 503, startMs: hourStart + 2000, durationMs: 40,
      sessionId: 'sess-1', legacyNames: true }),
    serverSpan({ service, route: '/api/orders/:id', path: '/api/orders/8', status: 404, startMs: hourStart + 3000, durationMs: 5,
      sessionId: 'sess-2' }),
    { service, name: 'invoke_agent planner', kind: SpanKind.INTERNAL, startMs: hourStart + 4000, durationMs: 900,
      attributes: { 'gen_ai.agent.name': 'planner', 'session.id': 'sess-2', 'gen_ai.usage.output_tokens': 11 } },
    { service, name: 'SELECT orders', kind: SpanKind.CLIENT, startMs: hourStart + 2100, durationMs: 3, attributes: { 'db.system': 'postgresql' } },
  ]);
}

/** Checks what the spans produced; `resend` delivers the same request once more. */
export async function expectFieldCheckStored(
  store: Store, service: string, spans: ReadableSpan[], hourStart: number, window: { from: Date; to: Date }, resend: () => Promise<void>,
): Promise<void> {
  const requests = await store.findRequests({ ...window, serviceName: service, limit: 10 });
  expect(requests).toHaveLength(3);
  const chat = requests.find((r) => r.endpoint === '/api/agents/:agent/chat')!;
  const chatSpan = spans.find((s) => s.name.startsWith('POST'))!;
  expect(chat).toMatchObject({
    traceId: chatSpan.spanContext().traceId, spanId: chatSpan.spanContext().spanId, serviceName: service, method: 'POST',
    statusCode: 200, sessionId: 'sess-1', userId: 'user-1', agentName: 'support', ipAddress: '10.1.2.3',
    userAgent: 'test-agent/1.0', outcome: 'success', inputTokens: 30, outputTokens: 70,
  });
  expect(chat.responseTime).toBeCloseTo(120.5, 6);
  expect(chat.timestamp.toISOString()).toBe(new Date(hourStart + 1000).toISOString());
  expect(requests.find((r) => r.statusCode === 503)).toMatchObject({ endpoint: '/api/orders/:id', outcome: 'error',
    userAgent: 'legacy-agent/1.0', method: 'GET' });
  expect(requests.find((r) => r.statusCode === 404)).toMatchObject({ outcome: 'client_error', sessionId: 'sess-2' });

  const session = await store.findSession(service, 'sess-1');
  expect(session).toMatchObject({ userId: 'user-1', isActive: true, requestCount: 2, ipAddress: '10.1.2.3' });
  // startTime is the earliest span start, lastActivity the latest span end of the session.
  expect(session!.startTime.toISOString()).toBe(new Date(hourStart + 1000).toISOString());
  expect(session!.lastActivity.toISOString()).toBe(new Date(hourStart + 2040).toISOString());

  const [hour] = await store.findRollups({ period: 'hour', level: 'service', serviceName: service, ...window });
  expect(hour).toMatchObject({ requestCount: 3, successCount: 1, errorCount: 1, clientErrorCount: 1, activeUsers: 2,
    inputTokens: 30, outputTokens: 70, start: new Date(hourStart) });
  expect(hour!.totalResponseTime).toBeCloseTo(165.5, 6);
  expect(hour!.minResponseTime).toBeCloseTo(5, 6);
  expect(hour!.maxResponseTime).toBeCloseTo(120.5, 6);
  const endpoints = await store.findRollups({ period: 'day', level: 'endpoint', serviceName: service, ...window });
  expect(endpoints.map((r) => `${r.method} ${r.endpoint} ${r.agentName} ${r.requestCount}`).sort()).toEqual([
    'GET /api/orders/:id null 2', 'POST /api/agents/:agent/chat support 1',
  ]);

  const day = new Date(hourStart).toISOString().slice(0, 10);
  const agents = await store.findAgentDays({ fromDate: day, toDate: day, serviceName: service });
  expect(agents.map((a) => [a.agentName, a.requestCount, a.invocationCount, a.errorCount, a.activeUsers, a.outputTokens]).sort())
    .toEqual([['planner', 1, 1, 0, 1, 11], ['support', 1, 0, 0, 1, 70]]);

  // The same request again, three times: nothing changes.
  for (let i = 0; i < 3; i++) await resend();
  expect(await store.findRequests({ ...window, serviceName: service, limit: 10 })).toHaveLength(3);
  expect(await store.findRollups({ period: 'hour', level: 'service', serviceName: service, ...window })).toEqual([hour]);
  expect(await store.findAgentDays({ fromDate: day, toDate: day, serviceName: service })).toEqual(agents);
  expect(await store.findSession(service, 'sess-1')).toEqual(session);
}
