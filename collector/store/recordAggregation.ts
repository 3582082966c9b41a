/**
 * Backend-neutral batch aggregation: turns the records of one write that were stored for the
 * first time into the increments every backend applies to its pre-aggregated documents.
 * Shared by the SQLite store and the MongoDB store so that both count exactly the same things;
 * a backend only decides how to apply the deltas. How a backend uses it:
 *
 *   1. `firstOfEachId(records)`: first record per (traceId, spanId) in batch order.
 *   2. Insert those raw rows idempotently; keep only the ones actually inserted.
 *   3. `aggregateRecords(inserted)`: rollup, agent-day, session and service deltas (commutative:
 *      sums, min, max, histogram bucket sums), plus presence keys for distinct users.
 *   4. Insert each presence key idempotently; every one that was new adds 1 to `activeUsers` of
 *      its document (`rollupKey` of the service-level rollup / `agentDayKey`), then apply deltas.
 *
 * Many spans become few deltas (one per rollup key, agent day, session and service), which
 * is what makes large batches cheap to write.
 */
import { addToHistogram, type LatencyHistogram } from '../mapping/latencyHistogram.js';
import type { Outcome, Period, RequestRecord, SpanRecord, UserSession } from './types.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface Counters {
  requestCount: number;
  successCount: number;
  errorCount: number;
  clientErrorCount: number;
  totalResponseTime: number;
  minResponseTime: number;
  maxResponseTime: number;
  latencyHistogram: LatencyHistogram;
  inputTokens: number;
  outputTokens: number;
}

/** Increment for one hourly_metrics / daily_metrics document; service level when endpoint, method and agentName are null. */
export interface RollupDelta extends Counters {
  serviceName: string;
  period: Period;
  start: Date;
  endpoint: string | null;
  method: string | null;
  agentName: string | null;
}

export interface AgentDayDelta extends Counters {
  serviceName: string;
  agentName: string;
  date: string;
  invocationCount: number;
  lastSeen: Date;
}

/**
 * A user_sessions document's change from one batch: userId, ipAddress and userAgent are the
 * last non-null values in batch order (null never overwrites a stored value); startTime is the
 * earliest span start, lastActivity the latest span end; requestCount counts requests only
 * (agent invocations touch the session without counting as requests).
 */
export type SessionDelta = Omit<UserSession, 'isActive'>;

export interface ServiceDelta {
  serviceName: string;
  firstSeen: Date;
  lastSeen: Date;
  spanCount: number;
}

/** A session seen in a service-level rollup period (requests only). */
export interface RollupPresence {
  serviceName: string;
  period: Period;
  start: Date;
  sessionId: string;
}

/** A session that used an agent on a day. */
export interface AgentPresence {
  serviceName: string;
  agentName: string;
  date: string;
  sessionId: string;
}

export interface BatchDeltas {
  rollups: RollupDelta[];
  agentDays: AgentDayDelta[];
  sessions: SessionDelta[];
  services: ServiceDelta[];
  rollupPresence: RollupPresence[];
  agentPresence: AgentPresence[];
}

/** The first record of each (traceId, spanId) in batch order, and how many later ones repeated an id. */
export function firstOfEachId(records: readonly SpanRecord[]): { unique: SpanRecord[]; duplicates: number } {
  const seen = new Set<string>();
  const unique: SpanRecord[] = [];
  for (const record of records) {
    const id = `${record.traceId}:${record.spanId}`;
    if (seen.has(id)) continue;
    seen.add(id);
    unique.push(record);
  }
  return { unique, duplicates: records.length - unique.length };
}

export function periodStart(period: Period, time: Date): Date {
  const ms = time.getTime();
  return new Date(ms - modulo(ms, period === 'hour' ? HOUR_MS : DAY_MS));
}

/** "YYYY-MM-DD" of the UTC day. */
export function utcDate(time: Date): string {
  return time.toISOString().slice(0, 10);
}

export function endTime(record: SpanRecord): Date {
  return new Date(record.timestamp.getTime() + record.responseTime);
}

// Keys join their parts with a unit separator; null is a NUL so it never equals a string.
const SEP = '\u001f';
const part = (value: string | null) => value ?? '\u0000';

/** Identity of a rollup document as one string (for maps keyed by document). */
export function rollupKey(r: { serviceName: string; period: Period; start: Date; endpoint: string | null; method: string | null; agentName: string | null }): string {
  return rollupKeyOf(r.serviceName, r.period, r.start.getTime(), r.endpoint, r.method, r.agentName);
}

export function agentDayKey(d: { serviceName: string; agentName: string; date: string }): string {
  return d.serviceName + SEP + d.agentName + SEP + d.date;
}

function rollupKeyOf(serviceName: string, period: Period, startMs: number, endpoint: string | null, method: string | null, agentName: string | null): string {
  return serviceName + SEP + period + SEP + startMs + SEP + part(endpoint) + SEP + part(method) + SEP + part(agentName);
}

/** Deltas for records that are all new (already passed through the backend's idempotent insert). */
export function aggregateRecords(records: readonly SpanRecord[]): BatchDeltas {
  const rollups = new Map<string, RollupDelta>();
  const agentDays = new Map<string, AgentDayDelta>();
  const sessions = new Map<string, SessionDelta>();
  const services = new Map<string, ServiceDelta>();
  const rollupPresence = new Map<string, RollupPresence>();
  const agentPresence = new Map<string, AgentPresence>();
  const dates = new Map<number, string>();

  for (const record of records) {
    const { serviceName, sessionId, agentName } = record;
    const startMs = record.timestamp.getTime();
    const end = new Date(startMs + record.responseTime);
    addService(services, record, end);
    if (sessionId !== null) addSession(sessions, record, sessionId, end);
    const dayMs = startMs - modulo(startMs, DAY_MS);
    if (agentName !== null) {
      let date = dates.get(dayMs);
      if (date === undefined) dates.set(dayMs, (date = utcDate(record.timestamp)));
      const key = serviceName + SEP + agentName + SEP + date;
      let delta = agentDays.get(key);
      if (delta === undefined) {
        delta = { serviceName, agentName, date, invocationCount: 0, lastSeen: end, ...emptyCounters() };
        agentDays.set(key, delta);
      }
      count(delta, record);
      if (record.kind === 'agent_invocation') delta.invocationCount += 1;
      if (end > delta.lastSeen) delta.lastSeen = end;
      if (sessionId !== null && !agentPresence.has(key + SEP + sessionId)) {
        agentPresence.set(key + SEP + sessionId, { serviceName, agentName, date, sessionId });
      }
    }
    if (record.kind !== 'request') continue;
    addPeriod(rollups, rollupPresence, record, 'hour', startMs - modulo(startMs, HOUR_MS));
    addPeriod(rollups, rollupPresence, record, 'day', dayMs);
  }
  return {
    rollups: [...rollups.values()],
    agentDays: [...agentDays.values()],
    sessions: [...sessions.values()],
    services: [...services.values()],
    rollupPresence: [...rollupPresence.values()],
    agentPresence: [...agentPresence.values()],
  };
}

/** Floor modulo, so times before 1970 still fall into the right period. */
function modulo(value: number, size: number): number {
  return ((value % size) + size) % size;
}

function addPeriod(
  rollups: Map<string, RollupDelta>, presence: Map<string, RollupPresence>, record: RequestRecord, period: Period, startMs: number,
): void {
  const { serviceName, endpoint, method, agentName, sessionId } = record;
  addRollup(rollups, rollupKeyOf(serviceName, period, startMs, null, null, null), record, period, startMs, null, null, null);
  addRollup(rollups, rollupKeyOf(serviceName, period, startMs, endpoint, method, agentName), record, period, startMs, endpoint, method, agentName);
  if (sessionId === null) return;
  const key = serviceName + SEP + period + SEP + startMs + SEP + sessionId;
  if (!presence.has(key)) presence.set(key, { serviceName, period, start: new Date(startMs), sessionId });
}

function emptyCounters(): Counters {
  return {
    requestCount: 0, successCount: 0, errorCount: 0, clientErrorCount: 0, totalResponseTime: 0,
    minResponseTime: Infinity, maxResponseTime: -Infinity, latencyHistogram: {}, inputTokens: 0, outputTokens: 0,
  };
}

const OUTCOME_FIELD: Record<Outcome, 'successCount' | 'errorCount' | 'clientErrorCount'> = {
  success: 'successCount',
  error: 'errorCount',
  client_error: 'clientErrorCount',
};

function count(counters: Counters, record: SpanRecord): void {
  counters.requestCount += 1;
  counters[OUTCOME_FIELD[record.outcome]] += 1;
  counters.totalResponseTime += record.responseTime;
  counters.minResponseTime = Math.min(counters.minResponseTime, record.responseTime);
  counters.maxResponseTime = Math.max(counters.maxResponseTime, record.responseTime);
  addToHistogram(counters.latencyHistogram, record.responseTime);
  counters.inputTokens += record.inputTokens;
  counters.outputTokens += record.outputTokens;
}

function addRollup(
  rollups: Map<string, RollupDelta>, key: string, record: RequestRecord, period: Period, startMs: number,
  endpoint: string | null, method: string | null, agentName: string | null,
): void {
  let delta = rollups.get(key);
  if (delta === undefined) {
    delta = { serviceName: record.serviceName, period, start: new Date(startMs), endpoint, method, agentName, ...emptyCounters() };
    rollups.set(key, delta);
  }
  count(delta, record);
}

function addSession(sessions: Map<string, SessionDelta>, record: SpanRecord, sessionId: string, end: Date): void {
  const id = record.serviceName + SEP + sessionId;
  let delta = sessions.get(id);
  if (delta === undefined) {
    delta = {
      serviceName: record.serviceName, sessionId, userId: null, ipAddress: null, userAgent: null,
      startTime: record.timestamp, lastActivity: end, requestCount: 0,
    };
    sessions.set(id, delta);
  }
  if (record.timestamp < delta.startTime) delta.startTime = record.timestamp;
  if (end > delta.lastActivity) delta.lastActivity = end;
  if (record.userId !== null) delta.userId = record.userId;
  if (record.kind === 'request') {
    delta.requestCount += 1;
    if (record.ipAddress !== null) delta.ipAddress = record.ipAddress;
    if (record.userAgent !== null) delta.userAgent = record.userAgent;
  }
}

function addService(services: Map<string, ServiceDelta>, record: SpanRecord, end: Date): void {
  const delta = services.get(record.serviceName);
  if (delta === undefined) {
    services.set(record.serviceName, { serviceName: record.serviceName, firstSeen: record.timestamp, lastSeen: end, spanCount: 1 });
    return;
  }
  delta.spanCount += 1;
  if (record.timestamp < delta.firstSeen) delta.firstSeen = record.timestamp;
  if (end > delta.lastSeen) delta.lastSeen = end;
}
