/**
 * The raw rows appended since the last fold (SqliteFolder.ts): durable in their tables, not
 * yet in the figures nor in span_ids. The tail keeps their idempotency keys, in memory, so a
 * repeated span is recognised before it is folded, and their figures already aggregated
 * (RecordAggregator), not the records: a tail of 20 000 records held 20-30 MB of the writer
 * thread's heap until the fold, and every record lived long enough to be promoted and collected
 * by a full collection (BENCHMARKS.md "Peak RSS"). After a restart the tail is read back from
 * the rows beyond fold_state. Bounded by the writer's fold thresholds (SqliteWriter.ts).
 */
import type { Database } from 'better-sqlite3';
import { RecordAggregator, type DeltaSink } from '../recordAggregation.js';
import type { CountedRecord } from '../types.js';
import { recordOfRow } from './rawRows.js';
import { RAW_TABLES, type RawTable } from './schema.js';
import { spanIdHash } from './spanIdHash.js';

/** A row being appended: its record, and its key in span_ids once it has a rowid. */
export interface TailEntry {
  record: CountedRecord;
  table: RawTable;
  rowid: number;
  /** Start time, epoch ms, and spanIdHash: the span's key in span_ids. */
  timestamp: number;
  idHash: number;
}

/** A tail row's span_ids entry (its record is in the tail's aggregate). */
export interface SpanIdEntry {
  timestamp: number;
  idHash: number;
  tableId: number;
  rowid: number;
}

export function tailEntry(record: CountedRecord, table: RawTable, rowid: number): TailEntry {
  return { record, table, rowid, timestamp: record.timestamp.getTime(), idHash: spanIdHash(record.traceId, record.spanId) };
}

export function spanKey(timestamp: number, idHash: number): string {
  return `${timestamp}:${idHash}`;
}

export class UnfoldedTail {
  private readonly keys = new Set<string>();
  private entries: SpanIdEntry[] = [];
  private aggregate = new RecordAggregator();
  /** The highest rowid of each raw table in the tail. */
  private readonly lastRowids = new Map<RawTable, number>();
  /** performance.now() when the oldest entry was added; undefined when empty. */
  private oldestAt: number | undefined;

  get size(): number {
    return this.entries.length;
  }

  /** Milliseconds since the oldest entry was added; 0 when empty. */
  ageMs(now = performance.now()): number {
    return this.oldestAt === undefined ? 0 : now - this.oldestAt;
  }

  has(timestamp: number, idHash: number): boolean {
    return this.keys.has(spanKey(timestamp, idHash));
  }

  add(entries: readonly TailEntry[]): void {
    if (entries.length === 0) return;
    this.oldestAt ??= performance.now();
    for (const { timestamp, idHash, table, rowid } of entries) {
      this.keys.add(spanKey(timestamp, idHash));
      this.entries.push({ timestamp, idHash, tableId: RAW_TABLES.indexOf(table), rowid });
      if (rowid > (this.lastRowids.get(table) ?? 0)) this.lastRowids.set(table, rowid);
    }
    this.aggregate.add(entries.map((entry) => entry.record));
  }

  /** Gives the figures of every row in the tail to `sink`, one delta at a time (RecordAggregator.emit). */
  emit(sink: DeltaSink): void {
    this.aggregate.emit(sink);
  }

  /** The span_ids entries of the tail, in arrival order (read-only view). */
  spanIds(): readonly SpanIdEntry[] {
    return this.entries;
  }

  /** The highest rowid of each raw table in the tail. */
  lastRowidOf(): ReadonlyMap<RawTable, number> {
    return this.lastRowids;
  }

  clear(): void {
    this.keys.clear();
    this.entries = [];
    this.aggregate = new RecordAggregator();
    this.lastRowids.clear();
    this.oldestAt = undefined;
  }

  /** Reads the rows beyond fold_state back (after a restart or a crash). */
  load(db: Database): void {
    this.clear();
    const folded = new Map((db.prepare('SELECT rawTable, foldedRowid FROM fold_state').all() as Array<{ rawTable: string; foldedRowid: number }>)
      .map((row) => [row.rawTable, row.foldedRowid]));
    const entries: TailEntry[] = [];
    for (const table of RAW_TABLES) {
      const rows = db.prepare(`SELECT rowid AS rowRef, * FROM ${table} WHERE rowid > ? ORDER BY rowid`).all(folded.get(table) ?? 0) as Array<Record<string, unknown>>;
      for (const row of rows) entries.push(tailEntry(recordOfRow(table, row), table, Number(row['rowRef'])));
    }
    this.add(entries);
  }
}
