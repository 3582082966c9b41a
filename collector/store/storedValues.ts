/**
 * Reading stored values back into the contract's types, for every backend alike: each
 * backend passes how it stores times (SQLite: epoch milliseconds; MongoDB: dates).
 */
import type { AgentInvocationRecord, ModelCallRecord, Outcome, PendingModelCallRecord, RequestRecord } from './types.js';

type Stored = Record<string, unknown>;
export type TimeOf = (stored: unknown) => Date;

export function nullableString(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

export function nullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

export function requestRecordOf(doc: Stored, timeOf: TimeOf): RequestRecord {
  return {
    kind: 'request',
    traceId: String(doc['traceId']),
    spanId: String(doc['spanId']),
    serviceName: String(doc['serviceName']),
    endpoint: String(doc['endpoint']),
    method: String(doc['method']),
    statusCode: nullableNumber(doc['statusCode']),
    responseTime: Number(doc['responseTime']),
    timestamp: timeOf(doc['timestamp']),
    sessionId: nullableString(doc['sessionId']),
    userId: nullableString(doc['userId']),
    agentName: nullableString(doc['agentName']),
    ipAddress: nullableString(doc['ipAddress']),
    userAgent: nullableString(doc['userAgent']),
    outcome: String(doc['outcome']) as Outcome,
    inputTokens: Number(doc['inputTokens'] ?? 0),
    outputTokens: Number(doc['outputTokens'] ?? 0),
    conversationId: nullableString(doc['conversationId']),
  };
}

export function invocationRecordOf(doc: Stored, timeOf: TimeOf): AgentInvocationRecord {
  return {
    kind: 'agent_invocation',
    traceId: String(doc['traceId']),
    spanId: String(doc['spanId']),
    serviceName: String(doc['serviceName']),
    agentName: String(doc['agentName']),
    operation: String(doc['operation']),
    responseTime: Number(doc['responseTime']),
    timestamp: timeOf(doc['timestamp']),
    sessionId: nullableString(doc['sessionId']),
    userId: nullableString(doc['userId']),
    outcome: String(doc['outcome']) as Outcome,
    inputTokens: Number(doc['inputTokens'] ?? 0),
    outputTokens: Number(doc['outputTokens'] ?? 0),
    conversationId: nullableString(doc['conversationId']),
  };
}

export function modelCallRecordOf(doc: Stored, timeOf: TimeOf): ModelCallRecord {
  return {
    kind: 'model_call',
    traceId: String(doc['traceId']),
    spanId: String(doc['spanId']),
    parentSpanId: String(doc['parentSpanId'] ?? ''),
    serviceName: String(doc['serviceName']),
    agentName: String(doc['agentName']),
    operation: String(doc['operation']),
    provider: nullableString(doc['provider']),
    model: nullableString(doc['model']),
    responseTime: Number(doc['responseTime']),
    timestamp: timeOf(doc['timestamp']),
    sessionId: nullableString(doc['sessionId']),
    userId: nullableString(doc['userId']),
    conversationId: nullableString(doc['conversationId']),
    outcome: String(doc['outcome']) as Outcome,
    errorType: nullableString(doc['errorType']),
    inputTokens: Number(doc['inputTokens'] ?? 0),
    outputTokens: Number(doc['outputTokens'] ?? 0),
    cacheReadTokens: Number(doc['cacheReadTokens'] ?? 0),
    cacheWriteTokens: Number(doc['cacheWriteTokens'] ?? 0),
    reasoningTokens: Number(doc['reasoningTokens'] ?? 0),
    costNanos: nullableNumber(doc['costNanos']),
  };
}

export function pendingModelCallOf(doc: Stored, timeOf: TimeOf): PendingModelCallRecord {
  const { kind: _kind, agentName: _agent, ...call } = modelCallRecordOf({ ...doc, agentName: '' }, timeOf);
  return { ...call, kind: 'pending_model_call', agentName: null, lookupSpanId: String(doc['lookupSpanId']), receivedAt: timeOf(doc['receivedAt']) };
}
