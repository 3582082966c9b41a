/**
 * The SQLite store's side of archive before delete (collector/store/archive/archiveExpired.ts):
 * expired rows in the contract's shape, oldest first (on the reading connection, SqliteStore),
 * and the conditional delete of archived ones, a batch per transaction (on the writer thread's
 * connection). Raw rows are found through span_ids, their time index (the tail folded first).
 */
import type { Database, Statement } from 'better-sqlite3';
import type { ArchivedCollection, ArchivedDocument } from '../archive/archiveFormat.js';
import { dayKey } from '../../time/utcTime.js';
import { recordOfRow } from './rawRows.js';
import { RAW_TABLES, type RawTable } from './schema.js';
import { spanIdHash } from './spanIdHash.js';
import { agentDayOfRow, modelDayOfRow, rollupOfRow, sessionOfRow } from './SqliteReader.js';

type Row = Record<string, unknown>;
const text = (value: unknown) => (value === null || value === undefined ? '' : String(value));
const ms = (value: unknown) => (value as Date).getTime();

export class SqliteArchiveRows {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  /** As ArchiveSource.expired. */
  expired(collection: ArchivedCollection, before: Date, limit: number): Array<Record<string, unknown>> {
    const cutoff = before.getTime();
    switch (collection) {
      case 'api_metrics':
      case 'agent_invocations':
      case 'model_calls': {
        const rows = this.all(`SELECT a.* FROM span_ids s CROSS JOIN ${collection} a ON a.rowid = s.rowRef
          WHERE s.tableId = ? AND s.timestamp < ? ORDER BY s.timestamp, s.idHash LIMIT ?`, [RAW_TABLES.indexOf(collection), cutoff, limit]);
        return rows.map((row) => {
          const { kind: _kind, ...fields } = recordOfRow(collection, row);
          return fields;
        });
      }
      case 'hourly_metrics':
      case 'daily_metrics':
        return this.all(`SELECT * FROM ${collection} WHERE start < ? ORDER BY start, serviceName, endpoint, method, agentName LIMIT ?`, [cutoff, limit])
          .map((row) => ({ ...rollupOfRow(collection === 'hourly_metrics' ? 'hour' : 'day', row) }));
      case 'agent_metrics':
        // An agent day starts before the cutoff exactly when its date is at most the date of (cutoff - 1 ms).
        return this.all('SELECT * FROM agent_metrics WHERE date <= ? ORDER BY date, serviceName, agentName LIMIT ?', [dayKey(new Date(cutoff - 1)), limit])
          .map((row) => ({ ...agentDayOfRow(row) }));
      case 'model_metrics':
        return this.all('SELECT * FROM model_metrics WHERE date <= ? ORDER BY date, serviceName, agentName, provider, model LIMIT ?', [dayKey(new Date(cutoff - 1)), limit])
          .map((row) => ({ ...modelDayOfRow(row) }));
      case 'user_sessions':
        return this.all('SELECT * FROM user_sessions WHERE lastActivity < ? ORDER BY lastActivity, serviceName, sessionId LIMIT ?', [cutoff, limit])
          .map((row) => ({ ...sessionOfRow(row) }));
    }
  }

  /** As ArchiveSource.deleteArchived. */
  deleteArchived(collection: ArchivedCollection, docs: readonly ArchivedDocument[]): number {
    const deleteOne = this.deleterOf(collection);
    return this.db.transaction(() => docs.reduce((deleted, doc) => deleted + deleteOne(doc), 0)).immediate();
  }

  /** Deletes one archived document if it is still stored as archived; 1 when it did. */
  private deleterOf(collection: ArchivedCollection): (doc: ArchivedDocument) => number {
    switch (collection) {
      case 'api_metrics':
      case 'agent_invocations':
      case 'model_calls':
        return (doc) => this.deleteRaw(collection, doc);
      case 'hourly_metrics':
      case 'daily_metrics':
        return (doc) => this.run(`DELETE FROM ${collection} WHERE serviceName = ? AND start = ? AND endpoint = ? AND method = ? AND agentName = ?
          AND requestCount = ?`, [doc['serviceName'], ms(doc['start']), text(doc['endpoint']), text(doc['method']), text(doc['agentName']), doc['requestCount']]);
      case 'agent_metrics':
        return (doc) => this.run('DELETE FROM agent_metrics WHERE serviceName = ? AND agentName = ? AND date = ? AND requestCount = ?',
          [doc['serviceName'], doc['agentName'], doc['date'], doc['requestCount']]);
      case 'model_metrics':
        return (doc) => this.run('DELETE FROM model_metrics WHERE serviceName = ? AND agentName = ? AND provider = ? AND model = ? AND date = ? AND callCount = ?',
          [doc['serviceName'], doc['agentName'], text(doc['provider']), text(doc['model']), doc['date'], doc['callCount']]);
      case 'user_sessions':
        return (doc) => this.run('DELETE FROM user_sessions WHERE serviceName = ? AND sessionId = ? AND lastActivity = ? AND requestCount = ? AND isActive = ?',
          [doc['serviceName'], doc['sessionId'], ms(doc['lastActivity']), doc['requestCount'], doc['isActive'] === true ? 1 : 0]);
    }
  }

  private deleteRaw(table: RawTable, doc: ArchivedDocument): number {
    const timestamp = ms(doc['timestamp']);
    const idHash = spanIdHash(String(doc['traceId']), String(doc['spanId']));
    const key = this.all('SELECT tableId, rowRef FROM span_ids WHERE timestamp = ? AND idHash = ?', [timestamp, idHash])[0];
    if (key === undefined || Number(key['tableId']) !== RAW_TABLES.indexOf(table)) return 0;
    const row = this.all(`SELECT traceId, spanId FROM ${table} WHERE rowid = ?`, [key['rowRef']])[0];
    // Another span of the same millisecond whose ids hash alike (spanIdHash.ts) is not this one.
    if (row === undefined || row['traceId'] !== doc['traceId'] || row['spanId'] !== doc['spanId']) return 0;
    this.run(`DELETE FROM ${table} WHERE rowid = ?`, [key['rowRef']]);
    this.run('DELETE FROM span_ids WHERE timestamp = ? AND idHash = ?', [timestamp, idHash]);
    return 1;
  }

  private statement(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) this.statements.set(sql, (statement = this.db.prepare(sql)));
    return statement;
  }

  private all(sql: string, params: unknown[]): Row[] {
    return this.statement(sql).all(...params) as Row[];
  }

  private run(sql: string, params: unknown[]): number {
    return this.statement(sql).run(...params).changes;
  }
}
