/**
 * The store factory: the first exporter of `service.pipelines.traces.exporters` that is
 * configured (mongodb: its uri is set; sqlite: always). Backends are imported on demand so a
 * SQLite-only deployment never loads the MongoDB driver and vice versa.
 */
import { ConfigSchema, type Config } from '../config/Config.js';
import type { StoreReadOnly } from './StoreReadOnly.js';
import type { Retention, Store } from './types.js';

export async function createStore(config: Config): Promise<Store> {
  const { mongodb, sqlite } = config.exporters;
  if (chosenBackend(config) === 'mongodb') {
    const { MongoStore } = await import('./mongodb/MongoStore.js');
    return new MongoStore({
      uri: mongodb.uri, database: mongodb.database, timeoutMs: mongodb.timeout, retention: retentionOf(config), archive: config.extensions.retention.archive,
    });
  }
  const { SqliteStore } = await import('./sqlite/SqliteStore.js');
  return new SqliteStore({ path: sqlite.path, synchronous: sqlite.synchronous });
}

/** The same store, opened only to read it (StoreReadOnly.ts), for commands beside or without a collector. */
export async function openStoreReadOnly(config: Config): Promise<StoreReadOnly> {
  const { mongodb, sqlite } = config.exporters;
  if (chosenBackend(config) === 'mongodb') {
    const { MongoReadOnly } = await import('./mongodb/MongoReadOnly.js');
    return MongoReadOnly.open(mongodb.uri, mongodb.database, mongodb.timeout);
  }
  const { SqliteReadOnly } = await import('./sqlite/SqliteReadOnly.js');
  return new SqliteReadOnly(sqlite.path);
}

/** Which store a config means: the first of `service.pipelines.traces.exporters` that is configured. */
export function chosenBackend(config: Config): Store['backend'] {
  const chosen = config.service.pipelines.traces.exporters.find((name) => name !== 'mongodb' || config.exporters.mongodb.uri !== '');
  return chosen === 'mongodb' ? 'mongodb' : 'sqlite';
}

export function retentionOf(config: Config): Retention {
  const retention = config.extensions.retention;
  return {
    apiMetricsMs: retention.api_metrics,
    minuteMetricsMs: retention.minute_metrics,
    hourlyMetricsMs: retention.hourly_metrics,
    dailyMetricsMs: retention.daily_metrics,
    agentMetricsMs: retention.agent_metrics,
    sessionsMs: retention.user_sessions,
  };
}

/** The retention of a config that sets none (the config schema's defaults are the one definition). */
export const DEFAULT_RETENTION: Retention = retentionOf(ConfigSchema.parse({}));
