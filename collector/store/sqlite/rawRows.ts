/**
 * Raw rows of the SQLite store: the columns of api_metrics and agent_invocations (schema.ts),
 * a record's values in that order, and the record a stored row stands for.
 */
import { invocationRecordOf, requestRecordOf } from '../storedValues.js';
import type { RequestRecord, SpanRecord } from '../types.js';
import type { RawTable } from './schema.js';

export const RAW_COLUMNS: Record<RawTable, readonly string[]> = {
  api_metrics: ['traceId', 'spanId', 'serviceName', 'endpoint', 'method', 'statusCode', 'responseTime', 'timestamp',
    'sessionId', 'userId', 'agentName', 'ipAddress', 'userAgent', 'outcome', 'inputTokens', 'outputTokens'],
  agent_invocations: ['traceId', 'spanId', 'serviceName', 'agentName', 'operation', 'responseTime', 'timestamp',
    'sessionId', 'userId', 'outcome', 'inputTokens', 'outputTokens'],
};

export function rawTableOf(record: SpanRecord): RawTable {
  return record.kind === 'request' ? 'api_metrics' : 'agent_invocations';
}

/** The record's values in RAW_COLUMNS order (times as epoch milliseconds). */
export function rawValues(record: SpanRecord): unknown[] {
  const fields = record as unknown as Record<string, unknown>;
  return RAW_COLUMNS[rawTableOf(record)].map((column) => (column === 'timestamp' ? record.timestamp.getTime() : fields[column]));
}

const epochMs = (stored: unknown) => new Date(Number(stored));

export function requestOfRow(row: Record<string, unknown>): RequestRecord {
  return requestRecordOf(row, epochMs);
}

export function recordOfRow(table: RawTable, row: Record<string, unknown>): SpanRecord {
  return table === 'api_metrics' ? requestRecordOf(row, epochMs) : invocationRecordOf(row, epochMs);
}
