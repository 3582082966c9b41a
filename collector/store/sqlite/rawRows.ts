/**
 * Raw rows of the SQLite store: the columns of api_metrics, agent_invocations and model_calls
 * (schema.ts), a record's values in that order, and the record a stored row stands for.
 */
import { invocationRecordOf, modelCallRecordOf, requestRecordOf } from '../storedValues.js';
import type { CountedRecord, RequestRecord } from '../types.js';
import type { RawTable } from './schema.js';

export const RAW_COLUMNS: Record<RawTable, readonly string[]> = {
  api_metrics: ['traceId', 'spanId', 'serviceName', 'endpoint', 'method', 'statusCode', 'responseTime', 'timestamp',
    'sessionId', 'userId', 'agentName', 'ipAddress', 'userAgent', 'outcome', 'inputTokens', 'outputTokens', 'conversationId'],
  agent_invocations: ['traceId', 'spanId', 'serviceName', 'agentName', 'operation', 'responseTime', 'timestamp',
    'sessionId', 'userId', 'outcome', 'inputTokens', 'outputTokens', 'conversationId'],
  model_calls: ['traceId', 'spanId', 'parentSpanId', 'serviceName', 'agentName', 'operation', 'provider', 'model', 'responseTime',
    'timestamp', 'sessionId', 'userId', 'conversationId', 'outcome', 'errorType', 'inputTokens', 'outputTokens', 'cacheReadTokens',
    'cacheWriteTokens', 'reasoningTokens', 'costNanos'],
};

const TABLE_OF_KIND: Record<CountedRecord['kind'], RawTable> = { request: 'api_metrics', agent_invocation: 'agent_invocations', model_call: 'model_calls' };

export function rawTableOf(record: CountedRecord): RawTable {
  return TABLE_OF_KIND[record.kind];
}

/** The record's values in RAW_COLUMNS order (times as epoch milliseconds). */
export function rawValues(record: CountedRecord): unknown[] {
  const fields = record as unknown as Record<string, unknown>;
  return RAW_COLUMNS[rawTableOf(record)].map((column) => (column === 'timestamp' ? record.timestamp.getTime() : fields[column]));
}

const epochMs = (stored: unknown) => new Date(Number(stored));

export function requestOfRow(row: Record<string, unknown>): RequestRecord {
  return requestRecordOf(row, epochMs);
}

export function recordOfRow(table: RawTable, row: Record<string, unknown>): CountedRecord {
  switch (table) {
    case 'api_metrics': return requestRecordOf(row, epochMs);
    case 'agent_invocations': return invocationRecordOf(row, epochMs);
    case 'model_calls': return modelCallRecordOf(row, epochMs);
  }
}
