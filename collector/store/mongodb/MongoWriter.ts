/**
 * The write path of the MongoDB store: exactly-once counting without transactions.
 *
 * A batch becomes one *unit of counting*, identified by (writer, seq): `writer` is random per
 * store instance, `seq` counts that instance's units. A unit runs these steps, each of which
 * may be repeated any number of times with the same outcome, one round trip each:
 *
 *   1. in span_units, three independent commands sent at once: delete the previous unit
 *      (finished), renew this writer's heartbeat and raise its completedSeq
 *      (writerHeartbeats.ts), insert the unit document (with a lease time);
 *   2. insert the raw api_metrics / agent_invocations / model_calls documents tagged
 *      `unit: <id>`, one unordered insertMany each, and the batch's pending model calls into
 *      genai_pending; a duplicate key on (traceId, spanId) means the span already belongs to
 *      an earlier unit, a document refused for its data is rejected alone. Then the pending
 *      calls that wait at a span of the batch are settled (settlePending): the settled ones
 *      are inserted into model_calls tagged with the unit too, and leave genai_pending. The
 *      unit's members are exactly the raw documents carrying its id: fixed forever once the
 *      inserts have returned (the unique index forbids later ones);
 *   3. insert presence documents (tagged with the unit) for exact distinct users; a presence
 *      key counts +1 activeUsers for the unit whose tag it carries;
 *   4. apply the members' deltas (recordAggregation) as guarded upserts (counterUpdates): the
 *      guard `appliedSeq.<writer> < seq` and the `$set` of seq are one atomic update, so a
 *      document receives a unit's deltas once however often step 4 runs;
 *   5. read the touched agent days' totals and 6. set their avgResponseTime where the totals
 *      are still those read (a concurrent writer's newer totals are never overwritten). Where
 *      the protocol allows (derivedFieldsAfterAck), 5-6 run after the batch is acknowledged,
 *      beside the next unit, one refresh in flight at most: the field is for dashboards only
 *      (readers derive the average from the totals), and a refresh that fails is redone by the
 *      next batch touching that agent day.
 * The unit document stays until the next unit's step 1 deletes it (or the writer is idle for a
 * moment, or stops), so a batch costs five sequential round trips before its acknowledgement
 * on MongoDB (step 2 is two: the inserts, then the read of the pending model calls to settle;
 * bench/mongo-cost.ts counts them).
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
 *
 * How the server applies step 4 (and whether writers must take turns) is its WriteProtocol.
 */
import type { AnyBulkWriteOperation, Collection, Db, Document } from 'mongodb';
import { log } from '../../log.js';
import { ancestorOfRecord, recordAncestors, settle } from '../../genai/ancestry.js';
import { aggregateRecords, firstOfEachId } from '../recordAggregation.js';
import { rejectionReason } from '../storeErrors.js';
import type { CountedRecord, ModelCallRecord, RejectedRecord, SpanRecord, WriteResult } from '../types.js';
import { chunks, insertIgnoringDuplicates, type InsertOutcome } from './bulkOperations.js';
import { agentDayUpdate, modelDayUpdate, rollupUpdate, serviceUpdate, sessionUpdate, type UnitIdentity } from './counterUpdates.js';
import {
  type Keyed, agentDayId, agentInvocationDocument, apiMetricDocument, COLLECTIONS, modelCallDocument, pendingDocument, rollupId, spanDocId,
  spanKey, toAgentInvocationRecord, toModelCallRecord, toPendingModelCall, toRequestRecord,
} from './documents.js';
import { DUPLICATE_KEY, isTransient } from './mongoErrors.js';
import { ownPresence } from './presence.js';
import { heartbeatId, heartbeatOperation, unitStartOperations } from './writerHeartbeats.js';
import type { WriteProtocol } from './WriteProtocol.js';

export interface MongoWriterOptions {
  /** How long a unit may stay unfinished before another collector completes it, ms. */
  unitLeaseMs: number;
  /** How long a writer's heartbeat lasts after its last unit, ms (writerHeartbeats.ts). */
  heartbeatMs: number;
  /** After how many failed recoveries a unit is given up (logged as an error, left in span_units). */
  maxRecoveryAttempts: number;
}

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
  /** The last unit that completed, whose document the next unit's step 1 deletes. */
  private finished: { id: string; seq: number } | undefined;
  /** The averages refresh still running after its batch was acknowledged (steps 5-6), if any. */
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    readonly writerId: string,
    private readonly protocol: WriteProtocol,
    private readonly options: MongoWriterOptions,
  ) {}

  /** Not safe to call concurrently: MongoStore serialises writes. */
  async write(batch: readonly SpanRecord[]): Promise<WriteResult> {
    if (this.pending !== null && this.pending.batch !== batch) {
      // Units complete in order (see header): finish the failed one before starting another.
      await this.runUnit(this.pending).catch((error: unknown) => this.giveUpAfterTooManyAttempts(error));
      this.pending = null;
    }
    if (this.pending === null) {
      const { unique, duplicates } = firstOfEachId(batch);
      this.seq += 1;
      const unit = { id: `${this.writerId}:${this.seq}`, writer: this.writerId, seq: this.seq };
      this.pending = { unit, records: unique, batch, repeatedInBatch: duplicates, attempts: 0 };
    }
    const pending = this.pending;
    const { stored, rejected } = await this.runUnit(pending).catch((error: unknown) => this.giveUpAfterTooManyAttempts(error));
    this.pending = null;
    return { stored, duplicates: pending.repeatedInBatch + pending.records.length - stored - rejected.length, rejected };
  }

  /**
   * A unit that keeps failing must not fail every later write too: after maxRecoveryAttempts
   * tries it is left to the recovery sweep (its document stays in span_units, its lease runs
   * out, and the sweep retries it with a growing delay), and this writer goes on. Rethrows.
   */
  private giveUpAfterTooManyAttempts(error: unknown): never {
    const pending = this.pending;
    if (pending !== null && pending.attempts >= this.options.maxRecoveryAttempts) {
      log.error('mongodb store: a batch failed too often; leaving its unit to the recovery sweep', { unit: pending.unit.id, attempts: pending.attempts, error });
      this.pending = null;
    }
    throw error;
  }

  /** Id of the unit this writer still has to finish, if any (the sweep leaves it alone). */
  pendingUnitId(): string | undefined {
    return this.pending?.unit.id;
  }

  /** Deletes the last finished unit's document and records it completed (idle moments and shutdown). */
  async settleFinished(aliveUntil = new Date(Date.now() + this.options.heartbeatMs)): Promise<void> {
    await this.refreshing;
    const finished = this.finished;
    if (finished === undefined) return;
    await this.keyed(COLLECTIONS.spanUnits).bulkWrite([
      { deleteOne: { filter: { _id: finished.id } } },
      heartbeatOperation(this.writerId, finished.seq, aliveUntil),
    ], { ordered: true });
    if (this.finished === finished) this.finished = undefined;
  }

  /** Completes units whose writer stopped before finishing them (lease expired). Returns how many. */
  async recoverStaleUnits(limit = 50): Promise<number> {
    const units = this.keyed(COLLECTIONS.spanUnits);
    const stale = await units.find({ seq: { $exists: true }, leaseUntil: { $lt: new Date() }, attempts: { $not: { $gte: this.options.maxRecoveryAttempts } } })
      .limit(limit).toArray();
    let recovered = 0;
    for (const doc of stale) {
      if (doc['_id'] === this.pendingUnitId() || doc['_id'] === this.finished?.id) continue;
      const attempts = Number(doc['attempts'] ?? 0) + 1;
      // Backs off exponentially: a unit that keeps failing is not retried every sweep forever.
      const claimed = await units.findOneAndUpdate(
        { _id: doc['_id'], leaseUntil: doc['leaseUntil'] },
        { $set: { leaseUntil: new Date(Date.now() + this.options.unitLeaseMs * 2 ** Math.min(attempts, 10)), adoptedBy: this.writerId }, $inc: { attempts: 1 } },
      );
      if (claimed === null) continue; // another collector took it
      const unit: UnitIdentity = { id: String(doc['_id']), writer: String(doc['writer']), seq: Number(doc['seq']) };
      try {
        await this.apply(unit, await this.membersFromDb(unit.id), false);
      } catch (error) {
        const level = attempts >= this.options.maxRecoveryAttempts ? 'error' : 'warn';
        log[level](level === 'error'
          ? 'mongodb store: gave up completing a unit of a stopped collector; its spans are stored but not counted'
          : 'mongodb store: completing a unit of a stopped collector failed; will retry later', { unit: unit.id, attempts, error });
        continue;
      }
      await units.bulkWrite([
        { deleteOne: { filter: { _id: unit.id } } },
        { updateOne: { filter: { _id: heartbeatId(unit.writer) }, update: { $max: { completedSeq: unit.seq } } } },
      ], { ordered: true });
      recovered += 1;
    }
    return recovered;
  }

  private async runUnit(pending: PendingUnit): Promise<{ stored: number; rejected: RejectedRecord[] }> {
    pending.attempts += 1;
    const { unit, records } = pending;
    const now = Date.now();
    await this.startUnit({ _id: unit.id, writer: unit.writer, seq: unit.seq, createdAt: new Date(now), leaseUntil: new Date(now + this.options.unitLeaseMs) });
    const requests = records.filter((r) => r.kind === 'request');
    const invocations = records.filter((r) => r.kind === 'agent_invocation');
    const calls = records.filter((r) => r.kind === 'model_call');
    const pendingCalls = records.filter((r) => r.kind === 'pending_model_call');
    const links = records.filter((r) => r.kind === 'genai_link').length;
    let requestOutcome: InsertOutcome | undefined;
    let invocationOutcome: InsertOutcome | undefined;
    let callOutcome: InsertOutcome | undefined;
    let pendingOutcome: InsertOutcome | undefined;
    await this.protocol.all([
      async () => { requestOutcome = await insertIgnoringDuplicates(this.collection(COLLECTIONS.apiMetrics), requests.map((r) => apiMetricDocument(r, unit.id))); },
      async () => { invocationOutcome = await insertIgnoringDuplicates(this.collection(COLLECTIONS.agentInvocations), invocations.map((r) => agentInvocationDocument(r, unit.id))); },
      async () => { callOutcome = await insertIgnoringDuplicates(this.collection(COLLECTIONS.modelCalls), calls.map((r) => modelCallDocument(r, unit.id))); },
      async () => { pendingOutcome = await insertIgnoringDuplicates(this.keyed(COLLECTIONS.genaiPending), pendingCalls.map(pendingDocument)); },
    ]);
    const settled = await this.settlePending(unit, records, pendingCalls.length > 0);
    const rejected = [
      ...refusedRecords(requests, requestOutcome!), ...refusedRecords(invocations, invocationOutcome!), ...refusedRecords(calls, callOutcome!),
      ...refusedRecords(pendingCalls, pendingOutcome!),
    ];
    const bookkeeping = links + pendingOutcome!.inserted.size;
    let members: CountedRecord[];
    let stored: number;
    if (pending.attempts === 1) {
      // A new unit id: every duplicate belongs to another unit, every insert to this one.
      const inserted = <T>(list: T[], outcome: InsertOutcome) => list.filter((_, i) => outcome.inserted.has(i));
      const own = [...inserted(requests, requestOutcome!), ...inserted(invocations, invocationOutcome!), ...inserted(calls, callOutcome!)];
      members = [...own, ...settled];
      stored = own.length + bookkeeping;
    } else {
      members = await this.membersFromDb(unit.id);
      const keys = new Set(members.map(spanKey));
      stored = records.filter((r) => r.kind !== 'pending_model_call' && r.kind !== 'genai_link' && keys.has(spanKey(r))).length + bookkeeping;
    }
    await this.apply(unit, members, pending.attempts === 1);
    this.finished = { id: unit.id, seq: unit.seq };
    return { stored, rejected };
  }

  /**
   * The pending calls (of earlier writes, and of this one) that wait at a span of the batch,
   * settled through the batch's spans (ancestry.ts): those that found their agent (or the
   * root) are inserted into model_calls as members of the unit and removed from
   * genai_pending; the others wait on further up. Skipped while genai_pending is empty.
   * Returns the settled calls this run inserted.
   */
  private async settlePending(unit: UnitIdentity, records: readonly SpanRecord[], batchHasPending: boolean): Promise<ModelCallRecord[]> {
    const pendingCollection = this.keyed(COLLECTIONS.genaiPending);
    if (!batchHasPending && (await pendingCollection.findOne({}, { projection: { _id: 1 } })) === null) return [];
    const waitAt = new Set<string>();
    const traceIds = new Set<string>();
    for (const record of records) {
      if (ancestorOfRecord(record) === null) continue;
      waitAt.add(spanKey(record));
      traceIds.add(record.traceId);
    }
    const waiting = [];
    for (const traces of chunks([...traceIds], this.protocol.statementsPerCommand * 10)) {
      const docs = await pendingCollection.find({ traceId: { $in: traces } }).toArray();
      waiting.push(...docs.map(toPendingModelCall).filter((call) => waitAt.has(spanKey({ traceId: call.traceId, spanId: call.lookupSpanId }))));
    }
    if (waiting.length === 0) return [];
    const lookup = recordAncestors(records);
    const settled: ModelCallRecord[] = [];
    const moved: AnyBulkWriteOperation<Keyed>[] = [];
    for (const call of waiting) {
      const result = settle(call, lookup);
      if (result.kind === 'model_call') settled.push(result);
      else if (result.lookupSpanId !== call.lookupSpanId) {
        moved.push({ updateOne: { filter: { _id: spanDocId(call) }, update: { $set: { lookupSpanId: result.lookupSpanId } } } });
      }
    }
    const outcome = await insertIgnoringDuplicates(this.collection(COLLECTIONS.modelCalls), settled.map((r) => modelCallDocument(r, unit.id)));
    // Not this request's to answer (it would name a span the request did not send): logged, and the call leaves genai_pending.
    for (const [i, reason] of outcome.refused) log.warn('mongodb store: a settled model call was refused; it is not counted', { spanId: settled[i]!.spanId, reason });
    for (const chunk of chunks(moved, this.protocol.statementsPerCommand)) await pendingCollection.bulkWrite(chunk, { ordered: false });
    if (settled.length > 0) await pendingCollection.deleteMany({ _id: { $in: settled.map(spanDocId) } });
    return settled.filter((_, i) => outcome.inserted.has(i));
  }

  /** Step 1 (see header); the insert meeting its own earlier copy (a retry) is fine. */
  private async startUnit(unit: Keyed): Promise<void> {
    const finished = this.finished?.id === unit._id ? undefined : this.finished;
    const spanUnits = this.keyed(COLLECTIONS.spanUnits);
    await this.protocol.all(unitStartOperations(this.writerId, finished, unit, new Date(Date.now() + this.options.heartbeatMs))
      .map((operation) => async () => {
        try {
          await spanUnits.bulkWrite([operation]);
        } catch (error) {
          if (!('insertOne' in operation) || !isOwnEarlierInsert(error)) throw error;
        }
      }));
    if (finished !== undefined && this.finished === finished) this.finished = undefined;
  }

  private async membersFromDb(unitId: string): Promise<CountedRecord[]> {
    const [requests, invocations, calls] = await Promise.all([
      this.collection(COLLECTIONS.apiMetrics).find({ unit: unitId }).toArray(),
      this.collection(COLLECTIONS.agentInvocations).find({ unit: unitId }).toArray(),
      this.collection(COLLECTIONS.modelCalls).find({ unit: unitId }).toArray(),
    ]);
    return [...requests.map(toRequestRecord), ...invocations.map(toAgentInvocationRecord), ...calls.map(toModelCallRecord)];
  }

  /** Steps 3-6. `firstRun`: this unit has never been applied before, so no document can carry it yet. */
  private async apply(unit: UnitIdentity, members: readonly CountedRecord[], firstRun: boolean): Promise<void> {
    if (members.length === 0) return;
    const deltas = aggregateRecords(members);
    const users = await ownPresence(this.db, unit, deltas, firstRun, this.protocol);
    const guarded = (name: string, operations: AnyBulkWriteOperation[]) => () =>
      this.protocol.applyGuarded(this.keyed(name), unit, firstRun, operations);
    await this.protocol.all([
      guarded(COLLECTIONS.minuteMetrics, deltas.minutes.map((d) => rollupUpdate(d, unit))),
      guarded(COLLECTIONS.hourlyMetrics, deltas.rollups.filter((d) => d.period === 'hour')
        .map((d) => rollupUpdate({ ...d, activeUsers: users.get(COLLECTIONS.hourlyMetrics + rollupId(d)) ?? 0 }, unit))),
      guarded(COLLECTIONS.dailyMetrics, deltas.rollups.filter((d) => d.period === 'day')
        .map((d) => rollupUpdate({ ...d, activeUsers: users.get(COLLECTIONS.dailyMetrics + rollupId(d)) ?? 0 }, unit))),
      guarded(COLLECTIONS.agentMetrics, deltas.agentDays.map((d) => agentDayUpdate({ ...d, activeUsers: users.get(agentDayId(d)) ?? 0 }, unit))),
      guarded(COLLECTIONS.modelMetrics, deltas.modelDays.map((d) => modelDayUpdate(d, unit))),
      guarded(COLLECTIONS.userSessions, deltas.sessions.map((d) => sessionUpdate(d, unit))),
      guarded(COLLECTIONS.services, deltas.services.map((d) => serviceUpdate(d, unit))),
    ]);
    const ids = deltas.agentDays.map(agentDayId);
    if (!this.protocol.derivedFieldsAfterAck) return this.refreshAverages(ids);
    // At most one refresh in flight: a writer faster than its refreshes waits for the last one.
    await this.refreshing;
    // Started once the acknowledgement is on its way, not before it.
    const refreshing = new Promise((resolve) => setImmediate(resolve)).then(() => this.refreshAverages(ids))
      .catch((error: unknown) => log.debug('mongodb store: refreshing agent_metrics.avgResponseTime failed; the next batch of that agent day refreshes it', { error }))
      .finally(() => { if (this.refreshing === refreshing) this.refreshing = undefined; });
    this.refreshing = refreshing;
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
    for (const chunk of chunks(updates, this.protocol.statementsPerCommand)) await agentMetrics.bulkWrite(chunk, { ordered: false });
  }

  private collection(name: string): Collection<Document> {
    return this.db.collection(name);
  }

  private keyed(name: string): Collection<Keyed> {
    return this.db.collection<Keyed>(name);
  }
}

/** The unit's insert met its own earlier copy (a retry of the unit): fine. */
function isOwnEarlierInsert(error: unknown): boolean {
  const writeErrors = (error as { writeErrors?: Array<{ code?: number }> | { code?: number } }).writeErrors;
  const list = Array.isArray(writeErrors) ? writeErrors : writeErrors === undefined ? [] : [writeErrors];
  return !isTransient(error) && list.length === 1 && list[0]?.code === DUPLICATE_KEY;
}

function refusedRecords(records: readonly SpanRecord[], outcome: InsertOutcome): RejectedRecord[] {
  return [...outcome.refused].map(([index, message]) => {
    const record = records[index]!;
    return { traceId: record.traceId, spanId: record.spanId, reason: rejectionReason('mongodb', new Error(message)) };
  });
}
