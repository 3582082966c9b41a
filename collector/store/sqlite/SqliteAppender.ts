/**
 * The acknowledged half of a SQLite write: one `BEGIN IMMEDIATE` transaction that appends the
 * batch's new raw rows, committed (WAL, synchronous per config) before the write resolves.
 *
 * A record is new unless its key (start ms, spanIdHash) is in the unfolded tail or in span_ids:
 * a repeated span is recognised however long ago its first copy arrived. A record SQLite
 * refuses for its data (sqliteErrors.ts) is rejected alone: its statement fails, the
 * transaction goes on; so is one whose end time the fold could not store (an infinite
 * responseTime), which would otherwise fail every later fold. Any other failure rolls the
 * whole batch back and rejects the write.
 * The figures follow in the fold (SqliteFolder.ts); the raw rows alone make the write durable,
 * since the fold can always be redone from them.
 */
import type { Database, Statement, Transaction } from 'better-sqlite3';
import { endTime, firstOfEachId } from '../recordAggregation.js';
import { rejectionReason } from '../storeErrors.js';
import type { RejectedRecord, SpanRecord, WriteResult } from '../types.js';
import { RAW_COLUMNS, rawTableOf, rawValues } from './rawRows.js';
import { RAW_TABLES, type RawTable } from './schema.js';
import { isRecordDataError } from './sqliteErrors.js';
import { spanKey, tailEntry, type TailEntry, type UnfoldedTail } from './UnfoldedTail.js';

interface Appended {
  entries: TailEntry[];
  duplicates: number;
  rejected: RejectedRecord[];
}

export class SqliteAppender {
  private readonly insert: Record<RawTable, Statement>;
  private readonly folded: Statement;
  private readonly transaction: Transaction<(records: SpanRecord[]) => Appended>;

  constructor(db: Database, private readonly tail: UnfoldedTail) {
    const insert = (table: RawTable) => db.prepare(
      `INSERT INTO ${table} (${RAW_COLUMNS[table].join(', ')}) VALUES (${RAW_COLUMNS[table].map(() => '?').join(', ')})`);
    this.insert = Object.fromEntries(RAW_TABLES.map((table) => [table, insert(table)])) as Record<RawTable, Statement>;
    this.folded = db.prepare('SELECT 1 FROM span_ids WHERE timestamp = ? AND idHash = ?').pluck();
    this.transaction = db.transaction((records: SpanRecord[]) => this.appendAll(records));
  }

  append(records: readonly SpanRecord[]): WriteResult {
    const { unique, duplicates } = firstOfEachId(records);
    const appended = this.transaction.immediate(unique);
    // Only after the commit: a rolled-back batch must leave no key behind.
    this.tail.add(appended.entries);
    return { stored: appended.entries.length, duplicates: duplicates + appended.duplicates, rejected: appended.rejected };
  }

  private appendAll(records: SpanRecord[]): Appended {
    const entries: TailEntry[] = [];
    const rejected: RejectedRecord[] = [];
    const inBatch = new Set<string>();
    let duplicates = 0;
    for (const record of records) {
      const table = rawTableOf(record);
      const entry = tailEntry(record, table, 0);
      const key = spanKey(entry.timestamp, entry.idHash);
      if (inBatch.has(key) || this.tail.has(entry.timestamp, entry.idHash) || this.folded.get(entry.timestamp, entry.idHash) !== undefined) {
        duplicates += 1;
        continue;
      }
      if (Number.isNaN(endTime(record).getTime())) {
        // The fold stores the end time (lastSeen, lastActivity); a row without one would fail every fold, for good.
        rejected.push({ traceId: record.traceId, spanId: record.spanId, reason: rejectionReason('sqlite', new Error('start + responseTime is not a valid time')) });
        continue;
      }
      try {
        entry.rowid = Number(this.insert[table].run(...rawValues(record)).lastInsertRowid);
      } catch (error) {
        if (!isRecordDataError(error)) throw error;
        rejected.push({ traceId: record.traceId, spanId: record.spanId, reason: rejectionReason('sqlite', error) });
        continue;
      }
      inBatch.add(key);
      entries.push(entry);
    }
    return { entries, duplicates, rejected };
  }
}
