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
import { DAY_MS, dayKey, HOUR_MS, MINUTE_MS, periodStartMs } from '../time/utcTime.js';
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
  return r.serviceName + SEP + r.period + SEP + r.start.getTime() + SEP + part(r.endpoint) + SEP + part(r.method) + SEP + part(r.agentName);
}

export function agentDayKey(d: { serviceName: string; agentName: string; date: string }): string {
  return d.serviceName + SEP + d.agentName + SEP + d.date;
}

/**
 * Deltas for records that are all new (already passed through the backend's idempotent insert).
 * Each request is counted once, into its minute endpoint-level delta; the hours, days and
 * service level are merged from those when the deltas are asked for (emitRollups). Per record,
 * maps are looked up by the record's own strings, nested, rather than by keys joined from
 * them: this loop runs for every span stored.
 */
export function aggregateRecords(records: readonly CountedRecord[]): BatchDeltas {
  return new RecordAggregator().add(records).deltas();
}

/**
 * What RecordAggregator.emit gives the figures to, one delta at a time: a backend can apply
 * each as it comes, so a fold of thousands of rows never holds all its deltas at once (they
 * would live long enough to be promoted to the old generation; BENCHMARKS.md "Peak RSS").
 * Every presence key comes before any rollup or agent day, so the new users are counted before
 * the documents that carry them. Rollups, agent days and model days are fresh objects (a sink may
 * set fields of them); a minute delta is the aggregator's own and is read only.
 */
export interface DeltaSink {
  rollupPresence(presence: RollupPresence): void;
  agentPresence(presence: AgentPresence): void;
  minute(delta: Readonly<MinuteDelta>): void;
  rollup(delta: RollupDelta): void;
  agentDay(delta: AgentDayDelta): void;
  modelDay(delta: ModelDayDelta): void;
  session(delta: SessionDelta): void;
  service(delta: ServiceDelta): void;
}

/**
 * aggregateRecords over records that arrive in several parts: `add` each part as it comes,
 * `deltas()` gives what aggregateRecords would give for all of them in the order added, and
 * `emit(sink)` gives the same deltas one at a time. The SQLite writer keeps one for its
 * unfolded tail, so the tail's records need not be kept. Neither changes the aggregator: the
 * deltas can be asked for again (a fold that failed).
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
        service = { firstSeen: startMs, lastSeen: endMs, spanCount: 0, sessions: new Map(), endpoints: new Map(), agents: new Map() };
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
      const hourMs = periodStartMs(startMs, HOUR_MS);
      if (sessionId !== null) addSession(service, record, sessionId, startMs, endMs, hourMs);
      if (agentName !== null) addAgentDay(service, record, agentName, startMs, endMs, sessionId);
      if (record.kind !== 'request') continue;
      const { endpoint, method } = record;
      const leaf = nested<EndpointWork>(service.endpoints, [endpoint, method, agentName ?? NO_AGENT], () => ({ endpoint, method, agentName, hours: new Map() }));
      let minutes = leaf.hours.get(hourMs);
      if (minutes === undefined) leaf.hours.set(hourMs, (minutes = new Map()));
      const minuteMs = periodStartMs(startMs, MINUTE_MS);
      let delta = minutes.get(minuteMs);
      if (delta === undefined) {
        minutes.set(minuteMs, (delta = { serviceName, period: 'minute', start: new Date(minuteMs), endpoint, method, agentName, ...emptyFigures('minute') }));
      }
      countRecord(delta, 'minute', record);
    }
    return this;
  }

  /** Every delta, collected (the MongoDB writer applies them by collection). */
  deltas(): BatchDeltas {
    const deltas: BatchDeltas = { minutes: [], rollups: [], agentDays: [], modelDays: [], sessions: [], services: [], rollupPresence: [], agentPresence: [] };
    this.emit({
      rollupPresence: (presence) => deltas.rollupPresence.push(presence),
      agentPresence: (presence) => deltas.agentPresence.push(presence),
      // A copy (its histogram shared, read only): a caller may set fields of a delta.
      minute: (delta) => deltas.minutes.push({ ...delta }),
      rollup: (delta) => deltas.rollups.push(delta),
      agentDay: (delta) => deltas.agentDays.push(delta),
      modelDay: (delta) => deltas.modelDays.push(delta),
      session: (delta) => deltas.sessions.push(delta),
      service: (delta) => deltas.services.push(delta),
    });
    return deltas;
  }

  /** Gives every delta to `sink`, presence first (DeltaSink). */
  emit(sink: DeltaSink): void {
    for (const [serviceName, service] of this.services) emitPresence(serviceName, service, sink);
    for (const [serviceName, service] of this.services) {
      emitRollups(serviceName, service, sink);
      for (const days of service.agents.values()) {
        for (const day of days.values()) sink.agentDay({ ...day.delta, lastSeen: new Date(day.lastSeenMs) });
      }
      for (const session of service.sessions.values()) {
        sink.session({ ...session.delta, startTime: new Date(session.startMs), lastActivity: new Date(session.endMs) });
      }
      sink.service({ serviceName, firstSeen: new Date(service.firstSeen), lastSeen: new Date(service.lastSeen), spanCount: service.spanCount });
    }
    for (const delta of this.modelDays.values()) sink.modelDay({ ...delta });
  }
}

/** The per-service working state of a RecordAggregator. */
interface ServiceWork {
  firstSeen: number;
  lastSeen: number;
  spanCount: number;
  sessions: Map<string, { delta: SessionDelta; startMs: number; endMs: number; hours: number[] }>;
  /** endpoint -> method -> agent (NO_AGENT for none) -> the endpoint's minute deltas by hour. */
  endpoints: Map<unknown, unknown>;
  /** agent -> UTC date -> the agent day and its sessions. */
  agents: Map<string, Map<string, { delta: AgentDayDelta; lastSeenMs: number; sessions: Set<string> }>>;
}

/** One endpoint-level identity of a service: its minute deltas, by hour ms and minute ms. */
interface EndpointWork {
  endpoint: string | null;
  method: string | null;
  agentName: string | null;
  hours: Map<number, Map<number, MinuteDelta>>;
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

function forEachLeaf<T>(map: Map<unknown, unknown>, visit: (leaf: T) => void): void {
  for (const value of map.values()) {
    if (value instanceof Map) forEachLeaf(value as Map<unknown, unknown>, visit);
    else visit(value as T);
  }
}

/** The service's presence keys: each session once per hour and once per day of its requests, and per agent day. */
function emitPresence(serviceName: string, service: ServiceWork, sink: DeltaSink): void {
  for (const [sessionId, session] of service.sessions) {
    const days: number[] = [];
    for (const hourMs of session.hours) {
      sink.rollupPresence({ serviceName, period: 'hour', start: new Date(hourMs), sessionId });
      const dayMs = periodStartMs(hourMs, DAY_MS);
      if (!days.includes(dayMs)) days.push(dayMs);
    }
    for (const dayMs of days) sink.rollupPresence({ serviceName, period: 'day', start: new Date(dayMs), sessionId });
  }
  for (const [agentName, days] of service.agents) {
    for (const [date, day] of days) {
      for (const sessionId of day.sessions) sink.agentPresence({ serviceName, agentName, date, sessionId });
    }
  }
}

/**
 * The service's minute, hourly and daily deltas, endpoint by endpoint. Each request was counted
 * once, into its minute endpoint-level delta; the hours and days of an endpoint are merged from
 * its minutes, and the service-level ones from those (a batch has many more records than deltas).
 */
function emitRollups(serviceName: string, service: ServiceWork, sink: DeltaSink): void {
  const serviceLevel = new Map<string, MinuteDelta | RollupDelta>();
  const mergeIntoServiceLevel = (from: MinuteDelta | RollupDelta) => {
    const key = from.period + SEP + from.start.getTime();
    let delta = serviceLevel.get(key);
    if (delta === undefined) {
      const identity = { serviceName, start: from.start, endpoint: null, method: null, agentName: null };
      serviceLevel.set(key, (delta = from.period === 'minute'
        ? { ...identity, period: 'minute', ...emptyFigures('minute') }
        : { ...identity, period: from.period, ...emptyFigures('rollup') }));
    }
    mergeFigures(delta, from);
  };
  forEachLeaf<EndpointWork>(service.endpoints, ({ endpoint, method, agentName, hours }) => {
    const days = new Map<number, RollupDelta>();
    for (const [hourMs, minutes] of hours) {
      const hour: RollupDelta = { serviceName, period: 'hour', start: new Date(hourMs), endpoint, method, agentName, ...emptyFigures('rollup') };
      for (const minute of minutes.values()) {
        mergeFigures(hour, minute);
        mergeIntoServiceLevel(minute);
        sink.minute(minute);
      }
      const dayMs = periodStartMs(hourMs, DAY_MS);
      let day = days.get(dayMs);
      if (day === undefined) days.set(dayMs, (day = { serviceName, period: 'day', start: new Date(dayMs), endpoint, method, agentName, ...emptyFigures('rollup') }));
      mergeFigures(day, hour);
      mergeIntoServiceLevel(hour);
      sink.rollup(hour);
    }
    for (const day of days.values()) {
      mergeIntoServiceLevel(day);
      sink.rollup(day);
    }
  });
  for (const delta of serviceLevel.values()) {
    if (delta.period === 'minute') sink.minute(delta);
    else sink.rollup(delta as RollupDelta);
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
    date: dateOf(periodStartMs(startMs, DAY_MS)),
  };
  const key = modelDayKey(identity);
  let delta = modelDays.get(key);
  if (delta === undefined) modelDays.set(key, (delta = { ...identity, lastSeen: new Date(endMs), ...emptyFigures('modelDay') }));
  countRecord(delta, 'modelDay', record);
  if (endMs > delta.lastSeen.getTime()) delta.lastSeen = new Date(endMs);
}

function addAgentDay(service: ServiceWork, record: CountedRecord, agentName: string, startMs: number, endMs: number, sessionId: string | null): void {
  const date = dateOf(periodStartMs(startMs, DAY_MS));
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
