/**
 * The embedded store: one SQLite file (better-sqlite3), used when no MongoDB is configured
 * so that `npm start` works with nothing else installed.
 *
 * Writes go to a writer thread (WriterThread.ts, writerThreadMain.ts) that owns the only writing
 * connection: a write resolves once its raw rows are committed, and the thread folds them
 * into the figures soon after (SqliteWriter.ts). Reads run on this thread's own connection
 * (WAL readers never wait for the writer), after asking the writer to fold what it holds, so
 * a read sees every write that resolved before it started. Except under load: while writes
 * are in flight, a read finding that a fold started within BUSY_READ_STALENESS_MS reads at once
 * and may miss the writes answered since (README "Storage"): waiting for a fold behind a
 * saturated writer took the status API 300-500 ms. One collector process per file.
 */
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { PipelineError } from '../../errors.js';
import { storeUnavailable } from '../storeErrors.js';
import type {
  AgentDay, ApiMetric, ArchiveOptions, DayRangeQuery, KnownDimensions, MinuteQuery, MinuteRollup, ModelCallQuery, ModelCallSums, ModelDay, PendingModelCallRecord, RequestQuery, Retention, Rollup,
  RollupQuery, ServiceSummary, SessionCounts, SessionListQuery, SessionQuery, SessionSpans, SessionSpansQuery, SpanRecord, SpanRef, Store, UserSession, WriteResult,
} from '../types.js';
import { archiveExpired } from '../archive/archiveExpired.js';
import { prepareConnection, type Synchronous } from './schema.js';
import type { AlertDelivery, AlertEvent, AlertEventKey, AlertEventState, AlertValueNote, Silence } from '../alertTypes.js';
import { SqliteAlertReader } from './SqliteAlerts.js';
import { SqliteArchiveRows } from './SqliteArchiveRows.js';
import { SqliteReader } from './SqliteReader.js';
import { WriterThread } from './WriterThread.js';

/** How far behind the newest writes a read may be while the writer is busy, ms. */
const BUSY_READ_STALENESS_MS = 1000;

export interface SqliteStoreOptions {
  /**
   * The database file; its parent directory is created when missing. No default here: the
   * collector's config defaults it to `${SPANPULSE_DATA_DIR}/spanpulse.db` (`./data/spanpulse.db`).
   */
  path: string;
  /** How long a statement waits for another connection's lock before failing as retryable, ms. Default 5000. */
  busyTimeoutMs?: number;
  /** `full` (default): an acknowledged write survives a power loss; `normal`: only a process crash (schema.ts). */
  synchronous?: Synchronous;
  /** Fold the unfolded raw rows once there are this many. Default 20 000. */
  foldRows?: number;
  /** ... or once the oldest is this old, ms. Default 500. */
  foldIntervalMs?: number;
  /** Refuse writes (503) while this many raw rows cannot be folded. Default 200 000. */
  maxUnfoldedRows?: number;
}

export class SqliteStore implements Store {
  readonly backend = 'sqlite' as const;
  readonly name = 'exporter/sqlite';
  private readonly options: Required<SqliteStoreOptions>;
  private state: 'new' | 'open' | 'closed' = 'new';
  private writer: WriterThread | undefined;
  private db: Database.Database | undefined;
  private reader: SqliteReader | undefined;
  private alertReader: SqliteAlertReader | undefined;
  /** The fold last sent to the writer, until it answers. */
  private sentFold: Promise<void> | undefined;
  /** The fold to send once sentFold is answered, shared by the reads that start meanwhile. */
  private nextFold: Promise<void> | undefined;

  constructor(options: SqliteStoreOptions) {
    if (options.path === ':memory:' || options.path.startsWith('file:')) {
      throw new Error('sqlite store: the path must be a file (the writer thread and the readers open it separately)');
    }
    this.options = { busyTimeoutMs: 5000, synchronous: 'full', foldRows: 20_000, foldIntervalMs: 500, maxUnfoldedRows: 200_000, ...options };
  }

  async start(): Promise<void> {
    if (this.state === 'open') return;
    if (this.state === 'closed') throw PipelineError.unavailable('sqlite store is shut down and cannot be restarted');
    const writer = new WriterThread(this.options);
    await writer.start();
    try {
      // The writer created the schema; this connection only reads.
      const db = new Database(this.options.path);
      prepareConnection(db, this.options, 'reader');
      db.pragma('query_only = 1');
      this.db = db;
      this.reader = new SqliteReader(db);
      this.alertReader = new SqliteAlertReader(db);
    } catch (error) {
      await writer.close();
      throw error;
    }
    this.writer = writer;
    this.state = 'open';
  }

  async shutdown(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    await this.nextFold?.catch(() => undefined);
    await this.writer?.close();
    this.db?.close();
    this.writer = undefined;
    this.db = undefined;
    this.reader = undefined;
    this.alertReader = undefined;
  }

  async write(records: readonly SpanRecord[]): Promise<WriteResult> {
    const writer = this.ready().writer;
    if (records.length === 0) return { stored: 0, duplicates: 0, rejected: [] };
    return writer.call('append', records);
  }

  /**
   * On the reading connection: the file answers. Not through the writer thread, where a ping
   * would wait behind every queued write (the queue's depth is in /api/status and /metrics).
   */
  async ping(): Promise<number> {
    const started = performance.now();
    this.readNow('ping', (reader) => reader.ping());
    return performance.now() - started;
  }

  findRollups(query: RollupQuery): Promise<Rollup[]> {
    return this.read('findRollups', (reader) => reader.findRollups(query));
  }

  findMinuteRollups(query: MinuteQuery): Promise<MinuteRollup[]> {
    return this.read('findMinuteRollups', (reader) => reader.findMinuteRollups(query));
  }

  findAgentDays(query: DayRangeQuery): Promise<AgentDay[]> {
    return this.read('findAgentDays', (reader) => reader.findAgentDays(query));
  }

  findModelDays(query: DayRangeQuery): Promise<ModelDay[]> {
    return this.read('findModelDays', (reader) => reader.findModelDays(query));
  }

  /** genai_pending is written in the append transaction itself: no fold needed to see it. */
  async pendingModelCalls(receivedBefore: Date, limit: number): Promise<PendingModelCallRecord[]> {
    return this.readNow('pendingModelCalls', (reader) => reader.pendingModelCalls(receivedBefore, limit));
  }

  async countPendingModelCalls(): Promise<number> {
    return this.readNow('countPendingModelCalls', (reader) => reader.countPendingModelCalls());
  }

  deletePendingModelCalls(spans: readonly SpanRef[]): Promise<void> {
    if (spans.length === 0) return Promise.resolve();
    return this.ready().writer.call('deletePendingModelCalls', spans);
  }

  countSessions(query: SessionQuery): Promise<SessionCounts> {
    return this.read('countSessions', (reader) => reader.countSessions(query));
  }

  listServices(): Promise<ServiceSummary[]> {
    return this.read('listServices', (reader) => reader.listServices());
  }

  findRequests(query: RequestQuery): Promise<ApiMetric[]> {
    return this.read('findRequests', (reader) => reader.findRequests(query));
  }

  findSession(serviceName: string, sessionId: string): Promise<UserSession | null> {
    return this.read('findSession', (reader) => reader.findSession(serviceName, sessionId));
  }

  sumModelCalls(query: ModelCallQuery): Promise<ModelCallSums[]> {
    return this.read('sumModelCalls', (reader) => reader.sumModelCalls(query));
  }

  listSessions(query: SessionListQuery): Promise<UserSession[]> {
    return this.read('listSessions', (reader) => reader.listSessions(query));
  }

  findSessionSpans(query: SessionSpansQuery): Promise<SessionSpans> {
    return this.read('findSessionSpans', (reader) => reader.findSessionSpans(query));
  }

  knownDimensions(since: Date, limit: number): Promise<KnownDimensions> {
    return this.read('knownDimensions', (reader) => reader.knownDimensions(since, limit));
  }

  markInactiveSessions(now: Date, inactivityMs: number): Promise<number> {
    return this.ready().writer.call('markInactiveSessions', now, inactivityMs);
  }

  /**
   * With `archive`, the archive's file work runs here, on the main thread's event loop (async
   * gzip and fsync), selecting on the reading connection and deleting a batch at a time on the
   * writer thread, so appends go on between batches; the writer then deletes what is not archived.
   */
  async deleteExpired(now: Date, retention: Retention, archive?: ArchiveOptions): Promise<void> {
    const { writer } = this.ready();
    if (archive !== undefined) {
      await this.foldBeforeRead(writer);
      const rows = new SqliteArchiveRows(this.ready().db);
      await archiveExpired({
        expired: async (collection, before, limit) => this.readNow('archive', () => rows.expired(collection, before, limit)),
        deleteArchived: (collection, docs) => this.ready().writer.call('deleteArchived', collection, docs),
      }, now, retention, archive, () => this.state === 'open' && archive.signal?.aborted !== true);
    }
    return this.ready().writer.call('deleteExpired', now, retention, archive !== undefined);
  }

  currentAlertEvents(): Promise<AlertEvent[]> {
    return this.readAlerts('currentAlertEvents', (reader) => reader.currentAlertEvents());
  }

  async addAlertEvents(events: readonly AlertEvent[]): Promise<boolean[]> {
    return events.length === 0 ? [] : this.ready().writer.call('addAlertEvents', events);
  }

  async updateAlertValues(notes: readonly AlertValueNote[]): Promise<void> {
    if (notes.length > 0) await this.ready().writer.call('updateAlertValues', notes);
  }

  setAlertDeliveries(key: AlertEventKey, deliveries: readonly AlertDelivery[]): Promise<void> {
    return this.ready().writer.call('setAlertDeliveries', key, deliveries);
  }

  findAlertEvents(from: Date, states: readonly AlertEventState[]): Promise<AlertEvent[]> {
    return this.readAlerts('findAlertEvents', (reader) => reader.findAlertEvents(from, states));
  }

  listSilences(after: Date): Promise<Silence[]> {
    return this.readAlerts('listSilences', (reader) => reader.listSilences(after));
  }

  addSilence(silence: Silence): Promise<void> {
    return this.ready().writer.call('addSilence', silence);
  }

  deleteSilence(id: string): Promise<boolean> {
    return this.ready().writer.call('deleteSilence', id);
  }

  /** The alert tables are written straight by the writer thread (no tail): nothing to fold first. */
  private async readAlerts<T>(action: string, query: (reader: SqliteAlertReader) => T): Promise<T> {
    this.ready();
    try {
      return query(this.alertReader!);
    } catch (error) {
      throw storeUnavailable('sqlite', action, error);
    }
  }

  private async read<T>(action: string, query: (reader: SqliteReader) => T): Promise<T> {
    const { writer } = this.ready();
    if (writer.appendsInFlight === 0 || Date.now() - writer.foldedThrough() > BUSY_READ_STALENESS_MS) await this.foldBeforeRead(writer);
    return this.readNow(action, query);
  }

  /** A query on the reading connection as it is (no fold first). */
  private readNow<T>(action: string, query: (reader: SqliteReader) => T): T {
    const reader = this.ready().reader;
    try {
      return query(reader);
    } catch (error) {
      throw storeUnavailable('sqlite', action, error);
    }
  }

  /**
   * A fold sent after the read started: the writer answers calls in order, so it then holds
   * no write that resolved before. A fold already sent may predate such a write, so the read
   * waits for the next one (shared, so a burst of reads costs one extra fold at most).
   */
  private foldBeforeRead(writer: WriterThread): Promise<void> {
    if (this.nextFold !== undefined) return this.nextFold;
    const send = (): Promise<void> => {
      this.nextFold = undefined;
      const sent = writer.call('fold');
      this.sentFold = sent;
      sent.then(() => undefined, () => undefined).finally(() => { if (this.sentFold === sent) this.sentFold = undefined; });
      return sent;
    };
    if (this.sentFold === undefined) return send();
    this.nextFold = this.sentFold.then(send, send);
    return this.nextFold;
  }

  private ready(): { writer: WriterThread; reader: SqliteReader; db: Database.Database } {
    if (this.state === 'open' && this.writer !== undefined && this.reader !== undefined && this.db !== undefined) {
      return { writer: this.writer, reader: this.reader, db: this.db };
    }
    throw PipelineError.unavailable(this.state === 'new' ? 'sqlite store is not started' : 'sqlite store is shut down');
  }
}
