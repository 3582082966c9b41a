/**
 * The alert collections of the MongoDB store (alertTypes.ts). `alert_events` has one document
 * per transition, `_id` = [rule, groupKey, seq]: the unique `_id` is what makes a transition
 * happen once with several collectors on one database, on MongoDB and on FerretDB alike (an
 * insert only probes the unique index, so this needs no atomic update, which FerretDB 1.x
 * lacks). `current` marks the latest event of each rule and group, the one read as its state;
 * a reader that finds two (a collector stopped between insert and unmarking) keeps the later.
 */
import type { Collection, Db, Document } from 'mongodb';
import type { AlertDelivery, AlertEvent, AlertEventKey, AlertEventState, AlertValueNote, Silence } from '../alertTypes.js';
import { alertEventOf, silenceOf } from '../storedAlerts.js';
import { COLLECTIONS, type Keyed } from './documents.js';
import { DUPLICATE_KEY } from './mongoErrors.js';

const eventId = (key: AlertEventKey) => JSON.stringify([key.rule, key.groupKey, key.seq]);
const time = (stored: unknown) => stored as Date;
const eventOf = (doc: Document) => alertEventOf(doc, (doc['deliveries'] as Document[] | undefined) ?? [], time);

export class MongoAlerts {
  private readonly events: Collection<Keyed>;
  private readonly silences: Collection<Keyed>;

  constructor(db: Db) {
    this.events = db.collection<Keyed>(COLLECTIONS.alertEvents);
    this.silences = db.collection<Keyed>(COLLECTIONS.alertSilences);
  }

  async currentAlertEvents(): Promise<AlertEvent[]> {
    const latest = new Map<string, AlertEvent>();
    for (const doc of await this.events.find({ current: true }).toArray()) {
      const event = eventOf(doc);
      const key = JSON.stringify([event.rule, event.groupKey]);
      if ((latest.get(key)?.seq ?? 0) < event.seq) latest.set(key, event);
    }
    return [...latest.values()];
  }

  async addAlertEvents(events: readonly AlertEvent[]): Promise<boolean[]> {
    if (events.length === 0) return [];
    const taken = new Set<number>();
    try {
      await this.events.insertMany(events.map((event) => ({ _id: eventId(event), ...event, deliveries: [...event.deliveries], current: true })), { ordered: false });
    } catch (error) {
      // Unordered: every other insert was tried; only duplicates mean "made by another collector".
      const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
      const failures = Array.isArray(writeErrors) ? writeErrors as Array<{ index: number; code: unknown }> : [];
      if (failures.length === 0 || failures.some((failure) => failure.code !== DUPLICATE_KEY)) throw error;
      for (const failure of failures) taken.add(failure.index);
    }
    const added = events.map((_, i) => !taken.has(i));
    const previous = events.filter((event, i) => added[i] && event.seq > 1).map((event) => eventId({ ...event, seq: event.seq - 1 }));
    if (previous.length > 0) await this.events.updateMany({ _id: { $in: previous } }, { $set: { current: false } });
    return added;
  }

  async updateAlertValues(notes: readonly AlertValueNote[]): Promise<void> {
    if (notes.length === 0) return;
    await this.events.bulkWrite(notes.map(({ key, value, peakValue }) => ({ updateOne: { filter: { _id: eventId(key) }, update: { $set: { value, peakValue } } } })), { ordered: false });
  }

  async setAlertDeliveries(key: AlertEventKey, deliveries: readonly AlertDelivery[]): Promise<void> {
    await this.events.updateOne({ _id: eventId(key) }, { $set: { deliveries: [...deliveries] } });
  }

  async findAlertEvents(from: Date, states: readonly AlertEventState[]): Promise<AlertEvent[]> {
    const docs = await this.events.find({ at: { $gte: from }, state: { $in: [...states] } }).sort({ at: -1, _id: 1 }).toArray();
    return docs.map(eventOf);
  }

  async listSilences(after: Date): Promise<Silence[]> {
    const docs = await this.silences.find({ toTime: { $gt: after } }).sort({ fromTime: 1, _id: 1 }).toArray();
    return docs.map((doc) => silenceOf(doc, time));
  }

  async addSilence(silence: Silence): Promise<void> {
    const { id, from, to, ...rest } = silence;
    await this.silences.insertOne({ _id: id, ...rest, fromTime: from, toTime: to });
  }

  async deleteSilence(id: string): Promise<boolean> {
    return (await this.silences.deleteOne({ _id: id })).deletedCount === 1;
  }

  /** Retention: events made before `eventsBefore` except the current ones, silences that ended before `silencesBefore`. */
  async deleteExpired(eventsBefore: Date, silencesBefore: Date): Promise<void> {
    await this.events.deleteMany({ at: { $lt: eventsBefore }, current: false });
    await this.silences.deleteMany({ toTime: { $lt: silencesBefore } });
  }
}
