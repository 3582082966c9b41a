/**
 * Reading stored values back into the contract's types, for every backend alike: each
 * backend passes how it stores times (SQLite: epoch milliseconds; MongoDB: dates).
 */
import type { AgentInvocationRecord, Outcome, RequestRecord } from './types.js';

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
  };
}
