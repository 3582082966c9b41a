/**
 * The SQLite schema: tables named as the MongoDB collections, columns named as the fields of
 * collector/store/types.ts, figure columns derived from collector/store/figures.ts. Times are
 * integer epoch milliseconds (UTC); agent days are "YYYY-MM-DD" text; histograms are JSON text
 * merged by the `histogram_merge` SQL function.
 *
 * SQLite treats NULLs as distinct in unique keys, so the null endpoint / method / agentName
 * of service-level rollups are stored as '' (the reader maps them back to null). A real
 * method is never '' (mapping gives an upper-case method or UNKNOWN), so service-level and
 * endpoint-level rows cannot collide.
 *
 * Raw rows (api_metrics, agent_invocations) are appended in arrival order and carry no index
 * of their own: an index keyed by random ids, or by start times that interleave across app
 * instances, puts every insert on another page, and a commit rewrites about one page per span
 * (bench/ingest.ts, README "Storage"). Their idempotency key lives in `span_ids`, (start time,
 * 53-bit hash of traceId + spanId), filled by the fold (SqliteFolder.ts) in sorted runs, with
 * a reference to the raw row so the same index serves the time-range queries and retention.
 * `fold_state` records up to which raw row the counters and span_ids are complete.
 * Version 3 added model_calls, model_metrics and genai_pending (created as on a new file) and
 * the conversationId column of the raw tables, version 4 the provider and model of
 * alert_events (migrateSchema.ts).
 *
 * Every statement is `IF NOT EXISTS`: creating the schema on an existing file is a no-op.
 * `PRAGMA user_version` records the schema version; a file of an earlier version is upgraded
 * in place (migrateSchema.ts), one of an unknown version is refused with a clear message rather
 * than written with statements that do not fit it.
 */
import type { Database } from 'better-sqlite3';
import { mergeHistogram, type LatencyHistogram } from '../../mapping/latencyHistogram.js';
import { figureColumnDefinitions } from './figureColumns.js';
import { ALERT_SCHEMA } from './SqliteAlerts.js';
import { migrateSchema } from './migrateSchema.js';

export const SCHEMA_VERSION = 4;

/** `tableId` of a span_ids row: which raw table its rowRef points into. */
export const RAW_TABLES = ['api_metrics', 'agent_invocations', 'model_calls'] as const;
export type RawTable = (typeof RAW_TABLES)[number];

const rollupTable = (name: string, document: 'rollup' | 'minute' = 'rollup') => `
CREATE TABLE IF NOT EXISTS ${name} (
  serviceName TEXT NOT NULL,
  start INTEGER NOT NULL,
  endpoint TEXT NOT NULL,
  method TEXT NOT NULL,
  agentName TEXT NOT NULL,
  ${figureColumnDefinitions(document)},
  PRIMARY KEY (serviceName, start, endpoint, method, agentName)
);
CREATE INDEX IF NOT EXISTS ${name}_start ON ${name} (start);
CREATE INDEX IF NOT EXISTS ${name}_service_level ON ${name} (start) WHERE endpoint = '' AND method = '' AND agentName = '';`;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS api_metrics (
  traceId TEXT NOT NULL,
  spanId TEXT NOT NULL,
  serviceName TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  method TEXT NOT NULL,
  statusCode INTEGER,
  responseTime REAL NOT NULL,
  timestamp INTEGER NOT NULL,
  sessionId TEXT,
  userId TEXT,
  agentName TEXT,
  ipAddress TEXT,
  userAgent TEXT,
  outcome TEXT NOT NULL,
  inputTokens INTEGER NOT NULL,
  outputTokens INTEGER NOT NULL,
  conversationId TEXT
);

CREATE TABLE IF NOT EXISTS agent_invocations (
  traceId TEXT NOT NULL,
  spanId TEXT NOT NULL,
  serviceName TEXT NOT NULL,
  agentName TEXT NOT NULL,
  operation TEXT NOT NULL,
  responseTime REAL NOT NULL,
  timestamp INTEGER NOT NULL,
  sessionId TEXT,
  userId TEXT,
  outcome TEXT NOT NULL,
  inputTokens INTEGER NOT NULL,
  outputTokens INTEGER NOT NULL,
  conversationId TEXT
);

CREATE TABLE IF NOT EXISTS model_calls (
  traceId TEXT NOT NULL,
  spanId TEXT NOT NULL,
  parentSpanId TEXT NOT NULL,
  serviceName TEXT NOT NULL,
  agentName TEXT NOT NULL,
  operation TEXT NOT NULL,
  provider TEXT,
  model TEXT,
  responseTime REAL NOT NULL,
  timestamp INTEGER NOT NULL,
  sessionId TEXT,
  userId TEXT,
  conversationId TEXT,
  outcome TEXT NOT NULL,
  errorType TEXT,
  inputTokens INTEGER NOT NULL,
  outputTokens INTEGER NOT NULL,
  cacheReadTokens INTEGER NOT NULL,
  cacheWriteTokens INTEGER NOT NULL,
  reasoningTokens INTEGER NOT NULL,
  costNanos INTEGER
);

-- Model calls waiting for their agent (collector/genai/): the record as JSON, found by the span
-- it waits at. Small (calls leave it when their agent arrives or the attribution timeout ends),
-- so its random keys cost little.
CREATE TABLE IF NOT EXISTS genai_pending (
  traceId TEXT NOT NULL,
  spanId TEXT NOT NULL,
  lookupSpanId TEXT NOT NULL,
  receivedAt INTEGER NOT NULL,
  record TEXT NOT NULL,
  PRIMARY KEY (traceId, spanId)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS genai_pending_lookup ON genai_pending (traceId, lookupSpanId);
CREATE INDEX IF NOT EXISTS genai_pending_received ON genai_pending (receivedAt);

-- Idempotency key and time index of the folded raw rows (tableId: 0 api_metrics, 1 agent_invocations, 2 model_calls).
CREATE TABLE IF NOT EXISTS span_ids (
  timestamp INTEGER NOT NULL,
  idHash INTEGER NOT NULL,
  tableId INTEGER NOT NULL,
  rowRef INTEGER NOT NULL,
  PRIMARY KEY (timestamp, idHash)
) WITHOUT ROWID;

-- The last raw row of each table whose figures and span_ids are written.
CREATE TABLE IF NOT EXISTS fold_state (
  rawTable TEXT PRIMARY KEY,
  foldedRowid INTEGER NOT NULL
) WITHOUT ROWID;
INSERT OR IGNORE INTO fold_state (rawTable, foldedRowid) VALUES ('api_metrics', 0), ('agent_invocations', 0), ('model_calls', 0);

CREATE TABLE IF NOT EXISTS user_sessions (
  serviceName TEXT NOT NULL,
  sessionId TEXT NOT NULL,
  userId TEXT,
  ipAddress TEXT,
  userAgent TEXT,
  startTime INTEGER NOT NULL,
  lastActivity INTEGER NOT NULL,
  isActive INTEGER NOT NULL,
  requestCount INTEGER NOT NULL,
  PRIMARY KEY (serviceName, sessionId)
);
-- Covers countSessions (so counting a window's sessions and users reads only this index), and
-- serves marking idle sessions inactive and retention, all led by lastActivity.
CREATE INDEX IF NOT EXISTS user_sessions_window ON user_sessions (lastActivity, startTime, serviceName, isActive, userId, sessionId);

CREATE TABLE IF NOT EXISTS agent_metrics (
  serviceName TEXT NOT NULL,
  agentName TEXT NOT NULL,
  date TEXT NOT NULL,
  ${figureColumnDefinitions('agentDay')},
  avgResponseTime REAL NOT NULL,
  lastSeen INTEGER NOT NULL,
  PRIMARY KEY (serviceName, agentName, date)
);
CREATE INDEX IF NOT EXISTS agent_metrics_date ON agent_metrics (date);

-- provider and model are '' for null (as the null dimensions of rollups).
CREATE TABLE IF NOT EXISTS model_metrics (
  serviceName TEXT NOT NULL,
  agentName TEXT NOT NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  date TEXT NOT NULL,
  ${figureColumnDefinitions('modelDay')},
  lastSeen INTEGER NOT NULL,
  PRIMARY KEY (serviceName, agentName, provider, model, date)
);
CREATE INDEX IF NOT EXISTS model_metrics_date ON model_metrics (date);
${rollupTable('minute_metrics', 'minute')}
${rollupTable('hourly_metrics')}
${rollupTable('daily_metrics')}

-- Which sessions were already counted in activeUsers: one row per session per period.
CREATE TABLE IF NOT EXISTS rollup_presence (
  period TEXT NOT NULL,
  start INTEGER NOT NULL,
  serviceName TEXT NOT NULL,
  sessionId TEXT NOT NULL,
  PRIMARY KEY (period, start, serviceName, sessionId)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS agent_presence (
  date TEXT NOT NULL,
  serviceName TEXT NOT NULL,
  agentName TEXT NOT NULL,
  sessionId TEXT NOT NULL,
  PRIMARY KEY (date, serviceName, agentName, sessionId)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS services (
  serviceName TEXT PRIMARY KEY,
  firstSeen INTEGER NOT NULL,
  lastSeen INTEGER NOT NULL,
  spanCount INTEGER NOT NULL
);
${ALERT_SCHEMA}
`;

/**
 * How much a commit waits for the disk (`exporters.sqlite.synchronous`, README "Storage"):
 * `full` syncs the WAL on every commit, so an acknowledged write survives a power loss;
 * `normal` syncs only at checkpoints, so a power loss (not a process crash) can lose the
 * last commits before the previous checkpoint.
 */
export type Synchronous = 'full' | 'normal';

export interface ConnectionOptions {
  busyTimeoutMs: number;
  synchronous: Synchronous;
}

/**
 * Page cache per connection, KiB. Pages the cache misses come from the OS's page cache, which
 * holds the file anyway: on the realistic workload of bench/ingest.ts a 4 MiB writer cache
 * stored as many spans per second as 32 MiB, with 25-30 MB less peak RSS (BENCHMARKS.md
 * "Peak RSS"). The reader's queries touch few pages each.
 */
const CACHE_KIB = { writer: 4 * 1024, reader: 8 * 1024 } as const;

/** Pragmas and the histogram merge function, for every connection to the file. */
export function prepareConnection(db: Database, options: ConnectionOptions, role: keyof typeof CACHE_KIB): void {
  db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs)}`);
  // WAL lets the readers (the API's connection) run beside the writer.
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma(`cache_size = -${CACHE_KIB[role]}`);
  db.function('histogram_merge', { deterministic: true }, (into: unknown, from: unknown) => {
    const merged = JSON.parse(String(into)) as LatencyHistogram;
    mergeHistogram(merged, JSON.parse(String(from)) as LatencyHistogram);
    return JSON.stringify(merged);
  });
}

/** Creates the tables (the writer's connection, before any other opens the file). */
export function createSchema(db: Database): void {
  let version = Number(db.pragma('user_version', { simple: true }));
  if (version !== SCHEMA_VERSION && version !== 0 && migrateSchema(db, version)) version = SCHEMA_VERSION;
  const used = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'api_metrics'").get() !== undefined;
  if (version !== SCHEMA_VERSION && (version !== 0 || used)) {
    throw new Error(`the file has spanpulse schema version ${version}, this version needs ${SCHEMA_VERSION}; ` +
      'move the file away (or point exporters.sqlite.path elsewhere) to start a new one');
  }
  db.transaction(() => {
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
