/**
 * The write side of the SQLite store: one `BEGIN IMMEDIATE` transaction per batch.
 *
 * Raw rows go in with `ON CONFLICT DO NOTHING` on their idempotency key (schema.ts); only
 * the rows actually inserted are aggregated (collector/store/recordAggregation.ts) into a few
 * commutative upserts. Distinct users are counted through the presence tables: a presence row that was
 * new adds one to activeUsers. Synchronous by design (better-sqlite3): the transaction holds
 * the write lock from its first statement, so concurrent writers, in this process or in
 * another one sharing the file, cannot interleave.
 */
import type { Database, Statement, Transaction } from 'better-sqlite3';
import {
  agentDayKey, aggregateRecords, firstOfEachId, rollupKey, type BatchDeltas, type Counters,
} from '../recordAggregation.js';
import type { SpanRecord, WriteResult } from '../types.js';

const COUNTER_UPDATES = `
  requestCount = requestCount + excluded.requestCount,
  successCount = successCount + excluded.successCount,
  errorCount = errorCount + excluded.errorCount,
  clientErrorCount = clientErrorCount + excluded.clientErrorCount,
  totalResponseTime = totalResponseTime + excluded.totalResponseTime,
  minResponseTime = min(minResponseTime, excluded.minResponseTime),
  maxResponseTime = max(maxResponseTime, excluded.maxResponseTime),
  latencyHistogram = histogram_merge(latencyHistogram, excluded.latencyHistogram),
  inputTokens = inputTokens + excluded.inputTokens,
  outputTokens = outputTokens + excluded.outputTokens,
  activeUsers = activeUsers + excluded.activeUsers`;

const COUNTER_COLUMNS = `requestCount, successCount, errorCount, clientErrorCount, totalResponseTime,
  minResponseTime, maxResponseTime, latencyHistogram, inputTokens, outputTokens, activeUsers`;

function rollupUpsert(table: 'hourly_metrics' | 'daily_metrics'): string {
  return `INSERT INTO ${table} (serviceName, start, endpoint, method, agentName, ${COUNTER_COLUMNS})
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (serviceName, start, endpoint, method, agentName) DO UPDATE SET ${COUNTER_UPDATES}`;
}

function counterValues(c: Counters, activeUsers: number): unknown[] {
  return [c.requestCount, c.successCount, c.errorCount, c.clientErrorCount, c.totalResponseTime,
    c.minResponseTime, c.maxResponseTime, JSON.stringify(c.latencyHistogram), c.inputTokens, c.outputTokens, activeUsers];
}

export class SqliteWriter {
  private readonly insertRequest: Statement;
  private readonly insertInvocation: Statement;
  private readonly insertRollupPresence: Statement;
  private readonly insertAgentPresence: Statement;
  private readonly upsertHourly: Statement;
  private readonly upsertDaily: Statement;
  private readonly upsertAgentDay: Statement;
  private readonly upsertSession: Statement;
  private readonly upsertService: Statement;
  private readonly transaction: Transaction<(records: SpanRecord[]) => WriteResult>;

  constructor(db: Database) {
    // ON CONFLICT DO NOTHING rather than INSERT OR IGNORE: OR IGNORE would also skip rows that
    // break NOT NULL, silently counting a bad record as a duplicate.
    this.insertRequest = db.prepare(`INSERT INTO api_metrics (traceId, spanId, serviceName, endpoint, method,
      statusCode, responseTime, timestamp, sessionId, userId, agentName, ipAddress, userAgent, outcome, inputTokens, outputTokens)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (timestamp, traceId, spanId) DO NOTHING`);
    this.insertInvocation = db.prepare(`INSERT INTO agent_invocations (traceId, spanId, serviceName, agentName,
      operation, responseTime, timestamp, sessionId, userId, outcome, inputTokens, outputTokens)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (timestamp, traceId, spanId) DO NOTHING`);
    this.insertRollupPresence = db.prepare('INSERT OR IGNORE INTO rollup_presence (period, start, serviceName, sessionId) VALUES (?, ?, ?, ?)');
    this.insertAgentPresence = db.prepare('INSERT OR IGNORE INTO agent_presence (date, serviceName, agentName, sessionId) VALUES (?, ?, ?, ?)');
    this.upsertHourly = db.prepare(rollupUpsert('hourly_metrics'));
    this.upsertDaily = db.prepare(rollupUpsert('daily_metrics'));
    this.upsertAgentDay = db.prepare(`INSERT INTO agent_metrics (serviceName, agentName, date, ${COUNTER_COLUMNS},
      invocationCount, avgResponseTime, lastSeen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (serviceName, agentName, date) DO UPDATE SET ${COUNTER_UPDATES},
      invocationCount = invocationCount + excluded.invocationCount,
      avgResponseTime = (totalResponseTime + excluded.totalResponseTime) / (requestCount + excluded.requestCount),
      lastSeen = max(lastSeen, excluded.lastSeen)`);
    this.upsertSession = db.prepare(`INSERT INTO user_sessions (serviceName, sessionId, userId, ipAddress, userAgent,
      startTime, lastActivity, isActive, requestCount) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)
      ON CONFLICT (serviceName, sessionId) DO UPDATE SET
      userId = coalesce(excluded.userId, userId),
      ipAddress = coalesce(excluded.ipAddress, ipAddress),
      userAgent = coalesce(excluded.userAgent, userAgent),
      startTime = min(startTime, excluded.startTime),
      lastActivity = max(lastActivity, excluded.lastActivity),
      isActive = 1,
      requestCount = requestCount + excluded.requestCount`);
    this.upsertService = db.prepare(`INSERT INTO services (serviceName, firstSeen, lastSeen, spanCount) VALUES (?, ?, ?, ?)
      ON CONFLICT (serviceName) DO UPDATE SET firstSeen = min(firstSeen, excluded.firstSeen),
      lastSeen = max(lastSeen, excluded.lastSeen), spanCount = spanCount + excluded.spanCount`);
    this.transaction = db.transaction((records: SpanRecord[]) => this.apply(records));
  }

  write(records: readonly SpanRecord[]): WriteResult {
    const { unique, duplicates } = firstOfEachId(records);
    const result = this.transaction.immediate(unique);
    return { stored: result.stored, duplicates: duplicates + result.duplicates };
  }

  private apply(records: SpanRecord[]): WriteResult {
    const fresh = records.filter((record) => this.insertRaw(record));
    if (fresh.length > 0) this.applyDeltas(aggregateRecords(fresh));
    return { stored: fresh.length, duplicates: records.length - fresh.length };
  }

  private insertRaw(r: SpanRecord): boolean {
    const result = r.kind === 'request'
      ? this.insertRequest.run(r.traceId, r.spanId, r.serviceName, r.endpoint, r.method, r.statusCode, r.responseTime,
        r.timestamp.getTime(), r.sessionId, r.userId, r.agentName, r.ipAddress, r.userAgent, r.outcome, r.inputTokens, r.outputTokens)
      : this.insertInvocation.run(r.traceId, r.spanId, r.serviceName, r.agentName, r.operation, r.responseTime,
        r.timestamp.getTime(), r.sessionId, r.userId, r.outcome, r.inputTokens, r.outputTokens);
    return result.changes === 1;
  }

  private applyDeltas(deltas: BatchDeltas): void {
    const newUsers = new Map<string, number>();
    const countNew = (key: string) => newUsers.set(key, (newUsers.get(key) ?? 0) + 1);
    for (const p of deltas.rollupPresence) {
      if (this.insertRollupPresence.run(p.period, p.start.getTime(), p.serviceName, p.sessionId).changes === 1) {
        countNew(rollupKey({ ...p, endpoint: null, method: null, agentName: null }));
      }
    }
    for (const p of deltas.agentPresence) {
      if (this.insertAgentPresence.run(p.date, p.serviceName, p.agentName, p.sessionId).changes === 1) countNew(agentDayKey(p));
    }
    for (const r of deltas.rollups) {
      const upsert = r.period === 'hour' ? this.upsertHourly : this.upsertDaily;
      upsert.run(r.serviceName, r.start.getTime(), r.endpoint ?? '', r.method ?? '', r.agentName ?? '',
        ...counterValues(r, newUsers.get(rollupKey(r)) ?? 0));
    }
    for (const d of deltas.agentDays) {
      this.upsertAgentDay.run(d.serviceName, d.agentName, d.date, ...counterValues(d, newUsers.get(agentDayKey(d)) ?? 0),
        d.invocationCount, d.totalResponseTime / d.requestCount, d.lastSeen.getTime());
    }
    for (const s of deltas.sessions) {
      this.upsertSession.run(s.serviceName, s.sessionId, s.userId, s.ipAddress, s.userAgent,
        s.startTime.getTime(), s.lastActivity.getTime(), s.requestCount);
    }
    for (const s of deltas.services) {
      this.upsertService.run(s.serviceName, s.firstSeen.getTime(), s.lastSeen.getTime(), s.spanCount);
    }
  }
}
