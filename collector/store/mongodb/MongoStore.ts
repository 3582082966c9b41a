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
import { MongoClient, type Db } from 'mongodb';
import { PipelineError } from '../../errors.js';
import { log } from '../../log.js';
import type {
  AgentDay, ApiMetric, DayRangeQuery, RequestQuery, Retention, Rollup, RollupQuery, ServiceSummary, SessionCounts,
  SessionQuery, SpanRecord, Store, UserSession, WriteResult,
} from '../types.js';
import { COLLECTIONS, type Keyed } from './documents.js';
import { MongoMaintenance } from './MongoMaintenance.js';
import { ensureIndexes } from './mongoIndexes.js';
import { MongoReader } from './MongoReader.js';
import { MongoWriter } from './MongoWriter.js';
import { toPipelineError, withRetries } from './mongoErrors.js';
import { WriteLease } from './WriteLease.js';

const DAY_MS = 86_400_000;
/** Said once per process, not once per store. */
let ttlWarningLogged = false;

/** SPEC §3: raw 30 days, hourly 90 days, daily and agent 400 days; sessions 400 days after their last activity. */
export const DEFAULT_RETENTION: Retention = {
  apiMetricsMs: 30 * DAY_MS,
  hourlyMetricsMs: 90 * DAY_MS,
  dailyMetricsMs: 400 * DAY_MS,
  agentMetricsMs: 400 * DAY_MS,
  sessionsMs: 400 * DAY_MS,
};

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
  /** Extra attempts of a write after a transient failure (within timeoutMs). Default 3. */
  writeRetries?: number;
  /** Connections of this store. Default 10 (FerretDB 1.x deadlocks with ~100 concurrent updates). */
  maxPoolSize?: number;
  /** How long a unit of counting may stay unfinished before another collector completes it, ms. Default 30000. */
  unitLeaseMs?: number;
  /** How often units left by stopped collectors are looked for, ms; 0 disables. Default 10000. */
  recoveryIntervalMs?: number;
  /**
   * Serialise writes of all processes with a lease document: needed on servers whose updates
   * are not atomic (WriteLease.ts). `auto` turns it on for FerretDB only. Default `auto`.
   */
  crossProcessWriteLock?: 'auto' | boolean;
}

interface Open {
  client: MongoClient;
  db: Db;
  writer: MongoWriter;
  reader: MongoReader;
  maintenance: MongoMaintenance;
  lease: WriteLease | undefined;
}

/** What start() found out about the server. */
export interface MongoServerInfo {
  ferretdb: boolean;
  ttlSupported: boolean;
}

export class MongoStore implements Store {
  readonly backend = 'mongodb' as const;
  private readonly options: Required<Omit<MongoStoreOptions, 'retention'>> & { retention: Retention };
  private state: 'new' | 'open' | 'closed' = 'new';
  private open: Open | undefined;
  /** Serialises writes and maintenance of this store (see MongoWriter: units finish in order). */
  private queue: Promise<unknown> = Promise.resolve();
  private recoveryTimer: NodeJS.Timeout | undefined;
  serverInfo: MongoServerInfo | undefined;

  constructor(options: MongoStoreOptions) {
    this.options = {
      database: 'aiAgent', timeoutMs: 5000, writeRetries: 3, maxPoolSize: 10, unitLeaseMs: 30_000, recoveryIntervalMs: 10_000,
      crossProcessWriteLock: 'auto', ...options, retention: { ...DEFAULT_RETENTION, ...options.retention },
    };
  }

  async start(): Promise<void> {
    if (this.state === 'open') return;
    if (this.state === 'closed') throw PipelineError.unavailable('mongodb store is shut down and cannot be restarted');
    const { uri, database, timeoutMs, maxPoolSize } = this.options;
    const client = new MongoClient(uri, {
      appName: 'spanpulse', maxPoolSize, serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs,
      // A server that accepts a request and never answers must not hold a batch forever.
      socketTimeoutMS: Math.max(30_000, 6 * timeoutMs),
    });
    try {
      await client.connect();
      const db = client.db(database);
      const buildInfo = await db.admin().command({ buildInfo: 1 });
      const ferretdb = typeof buildInfo['ferretdbVersion'] === 'string';
      const indexes = await ensureIndexes(db, this.options.retention);
      if (!indexes.ttlSupported && !ttlWarningLogged) {
        ttlWarningLogged = true;
        log.info('mongodb store: server has no TTL indexes; retention is applied by the maintenance job only');
      }
      if (indexes.ttlChanged.length > 0) log.info('mongodb store: TTL periods changed', { indexes: indexes.ttlChanged });
      this.serverInfo = { ferretdb, ttlSupported: indexes.ttlSupported };
      const lockWrites = this.options.crossProcessWriteLock === 'auto' ? ferretdb : this.options.crossProcessWriteLock;
      this.open = {
        client, db,
        writer: new MongoWriter(db, randomBytes(6).toString('hex'), { unitLeaseMs: this.options.unitLeaseMs, serializedWriters: lockWrites }),
        reader: new MongoReader(db), maintenance: new MongoMaintenance(db),
        lease: lockWrites ? new WriteLease(db.collection<Keyed>(COLLECTIONS.locks), Math.max(10_000, 2 * timeoutMs), timeoutMs) : undefined,
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
    await this.queue.catch(() => undefined);
    await this.open?.client.close().catch(() => undefined);
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
    return this.exclusive(() => withRetries('write', this.retryOptions(), () => this.leased(open, () => open.writer.write(records))));
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

  findAgentDays(query: DayRangeQuery): Promise<AgentDay[]> {
    return this.read('findAgentDays', () => this.ready().reader.findAgentDays(query));
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

  async markInactiveSessions(now: Date, inactivityMs: number): Promise<number> {
    const open = this.ready();
    return this.exclusive(() => this.leased(open, () => open.maintenance.markInactiveSessions(now, inactivityMs)))
      .catch((error: unknown) => Promise.reject(toPipelineError(error, 'markInactiveSessions')));
  }

  async deleteExpired(now: Date, retention: Retention): Promise<void> {
    const open = this.ready();
    return this.exclusive(() => this.leased(open, () => open.maintenance.deleteExpired(now, retention)))
      .catch((error: unknown) => Promise.reject(toPipelineError(error, 'deleteExpired')));
  }

  /** Completes units of counting left unfinished by stopped collectors; also runs on a timer. Returns how many. */
  async recoverStaleUnits(): Promise<number> {
    const open = this.ready();
    return this.exclusive(() => this.leased(open, () => open.writer.recoverStaleUnits()));
  }

  private scheduleRecovery(): void {
    const interval = this.options.recoveryIntervalMs;
    if (interval <= 0 || this.state !== 'open') return;
    this.recoveryTimer = setTimeout(() => {
      this.recoverStaleUnits()
        .then((count) => { if (count > 0) log.info('mongodb store: completed units of stopped collectors', { count }); })
        .catch((error: unknown) => log.debug('mongodb store: recovery of stale units failed; will retry', { error }))
        .finally(() => this.scheduleRecovery());
    }, interval);
    this.recoveryTimer.unref();
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

  private leased<T>(open: Open, work: () => Promise<T>): Promise<T> {
    return open.lease === undefined ? work() : open.lease.run(work);
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
