/**
 * The SQLite store file opened read-only (StoreReadOnly), beside a running collector or
 * without one: WAL lets this connection read while the collector's writer thread writes.
 * It reads what is folded (SqliteWriter): with a collector running, at most one fold interval
 * (500 ms) behind; after a crash, the rows beyond the last fold are counted at the next start.
 */
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { storeUnavailable } from '../storeErrors.js';
import type { StoreReadOnly } from '../StoreReadOnly.js';
import type { RollupQuery } from '../types.js';
import { SCHEMA_VERSION } from './schema.js';
import { SqliteReader } from './SqliteReader.js';

export class SqliteReadOnly implements StoreReadOnly {
  readonly backend = 'sqlite' as const;
  private db: Database.Database | undefined;
  private readonly reader: SqliteReader;

  /** Throws with a message naming the file when it is missing or of another schema version. */
  constructor(path: string, busyTimeoutMs = 5000) {
    if (!existsSync(path)) throw new Error(`no spanpulse store at ${path} (exporters.sqlite.path): a collector creates it on its first start`);
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      db.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
      const version = Number(db.pragma('user_version', { simple: true }));
      if (version !== SCHEMA_VERSION) {
        throw new Error(`${path} has spanpulse schema version ${version}, this version reads ${SCHEMA_VERSION}; ` +
          'start the collector of this version on it once (it upgrades the file in place)');
      }
    } catch (error) {
      db.close();
      throw error;
    }
    this.db = db;
    this.reader = new SqliteReader(db);
  }

  async ping(): Promise<number> {
    const started = performance.now();
    this.read('ping', () => this.open().prepare('SELECT 1').get());
    return performance.now() - started;
  }

  async findRollups(query: RollupQuery) {
    return this.read('findRollups', () => this.reader.findRollups(query));
  }

  async listServices() {
    return this.read('listServices', () => this.reader.listServices());
  }

  async close(): Promise<void> {
    this.db?.close();
    this.db = undefined;
  }

  private open(): Database.Database {
    if (this.db === undefined) throw storeUnavailable('sqlite', 'read', new Error('the store is closed'));
    return this.db;
  }

  private read<T>(action: string, query: () => T): T {
    this.open();
    try {
      return query();
    } catch (error) {
      throw storeUnavailable('sqlite', action, error);
    }
  }
}
