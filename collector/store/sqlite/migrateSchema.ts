/**
 * Upgrading a store file of an earlier schema version in place, in one transaction, so an
 * upgrade keeps what is stored (README "Storage"). A file of a version this code does not know
 * (a newer spanpulse's) is refused by createSchema, never written.
 *
 * Version 1 to 2: the raw tables lose their unique (timestamp, traceId, spanId) constraint,
 * whose index was the old idempotency key; the rows are copied into tables without it, in
 * rowid order, and their keys go into span_ids; every row of version 1 was already counted in
 * the figures, so fold_state starts past them. The two indexes version 2 does without are
 * dropped; the tables it adds are created by createSchema afterwards, as on a new file.
 */
import type { Database } from 'better-sqlite3';
import { log } from '../../log.js';
import { RAW_COLUMNS } from './rawRows.js';
import { RAW_TABLES } from './schema.js';
import { spanIdHash } from './spanIdHash.js';

/** The raw tables of version 1 and 2. */
const V1_RAW_TABLES = ['api_metrics', 'agent_invocations'] as const;
/** Raw columns version 3 added (to the tables of version 2). */
const V3_COLUMNS = ['conversationId'];
/** alert_events columns version 4 added: the group of an alert per model. */
const V4_ALERT_COLUMNS = ['provider', 'model'];

/**
 * Brings a file of version `from` to the current version's tables; false when `from` is not
 * one it knows. Version 2 to 3 adds the conversationId columns; version 3 to 4 the provider
 * and model of alert_events (null in the events stored before: their groups had no model).
 * New tables are created by createSchema afterwards, as on a new file (alert_events too, on a
 * file that never had it).
 */
export function migrateSchema(db: Database, from: number): boolean {
  if (from !== 1 && from !== 2 && from !== 3) return false;
  if (from === 1) migrateFromVersion1(db);
  db.transaction(() => {
    for (const table of V1_RAW_TABLES) addMissingColumns(db, table, V3_COLUMNS);
    addMissingColumns(db, 'alert_events', V4_ALERT_COLUMNS);
    db.pragma('user_version = 4');
  }).immediate();
  log.info(`sqlite store: upgraded the file from schema version ${from} to 4`);
  return true;
}

/** Adds the TEXT columns `table` lacks; nothing when the table does not exist. */
function addMissingColumns(db: Database, table: string, columns: readonly string[]): void {
  const present = new Set((db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map((c) => c.name));
  if (present.size === 0) return;
  for (const column of columns) if (!present.has(column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} TEXT`);
}

function migrateFromVersion1(db: Database): void {
  const started = Date.now();
  db.function('span_id_hash', { deterministic: true }, (traceId: unknown, spanId: unknown) => spanIdHash(String(traceId), String(spanId)));
  db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS span_ids (
      timestamp INTEGER NOT NULL, idHash INTEGER NOT NULL, tableId INTEGER NOT NULL, rowRef INTEGER NOT NULL,
      PRIMARY KEY (timestamp, idHash)) WITHOUT ROWID`);
    db.exec('CREATE TABLE IF NOT EXISTS fold_state (rawTable TEXT PRIMARY KEY, foldedRowid INTEGER NOT NULL) WITHOUT ROWID');
    for (const [tableId, table] of V1_RAW_TABLES.entries()) {
      const columns = RAW_COLUMNS[table].filter((column) => !V3_COLUMNS.includes(column)).join(', ');
      const definition = String((db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) as { sql: string }).sql);
      db.exec(`ALTER TABLE ${table} RENAME TO ${table}_v1`);
      // The version 1 definition without its UNIQUE constraint (the columns are the same).
      db.exec(definition.replace(/,\s*UNIQUE\s*\(timestamp, traceId, spanId\)/i, ''));
      db.exec(`INSERT INTO ${table} (rowid, ${columns}) SELECT rowid, ${columns} FROM ${table}_v1 ORDER BY rowid`);
      db.exec(`DROP TABLE ${table}_v1`);
      db.exec(`INSERT OR IGNORE INTO span_ids (timestamp, idHash, tableId, rowRef)
        SELECT timestamp, span_id_hash(traceId, spanId), ${tableId}, rowid FROM ${table} ORDER BY timestamp`);
      db.prepare('INSERT OR REPLACE INTO fold_state (rawTable, foldedRowid) VALUES (?, (SELECT coalesce(max(rowid), 0) FROM ' + table + '))').run(table);
    }
    db.exec('DROP INDEX IF EXISTS api_metrics_service_timestamp');
    db.exec('DROP INDEX IF EXISTS user_sessions_last_activity');
    db.pragma('user_version = 2');
  }).immediate();
  log.info('sqlite store: upgraded the file from schema version 1 to 2', { ms: Date.now() - started });
}
