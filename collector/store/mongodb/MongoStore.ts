/**
 * The production store: MongoDB through the official driver, behind the Store contract.
 * The documents are those of SPEC §2 (documents.ts); writes count every span exactly once
 * without transactions (MongoWriter), reads use pre-aggregated documents (MongoReader).
 *
 * Writes of one store run one after the other (the pipeline sends one group commit at a
 * time anyway); several collector processes may write the same database at once. A write
 * that fails for a transient reason is retried a few times within `timeoutMs`, then rejected
 * with a retryable 503 PipelineError; 500 is never the answer to a transient failure.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { MongoClient, type CommandFailedEvent, type CommandStartedEvent, type CommandSucceededEvent, type Db } from 'mongodb';
import { PipelineError } from '../../errors.js';
import { log } from '../../log.js';
import { archiveExpired } from '../archive/archiveExpired.js';
import { ARCHIVED_COLLECTIONS } from '../archive/archiveFormat.js';
import { DEFAULT_RETENTION } from '../createStore.js';
import type {
  AgentDay, ApiMetric, ArchiveOptions, DayRangeQuery, KnownDimensions, MinuteQuery, MinuteRollup, ModelCallQuery, ModelCallSums, ModelDay, PendingModelCallRecord, RequestQuery, Retention, Rollup,
  RollupQuery, ServiceSummary, SessionCounts, SessionListQuery, SessionQuery, SessionSpans, SessionSpansQuery, SpanRecord, SpanRef, Store, UserSession, WriteResult,
} from '../types.js';
import { COLLECTIONS, type Keyed } from './documents.js';
import type { AlertDelivery, AlertEvent, AlertEventKey, AlertEventState, AlertValueNote, Silence } from '../alertTypes.js';
import { MongoAlerts } from './MongoAlerts.js';
import { MongoArchiveSource } from './MongoArchiveSource.js';
import { MongoMaintenance } from './MongoMaintenance.js';
import { ensureIndexes } from './mongoIndexes.js';
import { MongoReader } from './MongoReader.js';
import { MongoWriter } from './MongoWriter.js';
import { toPipelineError, withRetries } from './mongoErrors.js';
import { FerretDbCompatibility } from './FerretDbCompatibility.js';
import { removeDeadWriters } from './writerHeartbeats.js';
import { mongodbProtocol, type WriteProtocol } from './WriteProtocol.js';

/** Said once per process, not once per store. */
let ttlWarningLogged = false;


export interface MongoStoreOptions {
  /** Connection string, `mongodb://...` or `mongodb+srv://...`. Required, no default. */
  uri: string;
  /** Database name. Default `aiAgent`. */
  database?: string;
  /**
   * Server selection and connect timeout, and the time within which a failed write is
   * retried before it is answered with 503, in milliseconds. Default 5000.
   */
  timeoutMs?: number;
  /** Retention periods of the TTL indexes (changed in place on start when edited). Default DEFAULT_RETENTION. */
  retention?: Partial<Retention>;
  /**
   * The retention job archives before it deletes (`extensions.retention.archive`): the archived
   * collections get no TTL index, which would delete without archiving. Default false.
   */
  archive?: boolean;
  /** Extra attempts of a write after a transient failure (within timeoutMs). Default 3. */
  writeRetries?: number;
  /** Connections of this store. Default 10 (FerretDB 1.x deadlocks with ~100 concurrent updates). */
  maxPoolSize?: number;
  /** How long a unit of counting may stay unfinished before another collector completes it, ms. Default 30000. */
  unitLeaseMs?: number;
  /** How often units left by stopped collectors are looked for, ms; 0 disables. Default 10000. */
  recoveryIntervalMs?: number;
  /** How long a writer counts as alive after its last unit, ms (writerHeartbeats.ts). Default 600000. */
  heartbeatMs?: number;
  /** How often the guard entries of stopped writers are removed, ms; 0 disables. Default 600000. */
  cleanupIntervalMs?: number;
  /** Tries of a failing unit before it is given up (logged as an error). Default 8. */
  maxRecoveryAttempts?: number;
  /**
   * How the server is written (WriteProtocol.ts): `auto` picks FerretDbCompatibility when the
   * server is FerretDB, else the MongoDB protocol. Default `auto`.
   */
  protocol?: 'auto' | 'mongodb' | 'ferretdb';
  /** Sees every command the store's client sends and its outcome (driver command monitoring; bench/mongo-cost.ts). Default none. */
  commandMonitor?: (event: CommandEvent) => void;
}

export type CommandEvent = CommandStartedEvent | CommandSucceededEvent | CommandFailedEvent;

/** How long after a unit a writer with nothing more to write deletes that unit's document. */
const SETTLE_AFTER_MS = 1000;

interface Open {
  client: MongoClient;
  db: Db;
  writer: MongoWriter;
  reader: MongoReader;
  maintenance: MongoMaintenance;
  alerts: MongoAlerts;
  protocol: WriteProtocol;
}

/** What start() found out about the server. */
export interface MongoServerInfo {
  ferretdb: boolean;
  ttlSupported: boolean;
  /** The WriteProtocol in use. */
  protocol: WriteProtocol['server'];
}

export class MongoStore implements Store {
  readonly backend = 'mongodb' as const;
  readonly name = 'exporter/mongodb';
  private readonly options: Required<Omit<MongoStoreOptions, 'retention' | 'commandMonitor'>> & Pick<MongoStoreOptions, 'commandMonitor'> & { retention: Retention };
  private state: 'new' | 'open' | 'closed' = 'new';
  private open: Open | undefined;
  /** Serialises writes and maintenance of this store (see MongoWriter: units finish in order). */
  private queue: Promise<unknown> = Promise.resolve();
  private recoveryTimer: NodeJS.Timeout | undefined;
  private settleTimer: NodeJS.Timeout | undefined;
  private lastCleanup = Date.now();
  serverInfo: MongoServerInfo | undefined;

  constructor(options: MongoStoreOptions) {
    this.options = {
      database: 'aiAgent', timeoutMs: 5000, writeRetries: 3, maxPoolSize: 10, unitLeaseMs: 30_000, recoveryIntervalMs: 10_000,
      heartbeatMs: 600_000, cleanupIntervalMs: 600_000, maxRecoveryAttempts: 8, protocol: 'auto', archive: false,
      ...options, retention: { ...DEFAULT_RETENTION, ...options.retention },
    };
  }

  async start(): Promise<void> {
    if (this.state === 'open') return;
    if (this.state === 'closed') throw PipelineError.unavailable('mongodb store is shut down and cannot be restarted');
    const { uri, database, timeoutMs, maxPoolSize, commandMonitor } = this.options;
    const client = new MongoClient(uri, {
      appName: 'spanpulse', maxPoolSize, serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs,
      // A server that accepts a request and never answers must not hold a batch forever.
      socketTimeoutMS: Math.max(30_000, 6 * timeoutMs),
      monitorCommands: commandMonitor !== undefined,
    });
    if (commandMonitor) {
      for (const name of ['commandStarted', 'commandSucceeded', 'commandFailed'] as const) client.on(name, commandMonitor);
    }
    try {
      await client.connect();
      const db = client.db(database);
      const buildInfo = await db.admin().command({ buildInfo: 1 });
      const ferretdb = typeof buildInfo['ferretdbVersion'] === 'string';
      const indexes = await ensureIndexes(db, this.options.retention, new Set(this.options.archive ? ARCHIVED_COLLECTIONS : []));
      if (!indexes.ttlSupported && !ttlWarningLogged) {
        ttlWarningLogged = true;
        log.info('mongodb store: server has no TTL indexes; retention is applied by the maintenance job only');
      }
      if (indexes.ttlChanged.length > 0) log.info('mongodb store: TTL periods changed', { indexes: indexes.ttlChanged });
      const kind = this.options.protocol === 'auto' ? (ferretdb ? 'ferretdb' : 'mongodb') : this.options.protocol;
      const protocol = kind === 'ferretdb'
        ? new FerretDbCompatibility(db.collection<Keyed>(COLLECTIONS.locks), Math.max(10_000, 2 * timeoutMs), timeoutMs)
        : mongodbProtocol;
      this.serverInfo = { ferretdb, ttlSupported: indexes.ttlSupported, protocol: protocol.server };
      const { unitLeaseMs, heartbeatMs, maxRecoveryAttempts } = this.options;
      this.open = {
        client, db, protocol,
        writer: new MongoWriter(db, randomBytes(6).toString('hex'), protocol, { unitLeaseMs, heartbeatMs, maxRecoveryAttempts }),
        reader: new MongoReader(db), maintenance: new MongoMaintenance(db), alerts: new MongoAlerts(db),
      };
      this.state = 'open';
    } catch (error) {
      await client.close().catch(() => undefined);
      throw toPipelineError(error, 'start');
    }
    this.scheduleRecovery();
  }

  async shutdown(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.recoveryTimer);
    clearTimeout(this.settleTimer);
    await this.queue.catch(() => undefined);
    const open = this.open;
    if (open !== undefined) {
      // The last unit's document, and a heartbeat that lets the cleanup remove this writer soon.
      await this.exclusive(() => open.writer.settleFinished(new Date())).catch(() => undefined);
      await open.client.close().catch(() => undefined);
    }
    this.open = undefined;
  }

  write(records: readonly SpanRecord[]): Promise<WriteResult> {
    let open: Open;
    try {
      open = this.ready();
    } catch (error) {
      return Promise.reject(error);
    }
    if (records.length === 0) return Promise.resolve({ stored: 0, duplicates: 0, rejected: [] });
    // Not idle: this write's unit start deletes the finished unit anyway.
    clearTimeout(this.settleTimer);
    const written = this.exclusive(() => withRetries('write', this.retryOptions(), () => open.protocol.exclusive(() => open.writer.write(records))));
    void written.then(() => this.settleWhenIdle(open), () => undefined);
    return written;
  }

  /** Deletes the last unit's document once nothing else was written for a moment (MongoWriter). */
  private settleWhenIdle(open: Open): void {
    clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      if (this.state !== 'open') return;
      this.exclusive(() => open.writer.settleFinished())
        .catch((error: unknown) => log.debug('mongodb store: deleting a finished unit failed; the next unit deletes it', { error }));
    }, SETTLE_AFTER_MS);
    this.settleTimer.unref();
  }

  async ping(): Promise<number> {
    const { db } = this.ready();
    const started = performance.now();
    await this.read('ping', () => db.command({ ping: 1 }));
    return performance.now() - started;
  }

  findRollups(query: RollupQuery): Promise<Rollup[]> {
    return this.read('findRollups', () => this.ready().reader.findRollups(query));
  }

  findMinuteRollups(query: MinuteQuery): Promise<MinuteRollup[]> {
    return this.read('findMinuteRollups', () => this.ready().reader.findMinuteRollups(query));
  }

  findAgentDays(query: DayRangeQuery): Promise<AgentDay[]> {
    return this.read('findAgentDays', () => this.ready().reader.findAgentDays(query));
  }

  findModelDays(query: DayRangeQuery): Promise<ModelDay[]> {
    return this.read('findModelDays', () => this.ready().reader.findModelDays(query));
  }

  pendingModelCalls(receivedBefore: Date, limit: number): Promise<PendingModelCallRecord[]> {
    return this.read('pendingModelCalls', () => this.ready().reader.pendingModelCalls(receivedBefore, limit));
  }

  countPendingModelCalls(): Promise<number> {
    return this.read('countPendingModelCalls', () => this.ready().reader.countPendingModelCalls());
  }

  async deletePendingModelCalls(spans: readonly SpanRef[]): Promise<void> {
    const open = this.ready();
    return this.read('deletePendingModelCalls', () => open.maintenance.deletePendingModelCalls(spans));
  }

  countSessions(query: SessionQuery): Promise<SessionCounts> {
    return this.read('countSessions', () => this.ready().reader.countSessions(query));
  }

  listServices(): Promise<ServiceSummary[]> {
    return this.read('listServices', () => this.ready().reader.listServices());
  }

  findRequests(query: RequestQuery): Promise<ApiMetric[]> {
    return this.read('findRequests', () => this.ready().reader.findRequests(query));
  }

  findSession(serviceName: string, sessionId: string): Promise<UserSession | null> {
    return this.read('findSession', () => this.ready().reader.findSession(serviceName, sessionId));
  }

  sumModelCalls(query: ModelCallQuery): Promise<ModelCallSums[]> {
    return this.read('sumModelCalls', () => this.ready().reader.sumModelCalls(query));
  }

  listSessions(query: SessionListQuery): Promise<UserSession[]> {
    return this.read('listSessions', () => this.ready().reader.listSessions(query));
  }

  findSessionSpans(query: SessionSpansQuery): Promise<SessionSpans> {
    return this.read('findSessionSpans', () => this.ready().reader.findSessionSpans(query));
  }

  knownDimensions(since: Date, limit: number): Promise<KnownDimensions> {
    return this.read('knownDimensions', () => this.ready().reader.knownDimensions(since, limit));
  }

  async markInactiveSessions(now: Date, inactivityMs: number): Promise<number> {
    const open = this.ready();
    return this.exclusive(() => open.protocol.exclusive(() => open.maintenance.markInactiveSessions(now, inactivityMs)))
      .catch((error: unknown) => Promise.reject(toPipelineError(error, 'markInactiveSessions')));
  }

  /**
   * With `archive`, each archived batch is deleted in its own turn among the writes (the file
   * work runs between turns, so writes go on meanwhile); the rest is deleted in one turn after.
   */
  async deleteExpired(now: Date, retention: Retention, archive?: ArchiveOptions): Promise<void> {
    const open = this.ready();
    const turn = <T>(work: () => Promise<T>) => this.exclusive(() => open.protocol.exclusive(work));
    try {
      if (archive !== undefined) {
        const source = new MongoArchiveSource(open.db, turn);
        await archiveExpired(source, now, retention, archive, () => this.state === 'open' && archive.signal?.aborted !== true);
      }
      const alertsBefore = new Date(now.getTime() - retention.hourlyMetricsMs);
      await turn(async () => {
        await open.maintenance.deleteExpired(now, retention, archive !== undefined);
        await open.alerts.deleteExpired(alertsBefore, alertsBefore);
      });
    } catch (error) {
      throw toPipelineError(error, 'deleteExpired');
    }
  }

  // Alert state goes around the write queue and the FerretDB lease: its documents are not
  // counters (nothing is incremented), and a transition is decided by a unique _id alone.
  currentAlertEvents(): Promise<AlertEvent[]> {
    return this.read('currentAlertEvents', () => this.ready().alerts.currentAlertEvents());
  }

  addAlertEvents(events: readonly AlertEvent[]): Promise<boolean[]> {
    return this.read('addAlertEvents', () => this.ready().alerts.addAlertEvents(events));
  }

  updateAlertValues(notes: readonly AlertValueNote[]): Promise<void> {
    return this.read('updateAlertValues', () => this.ready().alerts.updateAlertValues(notes));
  }

  setAlertDeliveries(key: AlertEventKey, deliveries: readonly AlertDelivery[]): Promise<void> {
    return this.read('setAlertDeliveries', () => this.ready().alerts.setAlertDeliveries(key, deliveries));
  }

  findAlertEvents(from: Date, states: readonly AlertEventState[]): Promise<AlertEvent[]> {
    return this.read('findAlertEvents', () => this.ready().alerts.findAlertEvents(from, states));
  }

  listSilences(after: Date): Promise<Silence[]> {
    return this.read('listSilences', () => this.ready().alerts.listSilences(after));
  }

  addSilence(silence: Silence): Promise<void> {
    return this.read('addSilence', () => this.ready().alerts.addSilence(silence));
  }

  deleteSilence(id: string): Promise<boolean> {
    return this.read('deleteSilence', () => this.ready().alerts.deleteSilence(id));
  }

  /** Completes units of counting left unfinished by stopped collectors; also runs on a timer. Returns how many. */
  async recoverStaleUnits(): Promise<number> {
    const open = this.ready();
    return this.exclusive(() => open.protocol.exclusive(() => open.writer.recoverStaleUnits()));
  }

  /** Removes the guard entries of writers that stopped (writerHeartbeats.ts); also runs on a timer. Returns them. */
  async removeDeadWriters(): Promise<string[]> {
    const open = this.ready();
    const before = new Date(Date.now() - this.options.unitLeaseMs);
    return this.exclusive(() => open.protocol.exclusive(() => removeDeadWriters(open.db, before)));
  }

  private scheduleRecovery(): void {
    const interval = this.options.recoveryIntervalMs;
    if (interval <= 0 || this.state !== 'open') return;
    this.recoveryTimer = setTimeout(() => {
      this.recoverStaleUnits()
        .then((count) => { if (count > 0) log.info('mongodb store: completed units of stopped collectors', { count }); })
        .then(() => this.cleanupIfDue())
        .catch((error: unknown) => log.warn('mongodb store: recovery of stale units failed; will retry', { error }))
        .finally(() => this.scheduleRecovery());
    }, interval);
    this.recoveryTimer.unref();
  }

  private async cleanupIfDue(): Promise<void> {
    const interval = this.options.cleanupIntervalMs;
    if (interval <= 0 || Date.now() - this.lastCleanup < interval) return;
    this.lastCleanup = Date.now();
    const removed = await this.removeDeadWriters();
    if (removed.length > 0) log.info('mongodb store: removed the guard entries of stopped collectors', { writers: removed.length });
  }

  private retryOptions() {
    return {
      retries: this.options.writeRetries,
      budgetMs: this.options.timeoutMs,
      onRetry: (error: unknown, attempt: number) => log.warn('mongodb store: write failed, retrying', { attempt, error }),
    };
  }

  private async read<T>(operation: string, query: () => Promise<T>): Promise<T> {
    this.ready();
    try {
      return await query();
    } catch (error) {
      throw toPipelineError(error, operation);
    }
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work, work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private ready(): Open {
    if (this.state !== 'open' || this.open === undefined) {
      throw PipelineError.unavailable(this.state === 'new' ? 'mongodb store is not started' : 'mongodb store is shut down');
    }
    return this.open;
  }
}
