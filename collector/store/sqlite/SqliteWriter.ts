/**
 * Everything that writes the SQLite file, on one connection, in the writer thread
 * (writerThreadMain.ts): appends (SqliteAppender), folds (SqliteFolder) and maintenance.
 *
 * When to fold: once the tail holds `foldRows` rows or its oldest row is `foldIntervalMs`
 * old, checked after every append and by a timer; before any read (SqliteStore asks, so a
 * reader always sees every write that resolved); before maintenance and at shutdown. A tail
 * that cannot be folded (the fold fails) keeps growing only up to `maxUnfoldedRows`; beyond
 * that appends are refused as retryable, so memory stays bounded while the store is failing.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { PipelineError } from '../../errors.js';
import { log } from '../../log.js';
import { STORE_RETRY_AFTER_SECONDS } from '../storeErrors.js';
import type { Retention, SpanRecord, SpanRef, WriteResult } from '../types.js';
import { createSchema, prepareConnection, type Synchronous } from './schema.js';
import { SqliteAlertWriter } from './SqliteAlerts.js';
import type { ArchivedCollection, ArchivedDocument } from '../archive/archiveFormat.js';
import { SqliteAppender } from './SqliteAppender.js';
import { SqliteArchiveRows } from './SqliteArchiveRows.js';
import { SqliteFolder } from './SqliteFolder.js';
import { SqliteMaintenance } from './SqliteMaintenance.js';
import { UnfoldedTail } from './UnfoldedTail.js';

export interface SqliteWriterOptions {
  path: string;
  busyTimeoutMs: number;
  synchronous: Synchronous;
  /** Fold once the tail has this many rows. */
  foldRows: number;
  /** Fold once the tail's oldest row is this old, ms. */
  foldIntervalMs: number;
  /** Refuse appends (retryable) while the tail is this long and cannot be folded. */
  maxUnfoldedRows: number;
}

export class SqliteWriter {
  private readonly db: Database.Database;
  private readonly tail = new UnfoldedTail();
  private readonly appender: SqliteAppender;
  private readonly folder: SqliteFolder;
  private readonly maintenance: SqliteMaintenance;
  /** The alert tables (written directly, not through the tail: they are few rows and read at once). */
  readonly alerts: SqliteAlertWriter;
  private readonly archived: SqliteArchiveRows;
  private foldTimer: NodeJS.Timeout | undefined;
  private open = true;

  /**
   * Opens the file, creates the schema and folds whatever a previous process left unfolded.
   * `onFolded`: told after every fold that succeeds the time it started (epoch ms): every
   * append answered before then is in the figures.
   */
  constructor(private readonly options: SqliteWriterOptions, private readonly onFolded: (startedAt: number) => void = () => {}) {
    mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path);
    try {
      prepareConnection(this.db, options, 'writer');
      createSchema(this.db);
      this.appender = new SqliteAppender(this.db, this.tail);
      this.folder = new SqliteFolder(this.db);
      this.maintenance = new SqliteMaintenance(this.db);
      this.alerts = new SqliteAlertWriter(this.db);
      this.archived = new SqliteArchiveRows(this.db);
      this.tail.load(this.db);
      this.fold();
    } catch (error) {
      this.db.close();
      throw error;
    }
  }

  append(records: readonly SpanRecord[]): WriteResult {
    if (records.length === 0) return { stored: 0, duplicates: 0, rejected: [] };
    if (this.tail.size >= this.options.maxUnfoldedRows) {
      // The last fold failed (else the tail would be short): try once more before refusing.
      this.fold();
    }
    return this.appender.append(records);
  }

  /** Folds if a threshold is reached, else makes sure a timer will; call after answering an append. */
  foldIfDue(): void {
    if (this.tail.size === 0) return;
    if (this.tail.size >= this.options.foldRows || this.tail.ageMs() >= this.options.foldIntervalMs) {
      this.tryFold();
      return;
    }
    this.foldTimer ??= setTimeout(() => {
      this.foldTimer = undefined;
      if (this.open) this.tryFold();
    }, Math.max(1, this.options.foldIntervalMs - this.tail.ageMs()));
  }

  /** Folds the whole tail now; throws what the fold threw (the tail is kept for the next try). */
  fold(): void {
    clearTimeout(this.foldTimer);
    this.foldTimer = undefined;
    const startedAt = Date.now();
    if (this.tail.size === 0) {
      this.onFolded(startedAt);
      return;
    }
    try {
      this.folder.fold(this.tail);
    } catch (error) {
      if (this.tail.size >= this.options.maxUnfoldedRows) {
        throw PipelineError.unavailable(`sqlite store cannot fold its last ${this.tail.size} rows: ${(error as Error).message}`,
          STORE_RETRY_AFTER_SECONDS, error);
      }
      throw error;
    }
    this.tail.clear();
    this.onFolded(startedAt);
  }

  markInactiveSessions(now: Date, inactivityMs: number): number {
    this.fold();
    return this.maintenance.markInactiveSessions(now, inactivityMs);
  }

  deletePendingModelCalls(spans: readonly SpanRef[]): void {
    this.maintenance.deletePendingModelCalls(spans);
  }

  /** `archived`: the archived tables were archived and deleted already (SqliteStore.deleteExpired). */
  async deleteExpired(now: Date, retention: Retention, archived: boolean): Promise<void> {
    this.fold();
    await this.maintenance.deleteExpired(now, retention, () => this.open, archived);
    if (this.open) this.alerts.deleteExpired(now.getTime() - retention.hourlyMetricsMs, now.getTime() - retention.hourlyMetricsMs);
  }

  /** Deletes archived rows still stored as archived, in one transaction; returns how many. */
  deleteArchived(collection: ArchivedCollection, docs: readonly ArchivedDocument[]): number {
    return this.archived.deleteArchived(collection, docs);
  }

  /** Folds what is left and closes the file. */
  close(): void {
    if (!this.open) return;
    this.open = false;
    try {
      this.fold();
    } finally {
      this.db.close();
    }
  }

  private tryFold(): void {
    try {
      this.fold();
    } catch (error) {
      // Kept for the next fold; appends report the failure once the tail reaches its bound.
      log.warn('sqlite store: fold failed; the rows stay unfolded and are folded on the next try', { rows: this.tail.size, error });
    }
  }
}
