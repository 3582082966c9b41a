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
import { countRecord, emptyFigures, mergeFigures, type FiguresOf } from './figures.js';
import { DAY_MS, dayKey, floorModulo, HOUR_MS, MINUTE_MS } from '../time/utcTime.js';
import type { AgentDayIdentity, CountedRecord, MinuteRollup, ModelCallRecord, ModelDayIdentity, Period, RollupIdentity, SpanRecord, UserSession } from './types.js';


/** Increment for one hourly_metrics / daily_metrics document (activeUsers left 0: presence decides it). */
export type RollupDelta = RollupIdentity & FiguresOf<'rollup'>;

/** Increment for one minute_metrics document. */
export type MinuteDelta = MinuteRollup;

/** Increment for one agent_metrics document (activeUsers left 0: presence decides it). */
export type AgentDayDelta = AgentDayIdentity & FiguresOf<'agentDay'> & { lastSeen: Date };

/** Increment for one model_metrics document. */
export type ModelDayDelta = ModelDayIdentity & FiguresOf<'modelDay'> & { lastSeen: Date };

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
  minutes: MinuteDelta[];
  rollups: RollupDelta[];
  agentDays: AgentDayDelta[];
  modelDays: ModelDayDelta[];
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

export function endTime(record: { timestamp: Date; responseTime: number }): Date {
  return new Date(record.timestamp.getTime() + record.responseTime);
}

// Keys join their parts with a unit separator; null is a NUL so it never equals a string.
const SEP = '\u001f';
const part = (value: string | null) => value ?? '\u0000';

/** Identity of a rollup document as one string (for maps keyed by document). */
export function rollupKey(r: { serviceName: string; period: Period | 'minute'; start: Date; endpoint: string | null; method: string | null; agentName: string | null }): string {
  return rollupKeyOf(r.serviceName, r.period, r.start.getTime(), r.endpoint, r.method, r.agentName);
}

export function agentDayKey(d: { serviceName: string; agentName: string; date: string }): string {
  return d.serviceName + SEP + d.agentName + SEP + d.date;
}

function rollupKeyOf(serviceName: string, period: Period | 'minute', startMs: number, endpoint: string | null, method: string | null, agentName: string | null): string {
  return serviceName + SEP + period + SEP + startMs + SEP + part(endpoint) + SEP + part(method) + SEP + part(agentName);
}

/**
 * Deltas for records that are all new (already passed through the backend's idempotent insert).
 * Each request is counted once, into its minute endpoint-level delta; the service-level,
 * hourly and daily deltas are merged from those afterwards (a batch has many more records
 * than deltas). Per record, maps are looked up by the record's own strings, nested, rather
 * than by keys joined from them: this loop runs for every span stored.
 */
export function aggregateRecords(records: readonly CountedRecord[]): BatchDeltas {
  return new RecordAggregator().add(records).deltas();
}

/**
 * aggregateRecords over records that arrive in several parts: `add` each part as it comes,
 * `deltas()` gives what aggregateRecords would give for all of them in the order added. The
 * SQLite writer keeps one for its unfolded tail, so the tail's records need not be kept.
 * `deltas()` does not change the aggregator: it can be asked again (a fold that failed).
 */
export class RecordAggregator {
  private readonly services = new Map<string, ServiceWork>();
  private readonly modelDays = new Map<string, ModelDayDelta>();

  add(records: readonly CountedRecord[]): this {
    const { services, modelDays } = this;
    for (const record of records) {
      const { serviceName, sessionId, agentName } = record;
      const startMs = record.timestamp.getTime();
      const endMs = startMs + record.responseTime;
      let service = services.get(serviceName);
      if (service === undefined) {
        service = { firstSeen: startMs, lastSeen: endMs, spanCount: 0, sessions: new Map(), minutes: new Map(), agents: new Map() };
        services.set(serviceName, service);
      }
      service.spanCount += 1;
      if (startMs < service.firstSeen) service.firstSeen = startMs;
      if (endMs > service.lastSeen) service.lastSeen = endMs;
      if (record.kind === 'model_call') {
        // Counted in model_metrics only: a model call is not a request of its agent.
        addModelDay(modelDays, record, startMs, endMs);
        continue;
      }
      const hourMs = startMs - floorModulo(startMs, HOUR_MS);
      if (sessionId !== null) addSession(service, record, sessionId, startMs, endMs, hourMs);
      if (agentName !== null) addAgentDay(service, record, agentName, startMs, endMs, sessionId);
      if (record.kind !== 'request') continue;
      const minuteMs = startMs - floorModulo(startMs, MINUTE_MS);
      const delta = nested(service.minutes, [minuteMs, record.endpoint, record.method, agentName ?? NO_AGENT], () => ({
        serviceName, period: 'minute', start: new Date(minuteMs), endpoint: record.endpoint, method: record.method, agentName, ...emptyFigures('minute'),
      }));
      countRecord(delta, 'minute', record);
    }
    return this;
  }

  deltas(): BatchDeltas {
    const minuteEndpoints: MinuteDelta[] = [];
    const agentDays: AgentDayDelta[] = [];
    const sessions: SessionDelta[] = [];
    const serviceDeltas: ServiceDelta[] = [];
    const hourPresence: RollupPresence[] = [];
    const agentPresence: AgentPresence[] = [];
    for (const [serviceName, service] of this.services) {
      serviceDeltas.push({ serviceName, firstSeen: new Date(service.firstSeen), lastSeen: new Date(service.lastSeen), spanCount: service.spanCount });
      collectLeaves(service.minutes, minuteEndpoints);
      for (const [sessionId, session] of service.sessions) {
        sessions.push({ ...session.delta, startTime: new Date(session.startMs), lastActivity: new Date(session.endMs) });
        for (const hourMs of session.hours) hourPresence.push({ serviceName, period: 'hour', start: new Date(hourMs), sessionId });
      }
      for (const [agentName, days] of service.agents) {
        for (const [date, day] of days) {
          agentDays.push({ ...day.delta, lastSeen: new Date(day.lastSeenMs) });
          for (const sessionId of day.sessions) agentPresence.push({ serviceName, agentName, date, sessionId });
        }
      }
    }
    return {
      // Copies (their histograms shared, read only): a caller may set fields of a delta.
      minutes: [...minuteEndpoints.map((delta) => ({ ...delta })), ...minuteServiceLevel(minuteEndpoints)],
      rollups: rollupsFrom(hourlyFrom(minuteEndpoints)),
      agentDays,
      modelDays: [...this.modelDays.values()].map((delta) => ({ ...delta })),
      sessions,
      services: serviceDeltas,
      rollupPresence: withDailyPresence(hourPresence),
      agentPresence,
    };
  }
}

/** The per-service working state of a RecordAggregator. */
interface ServiceWork {
  firstSeen: number;
  lastSeen: number;
  spanCount: number;
  sessions: Map<string, { delta: SessionDelta; startMs: number; endMs: number; hours: number[] }>;
  /** minute ms -> endpoint -> method -> agent (NO_AGENT for none) -> delta. */
  minutes: Map<number, unknown>;
  /** agent -> UTC date -> the agent day and its sessions. */
  agents: Map<string, Map<string, { delta: AgentDayDelta; lastSeenMs: number; sessions: Set<string> }>>;
}

/** Stands for "no agent" in the nested maps (agent names are never empty: mapping drops empty values). */
const NO_AGENT = '';

/** The value under `keys` in nested maps, created by `create` when missing. */
function nested<T>(root: Map<unknown, unknown>, keys: readonly unknown[], create: () => T): T {
  let map = root;
  for (let i = 0; i < keys.length - 1; i++) {
    let next = map.get(keys[i]) as Map<unknown, unknown> | undefined;
    if (next === undefined) map.set(keys[i], (next = new Map()));
    map = next;
  }
  const last = keys[keys.length - 1];
  let value = map.get(last) as T | undefined;
  if (value === undefined) map.set(last, (value = create()));
  return value;
}

function collectLeaves<T>(map: Map<unknown, unknown>, into: T[]): void {
  for (const value of map.values()) {
    if (value instanceof Map) collectLeaves(value as Map<unknown, unknown>, into);
    else into.push(value as T);
  }
}

const dateKeys = new Map<number, string>();

/** "YYYY-MM-DD" of the UTC day starting at `dayMs`, remembered (a batch spans a day or two). */
function dateOf(dayMs: number): string {
  let date = dateKeys.get(dayMs);
  if (date === undefined) {
    if (dateKeys.size > 1000) dateKeys.clear();
    dateKeys.set(dayMs, (date = dayKey(new Date(dayMs))));
  }
  return date;
}

export function modelDayKey(d: ModelDayIdentity): string {
  return d.serviceName + SEP + d.agentName + SEP + part(d.provider) + SEP + part(d.model) + SEP + d.date;
}

function addModelDay(modelDays: Map<string, ModelDayDelta>, record: ModelCallRecord, startMs: number, endMs: number): void {
  const identity: ModelDayIdentity = {
    serviceName: record.serviceName, agentName: record.agentName, provider: record.provider, model: record.model,
    date: dateOf(startMs - floorModulo(startMs, DAY_MS)),
  };
  const key = modelDayKey(identity);
  let delta = modelDays.get(key);
  if (delta === undefined) modelDays.set(key, (delta = { ...identity, lastSeen: new Date(endMs), ...emptyFigures('modelDay') }));
  countRecord(delta, 'modelDay', record);
  if (endMs > delta.lastSeen.getTime()) delta.lastSeen = new Date(endMs);
}

function addAgentDay(service: ServiceWork, record: CountedRecord, agentName: string, startMs: number, endMs: number, sessionId: string | null): void {
  const date = dateOf(startMs - floorModulo(startMs, DAY_MS));
  let days = service.agents.get(agentName);
  if (days === undefined) service.agents.set(agentName, (days = new Map()));
  let day = days.get(date);
  if (day === undefined) {
    const delta: AgentDayDelta = { serviceName: record.serviceName, agentName, date, lastSeen: new Date(endMs), ...emptyFigures('agentDay') };
    days.set(date, (day = { delta, lastSeenMs: endMs, sessions: new Set() }));
  }
  countRecord(day.delta, 'agentDay', record);
  if (endMs > day.lastSeenMs) day.lastSeenMs = endMs;
  if (sessionId !== null) day.sessions.add(sessionId);
}

function addSession(service: ServiceWork, record: CountedRecord, sessionId: string, startMs: number, endMs: number, hourMs: number): void {
  let session = service.sessions.get(sessionId);
  if (session === undefined) {
    const delta: SessionDelta = {
      serviceName: record.serviceName, sessionId, userId: null, ipAddress: null, userAgent: null,
      startTime: record.timestamp, lastActivity: record.timestamp, requestCount: 0,
    };
    service.sessions.set(sessionId, (session = { delta, startMs, endMs, hours: [] }));
  }
  if (startMs < session.startMs) session.startMs = startMs;
  if (endMs > session.endMs) session.endMs = endMs;
  const { delta } = session;
  if (record.userId !== null) delta.userId = record.userId;
  if (record.kind !== 'request') return;
  delta.requestCount += 1;
  if (record.ipAddress !== null) delta.ipAddress = record.ipAddress;
  if (record.userAgent !== null) delta.userAgent = record.userAgent;
  if (!session.hours.includes(hourMs)) session.hours.push(hourMs);
}

/** The service-level minute deltas merged from the endpoint-level ones. */
function minuteServiceLevel(minuteEndpoints: readonly MinuteDelta[]): MinuteDelta[] {
  const services = new Map<string, MinuteDelta>();
  for (const minute of minuteEndpoints) {
    const key = minute.serviceName + SEP + minute.start.getTime();
    let delta = services.get(key);
    if (delta === undefined) {
      services.set(key, (delta = { serviceName: minute.serviceName, period: 'minute', start: minute.start, endpoint: null, method: null, agentName: null, ...emptyFigures('minute') }));
    }
    mergeFigures(delta, minute);
  }
  return [...services.values()];
}

/** The hourly endpoint-level deltas merged from the minute ones. */
function hourlyFrom(minuteEndpoints: readonly MinuteDelta[]): RollupDelta[] {
  const hours = new Map<string, RollupDelta>();
  for (const minute of minuteEndpoints) {
    const hourMs = minute.start.getTime() - floorModulo(minute.start.getTime(), HOUR_MS);
    const key = rollupKeyOf(minute.serviceName, 'hour', hourMs, minute.endpoint, minute.method, minute.agentName);
    let delta = hours.get(key);
    if (delta === undefined) {
      const identity = { serviceName: minute.serviceName, period: 'hour' as const, start: new Date(hourMs), endpoint: minute.endpoint, method: minute.method, agentName: minute.agentName };
      hours.set(key, (delta = { ...identity, ...emptyFigures('rollup') }));
    }
    mergeFigures(delta, minute);
  }
  return [...hours.values()];
}

/** The hourly endpoint-level deltas, plus the service-level and daily ones merged from them. */
function rollupsFrom(hourlyEndpoints: readonly RollupDelta[]): RollupDelta[] {
  const derived = new Map<string, RollupDelta>();
  const mergeInto = (from: RollupDelta, period: Period, level: 'service' | 'endpoint') => {
    const start = period === 'hour' ? from.start : new Date(from.start.getTime() - floorModulo(from.start.getTime(), DAY_MS));
    const identity = level === 'service'
      ? { serviceName: from.serviceName, period, start, endpoint: null, method: null, agentName: null }
      : { serviceName: from.serviceName, period, start, endpoint: from.endpoint, method: from.method, agentName: from.agentName };
    const key = rollupKey(identity);
    let delta = derived.get(key);
    if (delta === undefined) derived.set(key, (delta = { ...identity, ...emptyFigures('rollup') }));
    mergeFigures(delta, from);
  };
  for (const hour of hourlyEndpoints) {
    mergeInto(hour, 'hour', 'service');
    mergeInto(hour, 'day', 'endpoint');
    mergeInto(hour, 'day', 'service');
  }
  return [...hourlyEndpoints, ...derived.values()];
}

/** Hourly presence keys plus the daily ones they imply. */
function withDailyPresence(hourly: readonly RollupPresence[]): RollupPresence[] {
  const daily = new Map<string, RollupPresence>();
  for (const p of hourly) {
    const dayMs = p.start.getTime() - floorModulo(p.start.getTime(), DAY_MS);
    const key = p.serviceName + SEP + dayMs + SEP + p.sessionId;
    if (!daily.has(key)) daily.set(key, { serviceName: p.serviceName, period: 'day', start: new Date(dayMs), sessionId: p.sessionId });
  }
  return [...hourly, ...daily.values()];
}
