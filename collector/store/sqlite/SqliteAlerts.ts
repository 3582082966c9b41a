/**
 * The alert tables of the SQLite store (alertTypes.ts): SqliteAlertWriter runs in the writer
 * thread, on the one writing connection; SqliteAlertReader on the reading one. The primary
 * key (rule, groupKey, seq) is what makes a transition happen once: `INSERT OR IGNORE` of a
 * taken number changes nothing and says so.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { AlertDelivery, AlertEvent, AlertEventKey, AlertEventState, AlertValueNote, Silence } from '../alertTypes.js';
import { alertEventOf, silenceOf } from '../storedAlerts.js';

export const ALERT_SCHEMA = `
CREATE TABLE IF NOT EXISTS alert_events (
  rule TEXT NOT NULL,
  groupKey TEXT NOT NULL,
  seq INTEGER NOT NULL,
  state TEXT NOT NULL,
  at INTEGER NOT NULL,
  metric TEXT NOT NULL,
  service TEXT,
  endpoint TEXT,
  agent TEXT,
  -- Schema version 4 (migrateSchema.ts).
  provider TEXT,
  model TEXT,
  comparison TEXT NOT NULL,
  threshold REAL NOT NULL,
  value REAL,
  peakValue REAL,
  since INTEGER NOT NULL,
  firingSince INTEGER,
  -- JSON array of AlertDelivery, times as epoch ms.
  deliveries TEXT NOT NULL,
  PRIMARY KEY (rule, groupKey, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS alert_events_at ON alert_events (at);
CREATE TABLE IF NOT EXISTS alert_silences (
  id TEXT PRIMARY KEY,
  rule TEXT,
  service TEXT,
  endpoint TEXT,
  agent TEXT,
  fromTime INTEGER NOT NULL,
  toTime INTEGER NOT NULL,
  comment TEXT NOT NULL
);`;

const deliveriesJson = (deliveries: readonly AlertDelivery[]) => JSON.stringify(deliveries.map((d) => ({ ...d, at: d.at.getTime() })));
const time = (stored: unknown) => new Date(Number(stored));
const eventOfRow = (row: Record<string, unknown>) => alertEventOf(row, JSON.parse(String(row['deliveries'])) as Record<string, unknown>[], time);

export class SqliteAlertWriter {
  private readonly insertEvent: Statement;
  private readonly updateValue: Statement;
  private readonly db: Database;
  private readonly updateDeliveries: Statement;
  private readonly insertSilence: Statement;
  private readonly removeSilence: Statement;
  private readonly expireEvents: Statement;
  private readonly expireSilences: Statement;

  constructor(db: Database) {
    this.db = db;
    this.insertEvent = db.prepare(`INSERT OR IGNORE INTO alert_events (rule, groupKey, seq, state, at, metric, service, endpoint, agent,
      provider, model, comparison, threshold, value, peakValue, since, firingSince, deliveries)
      VALUES (@rule, @groupKey, @seq, @state, @at, @metric, @service, @endpoint, @agent, @provider, @model, @comparison, @threshold, @value, @peakValue,
      @since, @firingSince, @deliveries)`);
    this.updateValue = db.prepare('UPDATE alert_events SET value = ?, peakValue = ? WHERE rule = ? AND groupKey = ? AND seq = ?');
    this.updateDeliveries = db.prepare('UPDATE alert_events SET deliveries = ? WHERE rule = ? AND groupKey = ? AND seq = ?');
    this.insertSilence = db.prepare(`INSERT INTO alert_silences (id, rule, service, endpoint, agent, fromTime, toTime, comment)
      VALUES (@id, @rule, @service, @endpoint, @agent, @fromTime, @toTime, @comment)`);
    this.removeSilence = db.prepare('DELETE FROM alert_silences WHERE id = ?');
    // Each rule and group's latest event is its state: kept whatever its age.
    this.expireEvents = db.prepare(`DELETE FROM alert_events WHERE at < ? AND seq < (SELECT max(l.seq) FROM alert_events l
      WHERE l.rule = alert_events.rule AND l.groupKey = alert_events.groupKey)`);
    this.expireSilences = db.prepare('DELETE FROM alert_silences WHERE toTime < ?');
  }

  /** One transaction (one commit) for a cycle's transitions. */
  addEvents(events: readonly AlertEvent[]): boolean[] {
    return this.db.transaction(() => events.map((event) => this.addEvent(event))).immediate();
  }

  private addEvent(event: AlertEvent): boolean {
    return this.insertEvent.run({
      rule: event.rule, groupKey: event.groupKey, seq: event.seq, state: event.state, at: event.at.getTime(), metric: event.metric,
      service: event.service, endpoint: event.endpoint, agent: event.agent, provider: event.provider, model: event.model, comparison: event.comparison, threshold: event.threshold,
      value: event.value, peakValue: event.peakValue, since: event.since.getTime(), firingSince: event.firingSince?.getTime() ?? null,
      deliveries: deliveriesJson(event.deliveries),
    }).changes === 1;
  }

  updateAlertValues(notes: readonly AlertValueNote[]): void {
    this.db.transaction(() => {
      for (const { key, value, peakValue } of notes) this.updateValue.run(value, peakValue, key.rule, key.groupKey, key.seq);
    }).immediate();
  }

  setDeliveries(key: AlertEventKey, deliveries: readonly AlertDelivery[]): void {
    this.updateDeliveries.run(deliveriesJson(deliveries), key.rule, key.groupKey, key.seq);
  }

  addSilence(silence: Silence): void {
    const { from, to, ...rest } = silence;
    this.insertSilence.run({ ...rest, fromTime: from.getTime(), toTime: to.getTime() });
  }

  deleteSilence(id: string): boolean {
    return this.removeSilence.run(id).changes === 1;
  }

  /** Retention: events made before `eventsBefore` (but each state's latest), silences that ended before `silencesBefore`. */
  deleteExpired(eventsBefore: number, silencesBefore: number): void {
    this.expireEvents.run(eventsBefore);
    this.expireSilences.run(silencesBefore);
  }
}

export class SqliteAlertReader {
  private readonly current: Statement;
  private readonly silences: Statement;

  constructor(private readonly db: Database) {
    this.current = db.prepare(`SELECT e.* FROM alert_events e JOIN (SELECT rule, groupKey, max(seq) AS seq FROM alert_events GROUP BY rule, groupKey) l
      ON e.rule = l.rule AND e.groupKey = l.groupKey AND e.seq = l.seq`);
    this.silences = db.prepare('SELECT * FROM alert_silences WHERE toTime > ? ORDER BY fromTime, id');
  }

  currentAlertEvents(): AlertEvent[] {
    return (this.current.all() as Record<string, unknown>[]).map(eventOfRow);
  }

  findAlertEvents(from: Date, states: readonly AlertEventState[]): AlertEvent[] {
    if (states.length === 0) return [];
    const rows = this.db.prepare(`SELECT * FROM alert_events WHERE at >= ? AND state IN (${states.map(() => '?').join(', ')})
      ORDER BY at DESC, rule, groupKey, seq DESC`).all(from.getTime(), ...states) as Record<string, unknown>[];
    return rows.map(eventOfRow);
  }

  listSilences(after: Date): Silence[] {
    return (this.silences.all(after.getTime()) as Record<string, unknown>[]).map((row) => silenceOf(row, time));
  }
}
