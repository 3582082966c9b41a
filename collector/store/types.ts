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
 *   model_calls       one per model call (a GenAI inference span), unique (traceId, spanId)
 *   model_metrics     one per (serviceName, agentName, provider, model, UTC day)
 *   genai_pending     model calls waiting for their agent (collector/genai/ModelCallResolver.ts)
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
  /** gen_ai.conversation.id (a conversation with an agent; not the web session). */
  conversationId: string | null;
  /** '' for a root; not stored (it serves model-call attribution within a write). */
  parentSpanId?: string;
}

/** A non-SERVER span that carries `gen_ai.agent.name`: one agent invocation. */
export interface AgentInvocationRecord {
  kind: 'agent_invocation';
  traceId: string;
  spanId: string;
  serviceName: string;
  agentName: string;
  /** '' for a root; not stored (it serves model-call attribution within a write). */
  parentSpanId?: string;
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
  /** gen_ai.conversation.id. */
  conversationId: string | null;
}

/** The agent of model calls whose agent could not be found within the attribution timeout. */
export const UNATTRIBUTED = '(unattributed)';

/**
 * One model call (a non-SERVER span whose gen_ai.operation.name is an inference: chat,
 * text_completion, generate_content, embeddings, ...), credited to the agent of its nearest
 * agent ancestor. Becomes one model_calls document and counts in model_metrics.
 */
export interface ModelCallRecord {
  kind: 'model_call';
  traceId: string;
  spanId: string;
  /** '' for a root. */
  parentSpanId: string;
  serviceName: string;
  /** The agent credited: the nearest agent ancestor's, or UNATTRIBUTED. */
  agentName: string;
  /** gen_ai.operation.name. */
  operation: string;
  /** gen_ai.provider.name (older gen_ai.system); null when not sent. */
  provider: string | null;
  /** gen_ai.response.model, else gen_ai.request.model; null when neither was sent. */
  model: string | null;
  responseTime: number;
  timestamp: Date;
  sessionId: string | null;
  userId: string | null;
  conversationId: string | null;
  /** `error` when the span status is ERROR or error.type is set. */
  outcome: Outcome;
  /** error.type of a failed call (`_OTHER` when it failed without one); null for a success. */
  errorType: string | null;
  /** Input tokens, cached ones included (GenAI conventions). */
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** Part of outputTokens. */
  reasoningTokens: number;
  /** Cost in billionths of the price table's currency at the call's time; null when its model has no price. */
  costNanos: number | null;
}

/**
 * A model call whose agent was not in its request: kept in genai_pending (counted nowhere)
 * until a later write brings its agent, or the resolver gives up and counts it UNATTRIBUTED.
 */
export interface PendingModelCallRecord extends Omit<ModelCallRecord, 'kind' | 'agentName'> {
  kind: 'pending_model_call';
  agentName: null;
  /** The nearest ancestor not in the call's request: where the search for its agent goes on. */
  lookupSpanId: string;
  /** When the collector received the call (the attribution timeout runs from here). */
  receivedAt: Date;
}

/**
 * A GenAI span that is neither a model call nor an agent (execute_tool, ...): stored nowhere,
 * it only leads a pending model call below it on towards its agent when the two arrive in
 * different requests.
 */
export interface GenAiLinkRecord {
  kind: 'genai_link';
  traceId: string;
  spanId: string;
  serviceName: string;
  /** The agent the span belongs to, when its request showed it; else null and the search goes on at parentSpanId. */
  agentName: string | null;
  /** '' for a root. */
  parentSpanId: string;
  timestamp: Date;
  receivedAt: Date;
}

export type SpanRecord = RequestRecord | AgentInvocationRecord | ModelCallRecord | PendingModelCallRecord | GenAiLinkRecord;

/** The records that count in the figures (the others are bookkeeping of model-call attribution). */
export type CountedRecord = RequestRecord | AgentInvocationRecord | ModelCallRecord;

/** A span by its ids. */
export interface SpanRef {
  traceId: string;
  spanId: string;
}

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
 * Every request and agent invocation also updates: user_sessions (when it has a sessionId:
 * startTime = earliest, lastActivity = latest activity, isActive = true, requestCount + 1 for
 * requests), agent_metrics (when it has an agent), minute_metrics, hourly_metrics and
 * daily_metrics (requests only), and the service's first/last-seen times. A model call updates
 * model_metrics and the service. A pending model call is kept in genai_pending (once per
 * (traceId, spanId), and not when its model call is already stored), counted nowhere.
 *
 * Every request, agent invocation, genai link and model call of a batch (new or repeated) is
 * also an ancestor that may settle pending calls, those of earlier writes and of this one: a
 * pending call whose lookupSpanId is such a span moves up through the batch's spans
 * (collector/genai/ancestry.ts) and is then stored as a model call of the agent found, or of
 * UNATTRIBUTED when the trace's root was reached, or waits on at the first span above that
 * the batch does not hold.
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

/** Which model_metrics document. */
export interface ModelDayIdentity {
  serviceName: string;
  /** The agent credited (UNATTRIBUTED when none was found). */
  agentName: string;
  provider: string | null;
  model: string | null;
  /** "YYYY-MM-DD" (UTC). */
  date: string;
}

/** One model_metrics document. */
export type ModelDay = ModelDayIdentity & FiguresOf<'modelDay'> & {
  /** Latest call end time seen that day. */
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

/** A user_sessions document by its key. */
export interface SessionRef {
  serviceName: string;
  sessionId: string;
}

/** Where a page of sessions ends: the next page starts after this session in the order of listSessions. */
export type SessionPosition = SessionRef & { lastActivity: Date };

export interface SessionListQuery {
  /** Sessions with lastActivity >= from ... */
  from: Date;
  /** ... and startTime < to (as SessionQuery). */
  to: Date;
  serviceName?: string;
  /** Latest lastActivity first, then by serviceName and sessionId; at most this many. */
  limit: number;
  /** Only the sessions after this one in that order. */
  after?: SessionPosition;
}

export interface SessionSpansQuery {
  /** The requests (api_metrics) carrying one of these sessions' serviceName and sessionId ... */
  sessions: readonly SessionRef[];
  /** ... with timestamp >= from ... */
  from: Date;
  /** ... and <= to, oldest first (ties in an order of the backend's choosing), at most `limit` of them. */
  to: Date;
  limit: number;
}

/** Model calls with timestamp >= from and < to, optionally of one service. */
export interface ModelCallQuery {
  from: Date;
  to: Date;
  serviceName?: string;
}

/** The model calls of a ModelCallQuery summed per service, agent credited, provider and model. */
export type ModelCallSums = Omit<ModelDayIdentity, 'date'>
  & Pick<FiguresOf<'modelDay'>, 'callCount' | 'inputTokens' | 'outputTokens' | 'costNanos' | 'pricedCallCount'>;

/** One agent_invocations document. */
export type AgentInvocation = Omit<AgentInvocationRecord, 'kind' | 'parentSpanId'>;

/** One model_calls document. */
export type ModelCall = Omit<ModelCallRecord, 'kind'>;

/**
 * The raw documents of sessions still retained: their requests, and the agent invocations
 * and model calls in those requests' traces that started between the first request's start
 * and the last one's end (a span outside that time is not looked for).
 */
export interface SessionSpans {
  requests: ApiMetric[];
  invocations: AgentInvocation[];
  modelCalls: ModelCall[];
  /** More requests matched than `limit`. */
  more: boolean;
}

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
  /** Sorted by date, serviceName, agentName, provider, model. */
  findModelDays(query: DayRangeQuery): Promise<ModelDay[]>;
  countSessions(query: SessionQuery): Promise<SessionCounts>;
  /** Sorted by serviceName. */
  listServices(): Promise<ServiceSummary[]>;
  findRequests(query: RequestQuery): Promise<ApiMetric[]>;
  /** The session, or null when unknown. */
  findSession(serviceName: string, sessionId: string): Promise<UserSession | null>;
  /** From the raw model_calls (what alert rules on cost and tokens read), in no particular order. */
  sumModelCalls(query: ModelCallQuery): Promise<ModelCallSums[]>;
  /** user_sessions documents of a window, in pages (SessionListQuery); empty when none match. */
  listSessions(query: SessionListQuery): Promise<UserSession[]>;
  /**
   * Sessions' retained raw documents (SessionSpans), in one read however many sessions (on
   * FerretDB every query scans its collection); empty arrays for unknown sessions.
   */
  findSessionSpans(query: SessionSpansQuery): Promise<SessionSpans>;
  /**
   * The services, endpoints (from endpoint-level daily rollups) and agents (from agent days)
   * seen since `since`, at most `limit` of each kind: what the cardinality limits start from.
   */
  knownDimensions(since: Date, limit: number): Promise<KnownDimensions>;
}

/**
 * Model calls waiting for their agent (collector/genai/ModelCallResolver.ts). A write settles
 * the pending calls whose ancestors it brings itself (StoreWriter); what is left is settled
 * by the resolver after the attribution timeout. Reads see every write that resolved before.
 */
export interface AttributionStore {
  /** Pending model calls received before `receivedBefore`, oldest first, at most `limit`. */
  pendingModelCalls(receivedBefore: Date, limit: number): Promise<PendingModelCallRecord[]>;
  countPendingModelCalls(): Promise<number>;
  /** Removes pending model calls (once their counted records are written); unknown ones are no error. */
  deletePendingModelCalls(spans: readonly SpanRef[]): Promise<void>;
}

export interface KnownDimensions {
  services: string[];
  endpoints: Array<{ serviceName: string; method: string; endpoint: string }>;
  agents: Array<{ serviceName: string; agentName: string }>;
  /** From model_metrics. */
  models: Array<{ serviceName: string; provider: string | null; model: string | null }>;
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

/** Archive before delete (`extensions.retention.archive`, collector/store/archive/). */
export interface ArchiveOptions {
  /** The archive folder; `${SPANPULSE_DATA_DIR}/archive` in the shipped config. */
  dir: string;
  /** Most lines per archive file. Default 5000. */
  batchSize?: number;
  /** Aborted: the pass stops after the batch in hand (the retention job is stopping). */
  signal?: AbortSignal;
}

/** Background maintenance, called by collector/jobs on a schedule. */
export interface StoreMaintenance {
  /** Sets isActive = false on sessions whose lastActivity < now - inactivityMs; returns how many. */
  markInactiveSessions(now: Date, inactivityMs: number): Promise<number>;
  /**
   * Deletes documents older than their retention period (MongoDB also has TTL indexes, except
   * with archive on); alert events are kept as long as hourly rollups, except each rule and
   * group's latest (its state). With `archive`, the documents of the archived collections are
   * first written to archive files and deleted only once those are durable (archiveExpired.ts).
   */
  deleteExpired(now: Date, retention: Retention, archive?: ArchiveOptions): Promise<void>;
}

/**
 * A store backend (with its alert part, alertTypes.ts), a lifecycle Component: `start()` opens the connection / file and creates
 * tables and indexes (safe on a store that already has them); `shutdown()` is idempotent,
 * safe before start, waits for writes in flight and closes.
 */
export interface Store extends StoreWriter, StoreReader, StoreMaintenance, AlertStore, AttributionStore, Component {
  readonly backend: 'sqlite' | 'mongodb';
}
