/**
 * Record factories and fixed times for the store contract suite.
 *
 * Times are relative to BASE, the start of the UTC day three days before the run: recent
 * enough that no backend's own retention (e.g. MongoDB TTL indexes) removes them during a
 * test, and on exact hour/day boundaries so every bucket is known in advance.
 */
import type {
  AgentInvocationRecord, GenAiLinkRecord, ModelCallRecord, PendingModelCallRecord, RequestRecord, Rollup, AgentDay,
} from '../../../../collector/store/types.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export const BASE_MS = Math.floor(Date.now() / DAY_MS) * DAY_MS - 3 * DAY_MS;

/** BASE plus hours / minutes / seconds (any of them may be negative or fractional). */
export function at(hours: number, minutes = 0, seconds = 0): Date {
  return new Date(BASE_MS + hours * HOUR_MS + minutes * 60_000 + seconds * 1000);
}

/** "YYYY-MM-DD" of BASE plus `days`. */
export function day(days: number): string {
  return new Date(BASE_MS + days * DAY_MS).toISOString().slice(0, 10);
}

let sequence = 0;

/** Fresh, valid, unique (traceId, spanId) for every call. */
export function ids(): { traceId: string; spanId: string } {
  sequence += 1;
  const suffix = sequence.toString(16).padStart(12, '0');
  return { traceId: `c0ffee${'0'.repeat(14)}${suffix}`, spanId: `5a${'0'.repeat(2)}${suffix}` };
}

export function request(fields: Partial<RequestRecord> = {}): RequestRecord {
  return {
    kind: 'request',
    ...ids(),
    serviceName: 'shop',
    endpoint: '/api/items',
    method: 'GET',
    statusCode: 200,
    responseTime: 10,
    timestamp: at(10),
    sessionId: null,
    userId: null,
    agentName: null,
    ipAddress: null,
    userAgent: null,
    outcome: 'success',
    inputTokens: 0,
    outputTokens: 0,
    conversationId: null,
    ...fields,
  };
}

export function invocation(fields: Partial<AgentInvocationRecord> = {}): AgentInvocationRecord {
  return {
    kind: 'agent_invocation',
    ...ids(),
    serviceName: 'shop',
    agentName: 'support',
    operation: 'invoke_agent support',
    responseTime: 10,
    timestamp: at(10),
    sessionId: null,
    userId: null,
    outcome: 'success',
    inputTokens: 0,
    outputTokens: 0,
    conversationId: null,
    ...fields,
  };
}

/** A model call of agent `support` (chat, openai gpt-4o, 1000 input / 200 output tokens, no cost). */
export function modelCall(fields: Partial<ModelCallRecord> = {}): ModelCallRecord {
  return {
    kind: 'model_call',
    ...ids(),
    parentSpanId: '',
    serviceName: 'shop',
    agentName: 'support',
    operation: 'chat',
    provider: 'openai',
    model: 'gpt-4o',
    responseTime: 100,
    timestamp: at(10),
    sessionId: null,
    userId: null,
    conversationId: null,
    outcome: 'success',
    errorType: null,
    inputTokens: 1000,
    outputTokens: 200,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    costNanos: null,
    ...fields,
  };
}

/** The same call as pending, waiting at `lookupSpanId` (its parent unless given). */
export function pendingCall(fields: Partial<ModelCallRecord> & { lookupSpanId?: string; receivedAt?: Date } = {}): PendingModelCallRecord {
  const { kind: _kind, agentName: _agent, ...call } = modelCall(fields);
  return { ...call, kind: 'pending_model_call', agentName: null, lookupSpanId: fields.lookupSpanId ?? call.parentSpanId, receivedAt: fields.receivedAt ?? at(10) };
}

/** A GenAI span that is no model call nor agent (execute_tool). */
export function genaiLink(fields: Partial<GenAiLinkRecord> = {}): GenAiLinkRecord {
  return { kind: 'genai_link', ...ids(), serviceName: 'shop', agentName: null, parentSpanId: '', timestamp: at(10), receivedAt: at(10), ...fields };
}

/** A record with the same (traceId, spanId) as `original` but other data. */
export function sameIds<T extends RequestRecord | AgentInvocationRecord>(original: T, fields: Partial<T>): T {
  return { ...original, ...fields, traceId: original.traceId, spanId: original.spanId };
}

/** Stable order for rollups, whatever order a backend returns them in. */
export function sortRollups(rollups: Rollup[]): Rollup[] {
  const key = (r: Rollup) =>
    [r.serviceName, String(r.start.getTime()).padStart(15, '0'), r.endpoint ?? '', r.method ?? '', r.agentName ?? ''].join('\u0000');
  return [...rollups].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export function sortAgentDays(days: AgentDay[]): AgentDay[] {
  const key = (d: AgentDay) => [d.serviceName, d.agentName, d.date].join('\u0000');
  return [...days].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * `size` records of service `shop` in hour `hour`: every fourth an agent invocation, the
 * others requests, half of them attributed to agent `support`; sessions s0..s5; response times
 * 1, 2, 3, ... (whole milliseconds, so every sum is exact in any order).
 */
export function mixedBatch(size: number, hour = 10): Array<RequestRecord | AgentInvocationRecord> {
  return Array.from({ length: size }, (_, i) => i % 4 === 3
    ? invocation({ sessionId: `s${i % 6}`, responseTime: i + 1, timestamp: at(hour, i % 60), inputTokens: 1 })
    : request({ sessionId: `s${i % 6}`, agentName: i % 2 === 0 ? 'support' : null, responseTime: i + 1, timestamp: at(hour, i % 60), inputTokens: 2 }));
}
