/**
 * The store contract: what every backend (embedded SQLite, MongoDB) provides.
 *
 * Writer: one idempotent batch write that resolves only when the data is durable.
 * Reader: exactly the queries the status views need, over pre-aggregated documents.
 * Both backends pass the one contract suite in test/collector/store/storeContract.ts.
 *
 * Documents (collection / table names and field names are the public contract, SPEC §2):
 *   api_metrics       one per request (SERVER span), unique (traceId, spanId)
 *   agent_invocations one per non-SERVER span that names an agent, unique (traceId, spanId)
 *   user_sessions     one per (serviceName, sessionId)
 *   agent_metrics     one per (serviceName, agentName, UTC day)
 *   minute_metrics    one per (serviceName, UTC minute, endpoint, method, agentName), kept briefly
 *   hourly_metrics    one per (serviceName, UTC hour, endpoint, method, agentName)
 *   daily_metrics     one per (serviceName, UTC day, endpoint, method, agentName)
 *   alert_events, alert_silences  alert state, history and silences (alertTypes.ts)
 * In hourly/daily metrics the service-level document of a period has endpoint, method and
 * agentName all null and is the only one that carries `activeUsers` (distinct sessions);
 * the other documents split the same requests by endpoint, method and agent.
 */
import type { Component } from '../lifecycle/Component.js';
import type { AlertStore } from './alertTypes.js';
import type { FiguresOf } from './figures.js';

/** How a request ended: `error` = HTTP >= 500 or span status ERROR; `client_error` = HTTP 4xx. */
export type Outcome = 'success' | 'error' | 'client_error';

/** One SERVER span: one API request. Becomes one api_metrics document. */
export interface RequestRecord {
  kind: 'request';
  traceId: string;
  spanId: string;
  serviceName: string;
  /** Route template (`/api/agents/:agent/chat`), else the path with ids collapsed, else the span name. */
  endpoint: string;
  /** Upper-case HTTP method, or `UNKNOWN`. */
  method: string;
  statusCode: number | null;
  /** End minus start, milliseconds (fractional). */
  responseTime: number;
  /** Span start time. */
  timestamp: Date;
  sessionId: string | null;
  userId: string | null;
  agentName: string | null;
  ipAddress: string | null;
  userAgent: string | null;
  outcome: Outcome;
  inputTokens: number;
  outputTokens: number;
}

/** A non-SERVER span that carries `gen_ai.agent.name`: one agent invocation. */
export interface AgentInvocationRecord {
  kind: 'agent_invocation';
  traceId: string;
  spanId: string;
  serviceName: string;
  agentName: string;
  /** The span name, e.g. `invoke_agent support`. */
  operation: string;
  responseTime: number;
  timestamp: Date;
  sessionId: string | null;
  userId: string | null;
  /** `error` when the span status is ERROR, else `success`. */
  outcome: Outcome;
  inputTokens: number;
  outputTokens: number;
}

export type SpanRecord = RequestRecord | AgentInvocationRecord;

/** A record the store can never write (its data, not the store's state, is the problem). */
export interface RejectedRecord {
  traceId: string;
  spanId: string;
  /** Why, for the `partial_success.error_message` of the request that carried it. */
  reason: string;
}

export interface WriteResult {
  /** Records stored for the first time. */
  stored: number;
  /** Records already present (same traceId and spanId); they changed nothing. */
  duplicates: number;
  /** Records refused for good; they changed nothing, and no other record of the batch failed with them. */
  rejected: RejectedRecord[];
}

/**
 * Writes batches of records.
 *
 * `write` is idempotent by (traceId, spanId): a record already stored, in this batch or an
 * earlier one, contributes to no document a second time. Within one batch, the first of two
 * records with the same ids wins. It resolves only when the batch is durable. A record the
 * store can never write (data it refuses) is listed in `rejected` and fails nothing else;
 * every other failure (disk full, I/O error, busy, corrupt page, network, unknown) rejects
 * the whole write with a retryable PipelineError (503), having stored none of it. An empty
 * batch resolves to { stored: 0, duplicates: 0, rejected: [] } without touching the store.
 * A reader sees the figures of a write once it has resolved (read-your-writes).
 *
 * Every record also updates: user_sessions (when it has a sessionId: startTime = earliest,
 * lastActivity = latest activity, isActive = true, requestCount + 1 for requests), agent_metrics
 * (when it has an agent), minute_metrics, hourly_metrics and daily_metrics (requests only), and the service's
 * first/last-seen times.
 */
export interface StoreWriter {
  write(records: readonly SpanRecord[]): Promise<WriteResult>;
}

export type Period = 'hour' | 'day';

export interface RollupQuery {
  period: Period;
  /** Periods whose start is >= from ... */
  from: Date;
  /** ... and < to. */
  to: Date;
  /** All services when absent. */
  serviceName?: string;
  /** `service`: the service-level documents only; `endpoint`: the per endpoint/method/agent ones only. */
  level: 'service' | 'endpoint';
}

/** Which hourly_metrics / daily_metrics document: service level when endpoint, method and agentName are null. */
export interface RollupIdentity {
  serviceName: string;
  period: Period;
  /** Start of the UTC hour or day. */
  start: Date;
  endpoint: string | null;
  method: string | null;
  agentName: string | null;
}

/** One hourly_metrics or daily_metrics document: its identity and its figures (figures.ts). */
export type Rollup = RollupIdentity & FiguresOf<'rollup'>;

/** One minute_metrics document: as a Rollup, per UTC minute, without distinct users. */
export type MinuteRollup = Omit<RollupIdentity, 'period'> & { period: 'minute' } & FiguresOf<'minute'>;

/** Minutes whose start is >= from and < to, at one level, optionally of one service. */
export type MinuteQuery = Omit<RollupQuery, 'period'>;

export interface DayRangeQuery {
  /** First UTC day, "YYYY-MM-DD", inclusive. */
  fromDate: string;
  /** Last UTC day, "YYYY-MM-DD", inclusive. */
  toDate: string;
  serviceName?: string;
}

/** Which agent_metrics document. */
export interface AgentDayIdentity {
  serviceName: string;
  agentName: string;
  /** "YYYY-MM-DD" (UTC). */
  date: string;
}

/**
 * One agent_metrics document: its figures count requests attributed to the agent plus agent
 * invocations (`invocationCount` of them), `activeUsers` the distinct sessions of the day.
 */
export type AgentDay = AgentDayIdentity & FiguresOf<'agentDay'> & {
  /** totalResponseTime / requestCount. */
  avgResponseTime: number;
  /** Latest span end time seen for the agent that day. */
  lastSeen: Date;
};

export interface SessionQuery {
  /** Sessions with lastActivity >= from ... */
  from: Date;
  /** ... and startTime < to. */
  to: Date;
  serviceName?: string;
  /** Only sessions still marked active. */
  activeOnly?: boolean;
}

export interface SessionCounts {
  sessions: number;
  /** Distinct users: userId when known, else the session counts as its own user. */
  users: number;
}

/** One user_sessions document. */
export interface UserSession {
  serviceName: string;
  sessionId: string;
  userId: string | null;
  ipAddress: string | null;
  userAgent: string | null;
  startTime: Date;
  lastActivity: Date;
  isActive: boolean;
  requestCount: number;
}

export interface ServiceSummary {
  serviceName: string;
  firstSeen: Date;
  /** Latest span end time received for the service. */
  lastSeen: Date;
  /** Spans stored for the service (requests and agent invocations). */
  spanCount: number;
}

export interface RequestQuery {
  from: Date;
  to: Date;
  serviceName?: string;
  /** Only requests with outcome `error`. */
  errorsOnly?: boolean;
  /** Newest first, at most this many. */
  limit: number;
}

/** One api_metrics document. */
export type ApiMetric = Omit<RequestRecord, 'kind'>;

/**
 * The read side. Every query returns an empty array / zero counts when nothing matches,
 * never an error; it rejects only when the store is unreachable.
 */
export interface StoreReader {
  /** Round-trip time of a trivial command, milliseconds. Rejects when unreachable. */
  ping(): Promise<number>;
  findRollups(query: RollupQuery): Promise<Rollup[]>;
  /** Sorted by start. */
  findMinuteRollups(query: MinuteQuery): Promise<MinuteRollup[]>;
  findAgentDays(query: DayRangeQuery): Promise<AgentDay[]>;
  countSessions(query: SessionQuery): Promise<SessionCounts>;
  /** Sorted by serviceName. */
  listServices(): Promise<ServiceSummary[]>;
  findRequests(query: RequestQuery): Promise<ApiMetric[]>;
  /** The session, or null when unknown. */
  findSession(serviceName: string, sessionId: string): Promise<UserSession | null>;
  /**
   * The services, endpoints (from endpoint-level daily rollups) and agents (from agent days)
   * seen since `since`, at most `limit` of each kind: what the cardinality limits start from.
   */
  knownDimensions(since: Date, limit: number): Promise<KnownDimensions>;
}

export interface KnownDimensions {
  services: string[];
  endpoints: Array<{ serviceName: string; method: string; endpoint: string }>;
  agents: Array<{ serviceName: string; agentName: string }>;
}

/** Retention periods, milliseconds. */
export interface Retention {
  apiMetricsMs: number;
  minuteMetricsMs: number;
  hourlyMetricsMs: number;
  dailyMetricsMs: number;
  agentMetricsMs: number;
  /** Sessions with no activity for this long are deleted (inactive ones are kept until then). */
  sessionsMs: number;
}

/** Background maintenance, called by collector/jobs on a schedule. */
export interface StoreMaintenance {
  /** Sets isActive = false on sessions whose lastActivity < now - inactivityMs; returns how many. */
  markInactiveSessions(now: Date, inactivityMs: number): Promise<number>;
  /**
   * Deletes documents older than their retention period (MongoDB also has TTL indexes); alert
   * events are kept as long as hourly rollups, except each rule and group's latest (its state).
   */
  deleteExpired(now: Date, retention: Retention): Promise<void>;
}

/**
 * A store backend (with its alert part, alertTypes.ts), a lifecycle Component: `start()` opens the connection / file and creates
 * tables and indexes (safe on a store that already has them); `shutdown()` is idempotent,
 * safe before start, waits for writes in flight and closes.
 */
export interface Store extends StoreWriter, StoreReader, StoreMaintenance, AlertStore, Component {
  readonly backend: 'sqlite' | 'mongodb';
}
