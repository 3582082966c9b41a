/**
 * The write path of the MongoDB store: exactly-once counting without transactions.
 *
 * A batch becomes one *unit of counting*, identified by (writer, seq): `writer` is random per
 * store instance, `seq` counts that instance's units. A unit runs these steps, each of which
 * may be repeated any number of times with the same outcome:
 *
 *   1. insert the unit document into span_units (with a lease time);
 *   2. insert the raw api_metrics / agent_invocations documents tagged `unit: <id>`, one
 *      unordered insertMany each; a duplicate key on (traceId, spanId) means the span already
 *      belongs to an earlier unit. The unit's members are exactly the raw documents carrying
 *      its id: fixed forever once the insert has returned (the unique index forbids later ones);
 *   3. insert presence documents (tagged with the unit) for exact distinct users; a presence
 *      key counts +1 activeUsers for the unit whose tag it carries;
 *   4. apply the members' deltas (recordAggregation) as guarded upserts (counterUpdates): the
 *      guard `appliedSeq.<writer> < seq` and the `$set` of seq are one atomic update, so a
 *      document receives a unit's deltas once however often step 4 runs;
 *   5. delete the unit document.
 *
 * Why a retry after a failure anywhere is safe: a failed write leaves `pending`; the next
 * attempt (a retry by the store, or the next batch) runs the same unit again from step 1:
 * steps 1-3 are idempotent inserts, membership is re-read from the raw documents, and step 4
 * skips documents already reached. A writer never starts unit seq+1 before unit seq is
 * complete, so a document showing seq+1 (or later) of a writer has every earlier unit of it.
 * An exporter retry that regroups spans differently, or reaches another collector, finds the
 * spans stored by the first unit: they are duplicates and are counted by that unit only.
 * A unit whose writer died (lease expired) is completed by `recoverStaleUnits` of any store,
 * under the dead writer's identity, so its guards still hold.
 */
import type { AnyBulkWriteOperation, Collection, Db, Document } from 'mongodb';
import { PipelineError } from '../../errors.js';
import { aggregateRecords, firstOfEachId } from '../recordAggregation.js';
import type { SpanRecord, WriteResult } from '../types.js';
import { bulkUpserts, chunks, insertIgnoringDuplicates, settled } from './bulkOperations.js';
import { agentDayUpdate, rollupUpdate, serviceUpdate, sessionUpdate, type UnitIdentity } from './counterUpdates.js';
import {
  type Keyed, agentDayId, agentInvocationDocument, apiMetricDocument, COLLECTIONS, rollupId, spanKey, toAgentInvocationRecord,
  toRequestRecord,
} from './documents.js';
import { toPipelineError } from './mongoErrors.js';
import { ownPresence } from './presence.js';
import { upsertedDocument } from './upsertedDocument.js';

export interface MongoWriterOptions {
  /** How long a unit may stay unfinished before another collector completes it, ms. */
  unitLeaseMs: number;
  /**
   * FerretDB 1.x mode, only valid while every writer holds the WriteLease: guards are read
   * once per collection (on retries only), documents that do not exist yet are inserted
   * (upsertedDocument.ts) and the others updated by `_id` alone: FerretDB 1.x with SQLite scans
   * the whole collection for every update, even one by `_id` (its `_id` index is on another
   * expression than its lookups), and for any other filter also decodes every document; an
   * insert only probes the unique index. Updates go in commands of at most 50 statements (it
   * keeps the cursor of every matched statement open until the command ends, and deadlocks
   * past its ~100 connections).
   */
  serializedWriters?: boolean;
}

/** See MongoWriterOptions.serializedWriters. */
const SERIALIZED_STATEMENTS_PER_COMMAND = 50;

interface PendingUnit {
  unit: UnitIdentity;
  /** First record of each id in the batch. */
  records: readonly SpanRecord[];
  /** The batch as given, to recognise a retry of the same write. */
  batch: readonly SpanRecord[];
  repeatedInBatch: number;
  attempts: number;
}

export class MongoWriter {
  private seq = 0;
  private pending: PendingUnit | null = null;

  constructor(private readonly db: Db, readonly writerId: string, private readonly options: MongoWriterOptions) {}

  /** Not safe to call concurrently: MongoStore serialises writes. */
  async write(batch: readonly SpanRecord[]): Promise<WriteResult> {
    if (this.pending !== null && this.pending.batch !== batch) {
      // Units complete in order (see header): finish the failed one before starting another.
      await this.runUnit(this.pending).catch(keepPendingOnlyIfTransient(this));
      this.pending = null;
    }
    if (this.pending === null) {
      const { unique, duplicates } = firstOfEachId(batch);
      this.seq += 1;
      const unit = { id: `${this.writerId}:${this.seq}`, writer: this.writerId, seq: this.seq };
      this.pending = { unit, records: unique, batch, repeatedInBatch: duplicates, attempts: 0 };
    }
    const pending = this.pending;
    let stored: number;
    try {
      stored = await this.runUnit(pending);
    } catch (error) {
      keepPendingOnlyIfTransient(this)(error);
      throw error;
    }
    this.pending = null;
    return { stored, duplicates: pending.repeatedInBatch + pending.records.length - stored, rejected: [] };
  }

  /** Id of the unit this writer still has to finish, if any (the sweep leaves it alone). */
  pendingUnitId(): string | undefined {
    return this.pending?.unit.id;
  }

  /** Forgets the pending unit; its lease lets another writer (or the sweep) complete it. */
  dropPending(): void {
    this.pending = null;
  }

  /** Completes units whose writer stopped before finishing them (lease expired). Returns how many. */
  async recoverStaleUnits(limit = 50): Promise<number> {
    const units = this.keyed(COLLECTIONS.spanUnits);
    const stale = await units.find({ leaseUntil: { $lt: new Date() } }).limit(limit).toArray();
    let recovered = 0;
    for (const doc of stale) {
      if (doc['_id'] === this.pendingUnitId()) continue;
      const claimed = await units.findOneAndUpdate(
        { _id: doc['_id'], leaseUntil: doc['leaseUntil'] },
        { $set: { leaseUntil: new Date(Date.now() + this.options.unitLeaseMs), adoptedBy: this.writerId } },
      );
      if (claimed === null) continue; // another collector took it
      const unit: UnitIdentity = { id: String(doc['_id']), writer: String(doc['writer']), seq: Number(doc['seq']) };
      await this.apply(unit, await this.membersFromDb(unit.id), false);
      await units.deleteOne({ _id: unit.id });
      recovered += 1;
    }
    return recovered;
  }

  private async runUnit(pending: PendingUnit): Promise<number> {
    pending.attempts += 1;
    const { unit, records } = pending;
    const now = Date.now();
    await insertIgnoringDuplicates(this.keyed(COLLECTIONS.spanUnits), [
      { _id: unit.id, writer: unit.writer, seq: unit.seq, createdAt: new Date(now), leaseUntil: new Date(now + this.options.unitLeaseMs) },
    ]);
    const requests = records.filter((r) => r.kind === 'request');
    const invocations = records.filter((r) => r.kind === 'agent_invocation');
    const [requestOutcome, invocationOutcome] = await settled([
      insertIgnoringDuplicates(this.collection(COLLECTIONS.apiMetrics), requests.map((r) => apiMetricDocument(r, unit.id))),
      insertIgnoringDuplicates(this.collection(COLLECTIONS.agentInvocations), invocations.map((r) => agentInvocationDocument(r, unit.id))),
    ]);
    let members: SpanRecord[];
    if (pending.attempts === 1) {
      // A new unit id: every duplicate belongs to another unit, every insert to this one.
      members = [...requests.filter((_, i) => requestOutcome.inserted.has(i)), ...invocations.filter((_, i) => invocationOutcome.inserted.has(i))];
    } else {
      const keys = new Set((await this.membersFromDb(unit.id)).map(spanKey));
      members = records.filter((r) => keys.has(spanKey(r)));
    }
    await this.apply(unit, members, pending.attempts === 1);
    await this.keyed(COLLECTIONS.spanUnits).deleteOne({ _id: unit.id });
    const refused = [...requestOutcome.refused, ...invocationOutcome.refused];
    if (refused.length > 0) {
      // The stored members are counted (above); the refused records can never be stored.
      throw PipelineError.permanent(400, `MongoDB refused ${refused.length} record(s): ${refused.slice(0, 3).join('; ')}`);
    }
    return members.length;
  }

  private async membersFromDb(unitId: string): Promise<SpanRecord[]> {
    const [requests, invocations] = await Promise.all([
      this.collection(COLLECTIONS.apiMetrics).find({ unit: unitId }).toArray(),
      this.collection(COLLECTIONS.agentInvocations).find({ unit: unitId }).toArray(),
    ]);
    return [...requests.map(toRequestRecord), ...invocations.map(toAgentInvocationRecord)];
  }

  /** `firstRun`: this unit has never been applied before, so no document can carry it yet. */
  private async apply(unit: UnitIdentity, members: readonly SpanRecord[], firstRun: boolean): Promise<void> {
    if (members.length === 0) return;
    const deltas = aggregateRecords(members);
    const users = await ownPresence(this.db, unit, deltas, firstRun);
    const work: Array<() => Promise<void>> = [
      () => this.bulkGuarded(COLLECTIONS.hourlyMetrics, unit, firstRun, deltas.rollups.filter((d) => d.period === 'hour')
        .map((d) => rollupUpdate({ ...d, activeUsers: users.get(COLLECTIONS.hourlyMetrics + rollupId(d)) ?? 0 }, unit))),
      () => this.bulkGuarded(COLLECTIONS.dailyMetrics, unit, firstRun, deltas.rollups.filter((d) => d.period === 'day')
        .map((d) => rollupUpdate({ ...d, activeUsers: users.get(COLLECTIONS.dailyMetrics + rollupId(d)) ?? 0 }, unit))),
      () => this.bulkGuarded(COLLECTIONS.agentMetrics, unit, firstRun, deltas.agentDays
        .map((d) => agentDayUpdate({ ...d, activeUsers: users.get(agentDayId(d)) ?? 0 }, unit))),
      () => this.bulkGuarded(COLLECTIONS.userSessions, unit, firstRun, deltas.sessions.map((d) => sessionUpdate(d, unit))),
      () => this.bulkGuarded(COLLECTIONS.services, unit, firstRun, deltas.services.map((d) => serviceUpdate(d, unit))),
    ];
    if (this.options.serializedWriters === true) {
      // One command at a time: FerretDB's open-cursor limit is per server, not per command.
      for (const step of work) await step();
    } else {
      await settled(work.map((step) => step()));
    }
    await this.refreshAverages(deltas.agentDays.map(agentDayId));
  }

  /** The guarded upserts of one collection (see counterUpdates and MongoWriterOptions.serializedWriters). */
  private async bulkGuarded(name: string, unit: UnitIdentity, firstRun: boolean, operations: AnyBulkWriteOperation[]): Promise<void> {
    if (this.options.serializedWriters !== true) {
      await bulkUpserts(this.keyed(name), operations);
      return;
    }
    // No other writer runs (WriteLease): the guards read here stay true until the writes land.
    // A unit's first run skips the read (FerretDB evaluates `$in` slowly): nothing carries it yet.
    const statements = operations.map((op) => (op as { updateOne: { filter: Document; update: Document; upsert: boolean } }).updateOne);
    const idOf = (statement: { filter: Document }) => String(statement.filter['_id']);
    const reached = firstRun ? new Set<string>() : new Set((await this.keyed(name)
      .find({ _id: { $in: statements.map(idOf) } }, { projection: { appliedSeq: 1 } }).toArray())
      .filter((doc) => Number((doc['appliedSeq'] as Record<string, unknown> | undefined)?.[unit.writer] ?? -1) >= unit.seq)
      .map((doc) => doc._id));
    const due = statements.filter((statement) => !reached.has(idOf(statement)));
    // New documents as inserts (checked by the unique _id index, no scan: upsertedDocument.ts);
    // whatever was not inserted exists already and gets its update, filtered by `_id` alone.
    const { inserted } = await insertIgnoringDuplicates(this.keyed(name), due.map((s) => upsertedDocument(idOf(s), s.update)));
    const updates = due.filter((_, i) => !inserted.has(i))
      .map(({ filter, update, upsert }) => ({ updateOne: { filter: { _id: filter['_id'] }, update, upsert } }));
    for (const chunk of chunks(updates, SERIALIZED_STATEMENTS_PER_COMMAND)) await bulkUpserts(this.keyed(name), chunk);
  }

  /**
   * agent_metrics.avgResponseTime for dashboards: set only if the totals are still the ones
   * read, so a concurrent writer's newer totals are never overwritten by an older average
   * (that writer refreshes it itself). Readers compute the average from the totals anyway.
   */
  private async refreshAverages(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const agentMetrics = this.keyed(COLLECTIONS.agentMetrics);
    const docs = await agentMetrics.find({ _id: { $in: ids } }, { projection: { requestCount: 1, totalResponseTime: 1 } }).toArray();
    const updates: AnyBulkWriteOperation<Keyed>[] = docs.filter((d) => Number(d['requestCount']) > 0).map((d) => ({
      updateOne: {
        filter: { _id: d['_id'], requestCount: d['requestCount'], totalResponseTime: d['totalResponseTime'] },
        update: { $set: { avgResponseTime: Number(d['totalResponseTime']) / Number(d['requestCount']) } },
      },
    }));
    const size = this.options.serializedWriters === true ? SERIALIZED_STATEMENTS_PER_COMMAND : Number.POSITIVE_INFINITY;
    for (const chunk of chunks(updates, size)) await agentMetrics.bulkWrite(chunk, { ordered: false });
  }

  private collection(name: string): Collection<Document> {
    return this.db.collection(name);
  }

  private keyed(name: string): Collection<Keyed> {
    return this.db.collection<Keyed>(name);
  }
}

function keepPendingOnlyIfTransient(writer: MongoWriter): (error: unknown) => void {
  return (error) => {
    // A permanent failure has already counted what was stored (runUnit); retrying cannot help.
    if (toPipelineError(error, 'write').kind === 'permanent') writer.dropPending();
    else throw error;
  };
}
