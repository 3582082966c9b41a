/**
 * The fold: turns the unfolded tail (raw rows appended since the last fold) into the figures,
 * in one transaction that also writes the rows' keys into span_ids and moves fold_state past
 * them. Either all of it commits or none, so a fold interrupted by a crash is simply done
 * again from the raw rows on the next start: every row is folded exactly once.
 *
 * Many spans become few upserts (one per rollup, agent day, session and service;
 * recordAggregation.ts), and the keys go into span_ids sorted, each index page written once;
 * folding thousands of rows at a time is what makes realistic traffic cheap to store.
 * Distinct users are counted through the presence tables: a presence row that was new adds
 * one to activeUsers.
 */
import type { Database, Statement, Transaction } from 'better-sqlite3';
import { figureColumnNames, figureMergeAssignments, figureValues } from './figureColumns.js';
import { agentDayKey, rollupKey, type DeltaSink } from '../recordAggregation.js';
import type { UnfoldedTail } from './UnfoldedTail.js';

function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

function rollupUpsert(table: 'minute_metrics' | 'hourly_metrics' | 'daily_metrics'): string {
  const document = table === 'minute_metrics' ? 'minute' : 'rollup';
  const columns = figureColumnNames(document);
  return `INSERT INTO ${table} (serviceName, start, endpoint, method, agentName, ${columns})
    VALUES (${placeholders(5 + columns.split(',').length)})
    ON CONFLICT (serviceName, start, endpoint, method, agentName) DO UPDATE SET ${figureMergeAssignments(document)}`;
}

export class SqliteFolder {
  private readonly insertRollupPresence: Statement;
  private readonly insertAgentPresence: Statement;
  private readonly upsertMinute: Statement;
  private readonly upsertHourly: Statement;
  private readonly upsertDaily: Statement;
  private readonly upsertAgentDay: Statement;
  private readonly upsertModelDay: Statement;
  private readonly upsertSession: Statement;
  private readonly upsertService: Statement;
  private readonly insertSpanId: Statement;
  private readonly setFolded: Statement;
  private readonly transaction: Transaction<(tail: UnfoldedTail) => void>;

  constructor(db: Database) {
    this.insertRollupPresence = db.prepare('INSERT OR IGNORE INTO rollup_presence (period, start, serviceName, sessionId) VALUES (?, ?, ?, ?)');
    this.insertAgentPresence = db.prepare('INSERT OR IGNORE INTO agent_presence (date, serviceName, agentName, sessionId) VALUES (?, ?, ?, ?)');
    this.upsertMinute = db.prepare(rollupUpsert('minute_metrics'));
    this.upsertHourly = db.prepare(rollupUpsert('hourly_metrics'));
    this.upsertDaily = db.prepare(rollupUpsert('daily_metrics'));
    const agentColumns = figureColumnNames('agentDay');
    this.upsertAgentDay = db.prepare(`INSERT INTO agent_metrics (serviceName, agentName, date, ${agentColumns}, avgResponseTime, lastSeen)
      VALUES (${placeholders(5 + agentColumns.split(',').length)})
      ON CONFLICT (serviceName, agentName, date) DO UPDATE SET ${figureMergeAssignments('agentDay')},
      avgResponseTime = (totalResponseTime + excluded.totalResponseTime) / (requestCount + excluded.requestCount),
      lastSeen = max(lastSeen, excluded.lastSeen)`);
    const modelColumns = figureColumnNames('modelDay');
    this.upsertModelDay = db.prepare(`INSERT INTO model_metrics (serviceName, agentName, provider, model, date, ${modelColumns}, lastSeen)
      VALUES (${placeholders(6 + modelColumns.split(',').length)})
      ON CONFLICT (serviceName, agentName, provider, model, date) DO UPDATE SET ${figureMergeAssignments('modelDay')},
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
    // A conflict would be two different spans with the same start ms and hash (spanIdHash.ts): counted both, keyed once.
    this.insertSpanId = db.prepare('INSERT INTO span_ids (timestamp, idHash, tableId, rowRef) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING');
    this.setFolded = db.prepare('UPDATE fold_state SET foldedRowid = max(foldedRowid, ?) WHERE rawTable = ?');
    this.transaction = db.transaction((tail: UnfoldedTail) => this.apply(tail));
  }

  /** Folds the whole tail in one transaction (the tail is left as it is: the writer clears it once this returned). */
  fold(tail: UnfoldedTail): void {
    if (tail.size > 0) this.transaction.immediate(tail);
  }

  private apply(tail: UnfoldedTail): void {
    tail.emit(this.deltaSink());
    const sorted = [...tail.spanIds()].sort((a, b) => a.timestamp - b.timestamp || a.idHash - b.idHash);
    for (const entry of sorted) this.insertSpanId.run(entry.timestamp, entry.idHash, entry.tableId, entry.rowid);
    for (const [table, last] of tail.lastRowidOf()) this.setFolded.run(last, table);
  }

  /** Applies each delta as the tail gives it (presence first, so the new users are counted before their documents). */
  private deltaSink(): DeltaSink {
    const newUsers = new Map<string, number>();
    const countNew = (key: string) => newUsers.set(key, (newUsers.get(key) ?? 0) + 1);
    return {
      rollupPresence: (p) => {
        if (this.insertRollupPresence.run(p.period, p.start.getTime(), p.serviceName, p.sessionId).changes === 1) {
          countNew(rollupKey({ ...p, endpoint: null, method: null, agentName: null }));
        }
      },
      agentPresence: (p) => {
        if (this.insertAgentPresence.run(p.date, p.serviceName, p.agentName, p.sessionId).changes === 1) countNew(agentDayKey(p));
      },
      minute: (m) => {
        this.upsertMinute.run(m.serviceName, m.start.getTime(), m.endpoint ?? '', m.method ?? '', m.agentName ?? '', ...figureValues('minute', m));
      },
      rollup: (r) => {
        const upsert = r.period === 'hour' ? this.upsertHourly : this.upsertDaily;
        r.activeUsers = newUsers.get(rollupKey(r)) ?? 0;
        upsert.run(r.serviceName, r.start.getTime(), r.endpoint ?? '', r.method ?? '', r.agentName ?? '', ...figureValues('rollup', r));
      },
      agentDay: (d) => {
        d.activeUsers = newUsers.get(agentDayKey(d)) ?? 0;
        this.upsertAgentDay.run(d.serviceName, d.agentName, d.date, ...figureValues('agentDay', d),
          d.totalResponseTime / d.requestCount, d.lastSeen.getTime());
      },
      modelDay: (m) => {
        this.upsertModelDay.run(m.serviceName, m.agentName, m.provider ?? '', m.model ?? '', m.date, ...figureValues('modelDay', m), m.lastSeen.getTime());
      },
      session: (s) => {
        this.upsertSession.run(s.serviceName, s.sessionId, s.userId, s.ipAddress, s.userAgent,
          s.startTime.getTime(), s.lastActivity.getTime(), s.requestCount);
      },
      service: (s) => {
        this.upsertService.run(s.serviceName, s.firstSeen.getTime(), s.lastSeen.getTime(), s.spanCount);
      },
    };
  }
}
