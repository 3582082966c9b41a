/**
 * The MongoDB store opened only to read it (StoreReadOnly): a client and the reader's
 * queries, no index creation, no unit recovery, no heartbeat, so a command run from cron
 * leaves no trace in the database.
 */
import { performance } from 'node:perf_hooks';
import { MongoClient, type Db } from 'mongodb';
import type { StoreReadOnly } from '../StoreReadOnly.js';
import type { RollupQuery } from '../types.js';
import { toPipelineError } from './mongoErrors.js';
import { MongoReader } from './MongoReader.js';

export class MongoReadOnly implements StoreReadOnly {
  readonly backend = 'mongodb' as const;
  private constructor(private readonly client: MongoClient, private readonly db: Db, private readonly reader: MongoReader) {}

  /** Connects (rejecting with the driver's reason, e.g. server selection, within `timeoutMs`). */
  static async open(uri: string, database: string, timeoutMs: number): Promise<MongoReadOnly> {
    const client = new MongoClient(uri, { appName: 'spanpulse-cli', serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs });
    try {
      await client.connect();
    } catch (error) {
      await client.close().catch(() => undefined);
      throw toPipelineError(error, 'connect');
    }
    const db = client.db(database);
    return new MongoReadOnly(client, db, new MongoReader(db));
  }

  async ping(): Promise<number> {
    const started = performance.now();
    await this.read('ping', () => this.db.command({ ping: 1 }));
    return performance.now() - started;
  }

  findRollups(query: RollupQuery) {
    return this.read('findRollups', () => this.reader.findRollups(query));
  }

  listServices() {
    return this.read('listServices', () => this.reader.listServices());
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => undefined);
  }

  private async read<T>(operation: string, query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (error) {
      throw toPipelineError(error, operation);
    }
  }
}
