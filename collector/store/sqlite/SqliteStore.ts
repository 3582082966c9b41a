/**
 * The embedded store: one SQLite file (better-sqlite3), used when no MongoDB is configured
 * so that `npm start` works with nothing else installed.
 *
 * better-sqlite3 is synchronous: a write runs to its durable commit before the returned
 * promise settles, and calls made together (Promise.all) run one after the other. That is
 * the right shape for the collector, which already groups requests into one batch per
 * commit; the event loop is blocked only for one batch at a time.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { PipelineError } from '../../errors.js';
import type {
  AgentDay, ApiMetric, DayRangeQuery, RequestQuery, Retention, Rollup, RollupQuery, ServiceSummary, SessionCounts,
  SessionQuery, SpanRecord, Store, UserSession, WriteResult,
} from '../types.js';
import { prepareDatabase } from './schema.js';
import { toPipelineError } from './sqliteErrors.js';
import { SqliteMaintenance } from './SqliteMaintenance.js';
import { SqliteReader } from './SqliteReader.js';
import { SqliteWriter } from './SqliteWriter.js';

export interface SqliteStoreOptions {
  /**
   * The database file; its parent directory is created when missing. `:memory:` keeps
   * everything in memory (tests only: nothing is durable). No default here: the collector's
   * config defaults it to `${SPANPULSE_DATA_DIR}/spanpulse.db` (`./data/spanpulse.db`).
   */
  path: string;
  /** How long a write waits for another connection's lock before failing as retryable, ms. Default 5000. */
  busyTimeoutMs?: number;
}

interface Open {
  db: Database.Database;
  writer: SqliteWriter;
  reader: SqliteReader;
  maintenance: SqliteMaintenance;
}

export class SqliteStore implements Store {
  readonly backend = 'sqlite' as const;
  private readonly options: Required<SqliteStoreOptions>;
  private state: 'new' | 'open' | 'closed' = 'new';
  private open: Open | undefined;
  private maintenanceRunning: Promise<void> | undefined;

  constructor(options: SqliteStoreOptions) {
    this.options = { busyTimeoutMs: 5000, ...options };
  }

  async start(): Promise<void> {
    if (this.state === 'open') return;
    if (this.state === 'closed') throw PipelineError.unavailable('sqlite store is shut down and cannot be restarted');
    const { path, busyTimeoutMs } = this.options;
    let db: Database.Database | undefined;
    try {
      if (path !== ':memory:' && !path.startsWith('file:')) mkdirSync(dirname(path), { recursive: true });
      db = new Database(path);
      prepareDatabase(db, busyTimeoutMs);
      this.open = { db, writer: new SqliteWriter(db), reader: new SqliteReader(db), maintenance: new SqliteMaintenance(db) };
      this.state = 'open';
    } catch (error) {
      db?.close();
      throw toPipelineError(error, `open of ${path}`);
    }
  }

  async shutdown(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    await this.maintenanceRunning?.catch(() => undefined);
    this.open?.db.close();
    this.open = undefined;
  }

  async write(records: readonly SpanRecord[]): Promise<WriteResult> {
    const { writer } = this.ready();
    if (records.length === 0) return { stored: 0, duplicates: 0 };
    return this.run('write', () => writer.write(records));
  }

  async ping(): Promise<number> {
    const { db } = this.ready();
    return this.run('ping', () => {
      const started = performance.now();
      db.prepare('SELECT 1').get();
      return performance.now() - started;
    });
  }

  async findRollups(query: RollupQuery): Promise<Rollup[]> {
    const { reader } = this.ready();
    return this.run('read', () => reader.findRollups(query));
  }

  async findAgentDays(query: DayRangeQuery): Promise<AgentDay[]> {
    const { reader } = this.ready();
    return this.run('read', () => reader.findAgentDays(query));
  }

  async countSessions(query: SessionQuery): Promise<SessionCounts> {
    const { reader } = this.ready();
    return this.run('read', () => reader.countSessions(query));
  }

  async listServices(): Promise<ServiceSummary[]> {
    const { reader } = this.ready();
    return this.run('read', () => reader.listServices());
  }

  async findRequests(query: RequestQuery): Promise<ApiMetric[]> {
    const { reader } = this.ready();
    return this.run('read', () => reader.findRequests(query));
  }

  async findSession(serviceName: string, sessionId: string): Promise<UserSession | null> {
    const { reader } = this.ready();
    return this.run('read', () => reader.findSession(serviceName, sessionId));
  }

  async markInactiveSessions(now: Date, inactivityMs: number): Promise<number> {
    const { maintenance } = this.ready();
    return this.run('markInactiveSessions', () => maintenance.markInactiveSessions(now, inactivityMs));
  }

  async deleteExpired(now: Date, retention: Retention): Promise<void> {
    const { maintenance } = this.ready();
    const running = maintenance.deleteExpired(now, retention, () => this.state === 'open')
      .catch((error: unknown) => { throw toPipelineError(error, 'deleteExpired'); });
    this.maintenanceRunning = running;
    try {
      await running;
    } finally {
      if (this.maintenanceRunning === running) this.maintenanceRunning = undefined;
    }
  }

  private ready(): Open {
    if (this.state === 'open' && this.open !== undefined) return this.open;
    throw PipelineError.unavailable(this.state === 'new' ? 'sqlite store is not started' : 'sqlite store is shut down');
  }

  private run<T>(action: string, work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw toPipelineError(error, action);
    }
  }
}
