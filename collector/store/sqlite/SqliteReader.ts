/**
 * The read side of the SQLite store: the StoreReader queries over the tables of schema.ts,
 * mapping stored representations back to the contract's (epoch ms -> Date, '' -> null,
 * 0/1 -> boolean, JSON text -> histogram). Statements are prepared once per distinct SQL.
 */
import type { Database, Statement } from 'better-sqlite3';
import { nullableString, pendingModelCallOf } from '../storedValues.js';
import { dayKey, periodStart } from '../../time/utcTime.js';
import type {
  AgentDay, ApiMetric, DayRangeQuery, KnownDimensions, MinuteQuery, MinuteRollup, ModelDay, PendingModelCallRecord, RequestQuery, Rollup,
  RollupQuery, ServiceSummary, SessionCounts, SessionListQuery, SessionQuery, SessionSpans, SessionSpansQuery, UserSession,
  AgentInvocation, ModelCall, ModelCallQuery, ModelCallSums,
} from '../types.js';
import { figuresOfRow } from './figureColumns.js';
import { recordOfRow, requestOfRow } from './rawRows.js';
import { RAW_TABLES, type RawTable } from './schema.js';
import { traceWindowOf } from '../sessionSpans.js';

type Row = Record<string, unknown>;

export class SqliteReader {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  ping(): void {
    this.db.prepare('SELECT 1').get();
  }

  // Object.assign, not `{ ...identity, period, ...figures }` (here and in rollupOfRow): V8 takes a slow path for that spread, 10x
  // slower per row (80 ms for the 5 000 minute rows an alert evaluation reads; bench/alerts.ts).
  findRollups(query: RollupQuery): Rollup[] {
    return this.rollupRows(query.period === 'hour' ? 'hourly_metrics' : 'daily_metrics', query).map((row) => rollupOfRow(query.period, row));
  }

  findMinuteRollups(query: MinuteQuery): MinuteRollup[] {
    return this.rollupRows('minute_metrics', query).map((row) => Object.assign(identityOf(row), { period: 'minute' as const }, figuresOfRow('minute', row)));
  }

  findAgentDays(query: DayRangeQuery): AgentDay[] {
    const service = query.serviceName === undefined ? '' : ' AND serviceName = ?';
    const rows = this.all(`SELECT * FROM agent_metrics WHERE date >= ? AND date <= ?${service}
      ORDER BY date, serviceName, agentName`, [query.fromDate, query.toDate, ...optional(query.serviceName)]);
    return rows.map(agentDayOfRow);
  }

  findModelDays(query: DayRangeQuery): ModelDay[] {
    const service = query.serviceName === undefined ? '' : ' AND serviceName = ?';
    const rows = this.all(`SELECT * FROM model_metrics WHERE date >= ? AND date <= ?${service}
      ORDER BY date, serviceName, agentName, provider, model`, [query.fromDate, query.toDate, ...optional(query.serviceName)]);
    return rows.map(modelDayOfRow);
  }

  pendingModelCalls(receivedBefore: Date, limit: number): PendingModelCallRecord[] {
    const rows = this.all(`SELECT record, lookupSpanId FROM genai_pending WHERE receivedAt < ?
      ORDER BY receivedAt, traceId, spanId LIMIT ?`, [receivedBefore.getTime(), Math.max(0, Math.trunc(limit))]);
    return rows.map((row) => ({
      ...pendingModelCallOf(JSON.parse(String(row.record)) as Row, (stored) => new Date(Number(stored))),
      lookupSpanId: String(row.lookupSpanId),
    }));
  }

  countPendingModelCalls(): number {
    return Number(this.all('SELECT count(*) AS n FROM genai_pending', [])[0]?.n ?? 0);
  }

  countSessions(query: SessionQuery): SessionCounts {
    const where = ['lastActivity >= ? AND startTime < ?'];
    if (query.serviceName !== undefined) where.push('serviceName = ?');
    if (query.activeOnly === true) where.push('isActive = 1');
    // A known user is one user across sessions and services; an anonymous session is its own user.
    const row = this.all(`SELECT count(*) AS sessions, count(DISTINCT CASE WHEN userId IS NOT NULL
        THEN 'u' || userId ELSE 's' || serviceName || char(31) || sessionId END) AS users
      FROM user_sessions WHERE ${where.join(' AND ')}`,
    [query.from.getTime(), query.to.getTime(), ...optional(query.serviceName)])[0];
    return { sessions: Number(row?.sessions ?? 0), users: Number(row?.users ?? 0) };
  }

  listServices(): ServiceSummary[] {
    return this.all('SELECT * FROM services ORDER BY serviceName', []).map((row) => ({
      serviceName: String(row.serviceName),
      firstSeen: new Date(Number(row.firstSeen)),
      lastSeen: new Date(Number(row.lastSeen)),
      spanCount: Number(row.spanCount),
    }));
  }

  findRequests(query: RequestQuery): ApiMetric[] {
    // Through span_ids, the raw rows' time index (schema.ts); the store folds before it reads.
    const where = ['s.tableId = 0 AND s.timestamp >= ? AND s.timestamp < ?'];
    if (query.serviceName !== undefined) where.push('a.serviceName = ?');
    if (query.errorsOnly === true) where.push("a.outcome = 'error'");
    const rows = this.all(`SELECT a.* FROM span_ids s CROSS JOIN api_metrics a ON a.rowid = s.rowRef
      WHERE ${where.join(' AND ')} ORDER BY s.timestamp DESC, s.idHash DESC LIMIT ?`,
    [query.from.getTime(), query.to.getTime(), ...optional(query.serviceName), Math.max(0, Math.trunc(query.limit))]);
    return rows.map((row) => {
      const { kind: _kind, ...metric } = requestOfRow(row);
      return metric;
    });
  }

  findSession(serviceName: string, sessionId: string): UserSession | null {
    const row = this.all('SELECT * FROM user_sessions WHERE serviceName = ? AND sessionId = ?', [serviceName, sessionId])[0];
    return row === undefined ? null : sessionOfRow(row);
  }

  sumModelCalls(query: ModelCallQuery): ModelCallSums[] {
    const service = query.serviceName === undefined ? '' : ' AND m.serviceName = ?';
    return this.all(`SELECT m.serviceName, m.agentName, m.provider, m.model, count(*) AS callCount, sum(m.inputTokens) AS inputTokens,
        sum(m.outputTokens) AS outputTokens, coalesce(sum(m.costNanos), 0) AS costNanos, count(m.costNanos) AS pricedCallCount
      FROM span_ids s CROSS JOIN model_calls m ON m.rowid = s.rowRef
      WHERE s.tableId = ? AND s.timestamp >= ? AND s.timestamp < ?${service}
      GROUP BY m.serviceName, m.agentName, m.provider, m.model`,
    [RAW_TABLES.indexOf('model_calls'), query.from.getTime(), query.to.getTime(), ...optional(query.serviceName)]).map((row) => ({
      serviceName: String(row.serviceName),
      agentName: String(row.agentName),
      provider: nullableString(row.provider),
      model: nullableString(row.model),
      callCount: Number(row.callCount),
      inputTokens: Number(row.inputTokens),
      outputTokens: Number(row.outputTokens),
      costNanos: Number(row.costNanos),
      pricedCallCount: Number(row.pricedCallCount),
    }));
  }

  listSessions(query: SessionListQuery): UserSession[] {
    const where = ['lastActivity >= ? AND startTime < ?'];
    const params: unknown[] = [query.from.getTime(), query.to.getTime()];
    if (query.serviceName !== undefined) {
      where.push('serviceName = ?');
      params.push(query.serviceName);
    }
    if (query.after !== undefined) {
      const { lastActivity, serviceName, sessionId } = query.after;
      where.push('(lastActivity < ? OR (lastActivity = ? AND (serviceName > ? OR (serviceName = ? AND sessionId > ?))))');
      params.push(lastActivity.getTime(), lastActivity.getTime(), serviceName, serviceName, sessionId);
    }
    return this.all(`SELECT * FROM user_sessions WHERE ${where.join(' AND ')}
      ORDER BY lastActivity DESC, serviceName, sessionId LIMIT ?`, [...params, Math.max(0, Math.trunc(query.limit))]).map(sessionOfRow);
  }

  findSessionSpans(query: SessionSpansQuery): SessionSpans {
    // Through span_ids, the raw rows' time index: the raw tables have no index of their own (schema.ts).
    const limit = Math.max(0, Math.trunc(query.limit));
    const rows = this.all(`SELECT a.* FROM span_ids s CROSS JOIN api_metrics a ON a.rowid = s.rowRef
      WHERE s.tableId = 0 AND s.timestamp >= ? AND s.timestamp <= ?
        AND (a.serviceName, a.sessionId) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?))
      ORDER BY s.timestamp, s.idHash LIMIT ?`,
    [query.from.getTime(), query.to.getTime(), JSON.stringify(query.sessions.map((r) => [r.serviceName, r.sessionId])), limit + 1]);
    const requests = rows.slice(0, limit).map((row) => {
      const { kind: _kind, ...metric } = requestOfRow(row);
      return metric;
    });
    const more = rows.length > limit;
    if (requests.length === 0) return { requests, invocations: [], modelCalls: [], more };
    const window = traceWindowOf(requests);
    const inTraces = (table: RawTable) => this.all(`SELECT r.* FROM span_ids s CROSS JOIN ${table} r ON r.rowid = s.rowRef
      WHERE s.tableId = ? AND s.timestamp >= ? AND s.timestamp <= ? AND r.traceId IN (SELECT value FROM json_each(?))
      ORDER BY s.timestamp, s.idHash`, [RAW_TABLES.indexOf(table), window.from.getTime(), window.to.getTime(), JSON.stringify(window.traceIds)])
      .map((row) => {
        const { kind: _kind, ...fields } = recordOfRow(table, row);
        return fields;
      });
    return {
      requests,
      invocations: inTraces('agent_invocations') as AgentInvocation[],
      modelCalls: inTraces('model_calls') as ModelCall[],
      more,
    };
  }

  knownDimensions(since: Date, limit: number): KnownDimensions {
    const day = dayKey(since);
    return {
      services: this.all('SELECT serviceName FROM services ORDER BY serviceName LIMIT ?', [limit]).map((row) => String(row.serviceName)),
      endpoints: this.all(`SELECT DISTINCT serviceName, method, endpoint FROM daily_metrics WHERE start >= ? AND endpoint != ''
        ORDER BY serviceName, method, endpoint LIMIT ?`, [periodStart('day', since).getTime(), limit])
        .map((row) => ({ serviceName: String(row.serviceName), method: String(row.method), endpoint: String(row.endpoint) })),
      agents: this.all('SELECT DISTINCT serviceName, agentName FROM agent_metrics WHERE date >= ? ORDER BY serviceName, agentName LIMIT ?', [day, limit])
        .map((row) => ({ serviceName: String(row.serviceName), agentName: String(row.agentName) })),
      models: this.all('SELECT DISTINCT serviceName, provider, model FROM model_metrics WHERE date >= ? ORDER BY serviceName, provider, model LIMIT ?', [day, limit])
        .map((row) => ({ serviceName: String(row.serviceName), provider: emptyToNull(row.provider), model: emptyToNull(row.model) })),
    };
  }

  private rollupRows(table: string, query: MinuteQuery): Row[] {
    const serviceLevel = "endpoint = '' AND method = '' AND agentName = ''";
    const where = [
      'start >= ? AND start < ?',
      query.level === 'service' ? serviceLevel : `NOT (${serviceLevel})`,
      ...(query.serviceName === undefined ? [] : ['serviceName = ?']),
    ];
    const params = [query.from.getTime(), query.to.getTime(), ...optional(query.serviceName)];
    return this.all(`SELECT * FROM ${table} WHERE ${where.join(' AND ')} ORDER BY start, serviceName, endpoint, method, agentName`, params);
  }

  private all(sql: string, params: unknown[]): Row[] {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement.all(...params) as Row[];
  }
}

function optional(value: string | undefined): string[] {
  return value === undefined ? [] : [value];
}

/** An hourly_metrics / daily_metrics row as the contract's Rollup. */
export function rollupOfRow(period: Rollup['period'], row: Row): Rollup {
  return Object.assign(identityOf(row), { period }, figuresOfRow('rollup', row));
}

/** A model_metrics row as the contract's ModelDay (no provider or model: '' in the key columns). */
export function modelDayOfRow(row: Row): ModelDay {
  return {
    serviceName: String(row.serviceName),
    agentName: String(row.agentName),
    provider: emptyToNull(row.provider),
    model: emptyToNull(row.model),
    date: String(row.date),
    ...figuresOfRow('modelDay', row),
    lastSeen: new Date(Number(row.lastSeen)),
  };
}

/** An agent_metrics row as the contract's AgentDay. */
export function agentDayOfRow(row: Row): AgentDay {
  return {
    serviceName: String(row.serviceName),
    agentName: String(row.agentName),
    date: String(row.date),
    ...figuresOfRow('agentDay', row),
    avgResponseTime: Number(row.avgResponseTime),
    lastSeen: new Date(Number(row.lastSeen)),
  };
}

/** A user_sessions row as the contract's UserSession. */
export function sessionOfRow(row: Row): UserSession {
  return {
    serviceName: String(row.serviceName),
    sessionId: String(row.sessionId),
    userId: nullableString(row.userId),
    ipAddress: nullableString(row.ipAddress),
    userAgent: nullableString(row.userAgent),
    startTime: new Date(Number(row.startTime)),
    lastActivity: new Date(Number(row.lastActivity)),
    isActive: Number(row.isActive) === 1,
    requestCount: Number(row.requestCount),
  };
}

/** The identity columns of a rollup row ('' back to null). */
function identityOf(row: Row) {
  return {
    serviceName: String(row.serviceName),
    start: new Date(Number(row.start)),
    endpoint: emptyToNull(row.endpoint),
    method: emptyToNull(row.method),
    agentName: emptyToNull(row.agentName),
  };
}

function emptyToNull(value: unknown): string | null {
  return value === '' ? null : nullableString(value);
}
