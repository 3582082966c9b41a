/**
 * The SQLite schema: tables named as the MongoDB collections, columns named as the fields of
 * collector/store/types.ts. Times are integer epoch milliseconds (UTC); agent days are
 * "YYYY-MM-DD" text; histograms are JSON text merged by the `histogram_merge` SQL function.
 *
 * SQLite treats NULLs as distinct in unique keys, so the null endpoint / method / agentName
 * of service-level rollups are stored as '' (the reader maps them back to null). A real
 * method is never '' (mapping gives an upper-case method or UNKNOWN), so service-level and
 * endpoint-level rows cannot collide.
 *
 * Idempotency key of the raw tables: (timestamp, traceId, spanId), not (traceId, spanId)
 * alone. Ids are random, so an index led by them takes every insert to a different page and
 * each commit rewrites about one page per span; led by the start time, inserts land at the
 * end of the index (bench/store.ts: 35k instead of 25k spans/s at 300,000 rows, and the gap
 * grows with the table). A redelivered span (exporter retry, replayed spool) has the same
 * start time, so it is still found. The one case given up: two different spans claiming the
 * same ids with different start times are both kept (the contract test for it is opted out
 * with this reason). The same index serves the time-range queries.
 *
 * Every statement is `IF NOT EXISTS`: creating the schema on an existing file is a no-op.
 * `PRAGMA user_version` records the schema version; a file of another version is refused
 * with a clear message rather than written with statements that do not fit it.
 */
import type { Database } from 'better-sqlite3';
import { mergeHistogram, type LatencyHistogram } from '../../mapping/latencyHistogram.js';

const SCHEMA_VERSION = 1;

const ROLLUP_COLUMNS = `
  serviceName TEXT NOT NULL,
  start INTEGER NOT NULL,
  endpoint TEXT NOT NULL,
  method TEXT NOT NULL,
  agentName TEXT NOT NULL,
  requestCount INTEGER NOT NULL,
  successCount INTEGER NOT NULL,
  errorCount INTEGER NOT NULL,
  clientErrorCount INTEGER NOT NULL,
  totalResponseTime REAL NOT NULL,
  minResponseTime REAL NOT NULL,
  maxResponseTime REAL NOT NULL,
  latencyHistogram TEXT NOT NULL,
  inputTokens INTEGER NOT NULL,
  outputTokens INTEGER NOT NULL,
  activeUsers INTEGER NOT NULL,
  PRIMARY KEY (serviceName, start, endpoint, method, agentName)`;

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
  UNIQUE (timestamp, traceId, spanId)
);
CREATE INDEX IF NOT EXISTS api_metrics_service_timestamp ON api_metrics (serviceName, timestamp);

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
  UNIQUE (timestamp, traceId, spanId)
);

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
CREATE INDEX IF NOT EXISTS user_sessions_last_activity ON user_sessions (lastActivity);
-- Covers countSessions, so counting the sessions and users of a window reads only this index.
CREATE INDEX IF NOT EXISTS user_sessions_window ON user_sessions (lastActivity, startTime, serviceName, isActive, userId, sessionId);

CREATE TABLE IF NOT EXISTS agent_metrics (
  serviceName TEXT NOT NULL,
  agentName TEXT NOT NULL,
  date TEXT NOT NULL,
  requestCount INTEGER NOT NULL,
  invocationCount INTEGER NOT NULL,
  successCount INTEGER NOT NULL,
  errorCount INTEGER NOT NULL,
  clientErrorCount INTEGER NOT NULL,
  totalResponseTime REAL NOT NULL,
  avgResponseTime REAL NOT NULL,
  minResponseTime REAL NOT NULL,
  maxResponseTime REAL NOT NULL,
  latencyHistogram TEXT NOT NULL,
  inputTokens INTEGER NOT NULL,
  outputTokens INTEGER NOT NULL,
  activeUsers INTEGER NOT NULL,
  lastSeen INTEGER NOT NULL,
  PRIMARY KEY (serviceName, agentName, date)
);
CREATE INDEX IF NOT EXISTS agent_metrics_date ON agent_metrics (date);

CREATE TABLE IF NOT EXISTS hourly_metrics (${ROLLUP_COLUMNS});
CREATE INDEX IF NOT EXISTS hourly_metrics_start ON hourly_metrics (start);
CREATE INDEX IF NOT EXISTS hourly_metrics_service_level ON hourly_metrics (start) WHERE endpoint = '' AND method = '' AND agentName = '';
CREATE TABLE IF NOT EXISTS daily_metrics (${ROLLUP_COLUMNS});
CREATE INDEX IF NOT EXISTS daily_metrics_start ON daily_metrics (start);
CREATE INDEX IF NOT EXISTS daily_metrics_service_level ON daily_metrics (start) WHERE endpoint = '' AND method = '' AND agentName = '';

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
`;

/** Pragmas, the histogram merge function and the tables. */
export function prepareDatabase(db: Database, busyTimeoutMs: number): void {
  db.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
  // WAL lets readers run beside the writer; FULL syncs the WAL on every commit, so a write
  // that resolved survives a crash or power loss (SPEC: nothing acknowledged is lost).
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  // 32 MiB page cache (default 2 MiB): rollup, session and index pages stay hot between batches.
  db.pragma('cache_size = -32768');
  db.function('histogram_merge', { deterministic: true }, (into: unknown, from: unknown) => {
    const merged = JSON.parse(String(into)) as LatencyHistogram;
    mergeHistogram(merged, JSON.parse(String(from)) as LatencyHistogram);
    return JSON.stringify(merged);
  });
  const version = Number(db.pragma('user_version', { simple: true }));
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
