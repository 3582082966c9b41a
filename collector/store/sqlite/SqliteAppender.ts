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
 *
 * Model-call attribution in the same transaction (store/types.ts StoreWriter): pending calls
 * go to genai_pending (unless their model call is stored already); then every span of the
 * batch that pending calls wait at settles them through the batch's spans (ancestry.ts): a
 * settled call is appended as a model call like any other and leaves genai_pending, one still
 * waiting moves its lookupSpanId up. The probes are skipped while genai_pending is empty.
 */
import type { Database, Statement, Transaction } from 'better-sqlite3';
import { ancestorOfRecord, recordAncestors, settle } from '../../genai/ancestry.js';
import { log } from '../../log.js';
import { endTime, firstOfEachId } from '../recordAggregation.js';
import { pendingModelCallOf } from '../storedValues.js';
import { rejectionReason } from '../storeErrors.js';
import type { CountedRecord, PendingModelCallRecord, RejectedRecord, SpanRecord, WriteResult } from '../types.js';
import { RAW_COLUMNS, rawTableOf, rawValues } from './rawRows.js';
import { RAW_TABLES, type RawTable } from './schema.js';
import { isRecordDataError } from './sqliteErrors.js';
import { spanIdHash } from './spanIdHash.js';
import { spanKey, tailEntry, type TailEntry, type UnfoldedTail } from './UnfoldedTail.js';

interface Appended {
  /** Raw rows appended: the batch's, then those of the pending calls it settled. */
  entries: TailEntry[];
  /** Records of the batch stored for the first time (pending calls and links included). */
  stored: number;
  duplicates: number;
  rejected: RejectedRecord[];
}

export class SqliteAppender {
  private readonly insert: Record<RawTable, Statement>;
  private readonly folded: Statement;
  private readonly insertPending: Statement;
  private readonly anyPending: Statement;
  private readonly pendingAt: Statement;
  private readonly movePending: Statement;
  private readonly deletePending: Statement;
  private readonly transaction: Transaction<(records: SpanRecord[]) => Appended>;

  constructor(db: Database, private readonly tail: UnfoldedTail) {
    const insert = (table: RawTable) => db.prepare(
      `INSERT INTO ${table} (${RAW_COLUMNS[table].join(', ')}) VALUES (${RAW_COLUMNS[table].map(() => '?').join(', ')})`);
    this.insert = Object.fromEntries(RAW_TABLES.map((table) => [table, insert(table)])) as Record<RawTable, Statement>;
    this.folded = db.prepare('SELECT 1 FROM span_ids WHERE timestamp = ? AND idHash = ?').pluck();
    this.insertPending = db.prepare('INSERT OR IGNORE INTO genai_pending (traceId, spanId, lookupSpanId, receivedAt, record) VALUES (?, ?, ?, ?, ?)');
    this.anyPending = db.prepare('SELECT 1 FROM genai_pending LIMIT 1').pluck();
    this.pendingAt = db.prepare('SELECT record, lookupSpanId FROM genai_pending WHERE traceId = ? AND lookupSpanId = ?');
    this.movePending = db.prepare('UPDATE genai_pending SET lookupSpanId = ? WHERE traceId = ? AND spanId = ?');
    this.deletePending = db.prepare('DELETE FROM genai_pending WHERE traceId = ? AND spanId = ?');
    this.transaction = db.transaction((records: SpanRecord[]) => this.appendAll(records));
  }

  append(records: readonly SpanRecord[]): WriteResult {
    const { unique, duplicates } = firstOfEachId(records);
    const appended = this.transaction.immediate(unique);
    // Only after the commit: a rolled-back batch must leave no key behind.
    this.tail.add(appended.entries);
    return { stored: appended.stored, duplicates: duplicates + appended.duplicates, rejected: appended.rejected };
  }

  private appendAll(records: SpanRecord[]): Appended {
    const appended: Appended = { entries: [], stored: 0, duplicates: 0, rejected: [] };
    const inBatch = new Set<string>();
    let pending = false;
    for (const record of records) {
      if (record.kind === 'genai_link') {
        appended.stored += 1; // stored nowhere: an ancestor for settlePending below
        continue;
      }
      if (record.kind === 'pending_model_call') {
        pending = true;
        const inserted = !this.known(inBatch, record.timestamp.getTime(), spanIdHash(record.traceId, record.spanId))
          && this.insertPending.run(record.traceId, record.spanId, record.lookupSpanId, record.receivedAt.getTime(), pendingJson(record)).changes === 1;
        if (inserted) appended.stored += 1;
        else appended.duplicates += 1;
        continue;
      }
      const before = appended.entries.length;
      this.appendRecord(record, inBatch, appended);
      appended.stored += appended.entries.length - before;
    }
    if (pending || this.anyPending.get() !== undefined) this.settlePending(records, inBatch, appended);
    return appended;
  }

  /** Settles the pending calls that wait at a span of this batch (see header). */
  private settlePending(records: readonly SpanRecord[], inBatch: Set<string>, appended: Appended): void {
    const lookup = recordAncestors(records);
    // Settled calls were counted when they arrived: their rows join the tail, not the counts, and
    // a refusal is not this request's to answer (it would name a span the request did not send).
    const settled: Appended = { entries: appended.entries, stored: 0, duplicates: 0, rejected: [] };
    for (const record of records) {
      if (ancestorOfRecord(record) === null) continue;
      const rows = this.pendingAt.all(record.traceId, record.spanId) as Array<{ record: string }>;
      for (const row of rows) {
        const call = pendingModelCallOf(JSON.parse(row.record) as Record<string, unknown>, epochMs);
        const result = settle({ ...call, lookupSpanId: record.spanId }, lookup);
        if (result.kind === 'pending_model_call') {
          this.movePending.run(result.lookupSpanId, call.traceId, call.spanId);
          continue;
        }
        this.appendRecord(result, inBatch, settled);
        this.deletePending.run(call.traceId, call.spanId);
      }
    }
    for (const refused of settled.rejected) log.warn('sqlite store: a settled model call was refused; it is not counted', { ...refused });
  }

  private known(inBatch: Set<string>, timestamp: number, idHash: number): boolean {
    return inBatch.has(spanKey(timestamp, idHash)) || this.tail.has(timestamp, idHash) || this.folded.get(timestamp, idHash) !== undefined;
  }

  private appendRecord(record: CountedRecord, inBatch: Set<string>, into: Appended): void {
    const table = rawTableOf(record);
    const entry = tailEntry(record, table, 0);
    if (this.known(inBatch, entry.timestamp, entry.idHash)) {
      into.duplicates += 1;
      return;
    }
    if (Number.isNaN(endTime(record).getTime())) {
      // The fold stores the end time (lastSeen, lastActivity); a row without one would fail every fold, for good.
      into.rejected.push({ traceId: record.traceId, spanId: record.spanId, reason: rejectionReason('sqlite', new Error('start + responseTime is not a valid time')) });
      return;
    }
    try {
      entry.rowid = Number(this.insert[table].run(...rawValues(record)).lastInsertRowid);
    } catch (error) {
      if (!isRecordDataError(error)) throw error;
      into.rejected.push({ traceId: record.traceId, spanId: record.spanId, reason: rejectionReason('sqlite', error) });
      return;
    }
    inBatch.add(spanKey(entry.timestamp, entry.idHash));
    into.entries.push(entry);
  }
}

const epochMs = (stored: unknown) => new Date(Number(stored));

/** A pending call as genai_pending keeps it (times as epoch milliseconds). */
function pendingJson(record: PendingModelCallRecord): string {
  return JSON.stringify({ ...record, timestamp: record.timestamp.getTime(), receivedAt: record.receivedAt.getTime() });
}
