/**
 * The store factory: MongoDB when the pipeline lists the mongodb exporter and its uri is
 * set, else the embedded SQLite file. Backends are imported on demand so a SQLite-only
 * deployment never loads the MongoDB driver and vice versa.
 */
import type { Config } from '../config/Config.js';
import type { Retention, Store } from './types.js';

export async function createStore(config: Config): Promise<Store> {
  const exporters = config.service.pipelines.traces.exporters;
  const mongodb = config.exporters.mongodb;
  if (exporters.includes('mongodb') && mongodb.uri !== '') {
    const { MongoStore } = await import('./mongodb/MongoStore.js');
    return new MongoStore({ uri: mongodb.uri, database: mongodb.database, timeoutMs: mongodb.timeout, retention: retentionOf(config) });
  }
  const { SqliteStore } = await import('./sqlite/SqliteStore.js');
  return new SqliteStore({ path: config.exporters.sqlite.path });
}

export function retentionOf(config: Config): Retention {
  const retention = config.extensions.retention;
  return {
    apiMetricsMs: retention.api_metrics,
    hourlyMetricsMs: retention.hourly_metrics,
    dailyMetricsMs: retention.daily_metrics,
    agentMetricsMs: retention.agent_metrics,
    sessionsMs: retention.user_sessions,
  };
}
