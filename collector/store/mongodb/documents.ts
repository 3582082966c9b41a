/**
 * The MongoDB documents: collection names, the shape of the raw documents, and the `_id` of
 * every upserted document. Field names are the public contract (SPEC §2, store/types.ts) so
 * dashboards and mongosh queries on these collections keep working; fields that start with
 * `unit` / `appliedSeq` are bookkeeping of idempotent counting (see MongoWriter).
 *
 * Upserted documents get a deterministic `_id` built from their identity (a JSON array, so no
 * separator can be confused with data): an upsert by `_id` can never create two documents for
 * the same key, even when several collectors insert it at the same moment.
 */
import type { Document } from 'mongodb';
import { spanDocId } from '../documentIds.js';
import { invocationRecordOf, modelCallRecordOf, pendingModelCallOf, requestRecordOf } from '../storedValues.js';
import type { AgentInvocationRecord, ApiMetric, ModelCallRecord, PendingModelCallRecord, RequestRecord, SpanRecord } from '../types.js';

export const COLLECTIONS = {
  apiMetrics: 'api_metrics',
  agentInvocations: 'agent_invocations',
  userSessions: 'user_sessions',
  agentMetrics: 'agent_metrics',
  minuteMetrics: 'minute_metrics',
  hourlyMetrics: 'hourly_metrics',
  dailyMetrics: 'daily_metrics',
  /** One per model call, unique (traceId, spanId). */
  modelCalls: 'model_calls',
  modelMetrics: 'model_metrics',
  /** Model calls waiting for their agent, and the spans that lead to one (collector/genai/). */
  genaiPending: 'genai_pending',
  genaiLinks: 'genai_links',
  /** One per service: first/last seen and span count. */
  services: 'services',
  /** One per (service, hour, session) / (service, day, session) / (service, agent, day, session): exact distinct users. */
  hourlyPresence: 'hourly_presence',
  dailyPresence: 'daily_presence',
  agentPresence: 'agent_presence',
  /** Units of counting not finished yet (see MongoWriter). */
  spanUnits: 'span_units',
  /** The cross-process write lease used on servers without atomic updates (FerretDB 1.x). */
  locks: 'store_locks',
  /** Alert transitions (state and history) and silences (MongoAlerts.ts). */
  alertEvents: 'alert_events',
  alertSilences: 'alert_silences',
} as const;

/** A document with a deterministic string `_id` (every upserted or keyed collection). */
export interface Keyed extends Document {
  _id: string;
}

/** An api_metrics document as stored (without `_id`). */
export interface ApiMetricDocument extends ApiMetric {
  /** The unit of counting that inserted it. */
  unit: string;
}

/** An agent_invocations document as stored (without `_id`). */
export interface AgentInvocationDocument extends Omit<AgentInvocationRecord, 'kind' | 'parentSpanId'> {
  unit: string;
}

/** A model_calls document as stored (without `_id`). */
export interface ModelCallDocument extends Omit<ModelCallRecord, 'kind'> {
  unit: string;
}

// parentSpanId of requests and invocations serves attribution within a write only: not stored.
export function apiMetricDocument(record: RequestRecord, unit: string): ApiMetricDocument {
  const { kind: _kind, parentSpanId: _parent, ...fields } = record;
  return { ...fields, unit };
}

export function agentInvocationDocument(record: AgentInvocationRecord, unit: string): AgentInvocationDocument {
  const { kind: _kind, parentSpanId: _parent, ...fields } = record;
  return { ...fields, unit };
}

export function modelCallDocument(record: ModelCallRecord, unit: string): ModelCallDocument {
  const { kind: _kind, ...fields } = record;
  return { ...fields, unit };
}

/** A genai_pending document: the pending call's fields, keyed by its span. */
export function pendingDocument(record: PendingModelCallRecord): Keyed {
  const { kind: _kind, agentName: _agent, ...fields } = record;
  return { _id: spanDocId(record), ...fields };
}

export function toModelCallRecord(doc: Stored): ModelCallRecord {
  return modelCallRecordOf(doc, storedDate);
}

export function toPendingModelCall(doc: Stored): PendingModelCallRecord {
  return pendingModelCallOf(doc, storedDate);
}

type Stored = Record<string, unknown>;
const storedDate = (stored: unknown) => stored as Date;

export function toRequestRecord(doc: Stored): RequestRecord {
  return requestRecordOf(doc, storedDate);
}

export function toApiMetric(doc: Stored): ApiMetric {
  const { kind: _kind, ...metric } = requestRecordOf(doc, storedDate);
  return metric;
}

export function toAgentInvocationRecord(doc: Stored): AgentInvocationRecord {
  return invocationRecordOf(doc, storedDate);
}

export { agentDayId, modelDayId, rollupId, sessionDocId, spanDocId } from '../documentIds.js';

/**
 * A tally key as a field name: MongoDB reads `.` as a path and `$` as an operator, and error
 * types such as `openai.RateLimitError` have dots; `%`, `.` and `$` are percent-encoded.
 */
export function fieldNameOf(key: string): string {
  return key.replace(/[%.$]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function keyOfFieldName(field: string): string {
  return field.replace(/%(25|2E|24)/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

export function rollupPresenceId(p: { serviceName: string; start: Date; sessionId: string }): string {
  return JSON.stringify([p.serviceName, p.start.toISOString(), p.sessionId]);
}

export function agentPresenceId(p: { serviceName: string; agentName: string; date: string; sessionId: string }): string {
  return JSON.stringify([p.serviceName, p.agentName, p.date, p.sessionId]);
}

/** Identity of a span, as used for duplicate detection within the store. */
export function spanKey(record: Pick<SpanRecord, 'traceId' | 'spanId'>): string {
  return `${record.traceId}:${record.spanId}`;
}
