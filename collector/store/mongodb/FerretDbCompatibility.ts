/**
 * Every FerretDB 1.x workaround of the MongoDB store, in one place: FerretDbCompatibility is
 * the WriteProtocol (WriteProtocol.ts) the store uses when start-up finds FerretDB (buildInfo
 * `ferretdbVersion`). The MongoDB path never runs any of this. What FerretDB 1.x needs:
 *
 * 1. Updates are not atomic: FerretDB applies an update by reading the document, changing it
 *    in its own process and writing it back whole, with nothing in between to stop another
 *    update (measured: 12 of 600 concurrent `$inc`s survived on FerretDB 1.24 with SQLite).
 *    So every unit runs under a cross-process lease (WriteLease below): one writer at a time.
 * 2. Every update scans the whole collection, even one by `_id` (its `_id` index is on another
 *    expression than its lookups, `EXPLAIN QUERY PLAN` shows the scan), while an insert only
 *    probes the unique index. So a unit's documents that do not exist yet are inserted
 *    (upsertedDocument below builds what the upsert would have created) and only the others
 *    are updated, by `_id` alone, their guards read once beforehand (the lease keeps them true).
 * 3. It keeps the cursor of every matched statement open until a command ends and deadlocks
 *    past ~100 connections: updates go in commands of at most 50 statements, one command at a
 *    time.
 * (No TTL indexes either: mongoIndexes.ts creates plain ones there and the retention job
 * deletes, as it does on every backend.)
 *
 * README "Storage" lists what the FerretDB tests therefore do not exercise of the MongoDB path.
 */
import { randomBytes } from 'node:crypto';
import type { AnyBulkWriteOperation, Collection, Document } from 'mongodb';
import { PipelineError } from '../../errors.js';
import { bulkUpserts, chunks, insertIgnoringDuplicates } from './bulkOperations.js';
import type { UnitIdentity } from './counterUpdates.js';
import type { Keyed } from './documents.js';
import { DUPLICATE_KEY } from './mongoErrors.js';
import type { WriteProtocol } from './WriteProtocol.js';

const STATEMENTS_PER_COMMAND = 50;

export class FerretDbCompatibility implements WriteProtocol {
  readonly server = 'ferretdb' as const;
  readonly statementsPerCommand = STATEMENTS_PER_COMMAND;
  /** A non-atomic update outside the lease could overwrite another writer's counters (1. above). */
  readonly derivedFieldsAfterAck = false;
  private readonly lease: WriteLease;

  /** `locks`: the lease's collection; `leaseMs` / `waitMs` as in WriteLease. */
  constructor(locks: Collection<Keyed>, leaseMs: number, waitMs: number) {
    this.lease = new WriteLease(locks, leaseMs, waitMs);
  }

  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.lease.run(work);
  }

  async all(steps: ReadonlyArray<() => Promise<unknown>>): Promise<void> {
    // One command at a time: FerretDB's open-cursor limit is per server, not per command.
    for (const step of steps) await step();
  }

  async applyGuarded(collection: Collection<Keyed>, unit: UnitIdentity, firstRun: boolean, operations: AnyBulkWriteOperation[]): Promise<void> {
    const statements = operations.map((op) => (op as { updateOne: { filter: Document; update: Document; upsert: boolean } }).updateOne);
    const idOf = (statement: { filter: Document }) => String(statement.filter['_id']);
    // The lease is held: the guards read here stay true until the writes land. A unit's first
    // run skips the read (FerretDB evaluates `$in` slowly): nothing carries it yet.
    const reached = firstRun ? new Set<string>() : new Set((await collection
      .find({ _id: { $in: statements.map(idOf) } }, { projection: { appliedSeq: 1 } }).toArray())
      .filter((doc) => Number((doc['appliedSeq'] as Record<string, unknown> | undefined)?.[unit.writer] ?? -1) >= unit.seq)
      .map((doc) => doc._id));
    const due = statements.filter((statement) => !reached.has(idOf(statement)));
    const { inserted } = await insertIgnoringDuplicates(collection, due.map((s) => upsertedDocument(idOf(s), s.update)));
    const updates = due.filter((_, i) => !inserted.has(i))
      .map(({ filter, update, upsert }) => ({ updateOne: { filter: { _id: filter['_id'] }, update, upsert } }));
    for (const chunk of chunks(updates, STATEMENTS_PER_COMMAND)) await bulkUpserts(collection, chunk);
  }
}

const LEASE_ID = 'writes';
/** How long a holder that was waited for stays away after releasing. */
const YIELD_MS = 40;

/**
 * The cross-process write lease (workaround 1): a document with a fixed `_id` in `locks`;
 * whoever inserts it writes (inserts against a unique index are atomic there), the others wait.
 * The holder renews `expiresAt` while it writes (a write can outlast the lease as FerretDB
 * slows with its collections), so it never looks expired to another collector. A holder that
 * dies leaves the lease until `expiresAt`; the next writer then removes that exact lease (same
 * holder and expiry) and takes it. Fairness: a waiter writes its name into the lease, and a
 * holder that releases a lease someone waits for lets a short moment pass before taking it
 * again, so a busy collector cannot starve another one.
 */
export class WriteLease {
  private readonly holder = randomBytes(8).toString('hex');
  private yieldUntil = 0;

  /**
   * @param leaseMs how long a taken lease stays valid if its holder never releases it
   * @param waitMs how long `acquire` waits for another holder before giving up with a 503
   */
  constructor(private readonly locks: Collection<Keyed>, private readonly leaseMs: number, private readonly waitMs: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    await this.acquire();
    // A write can outlast the lease (FerretDB slows as its collections grow): renewed while the
    // work runs, the lease never looks expired to another collector, which would otherwise
    // take it and write at the same time.
    const renewal = setInterval(() => {
      void this.locks
        .updateOne({ _id: LEASE_ID, holder: this.holder }, { $set: { expiresAt: new Date(Date.now() + this.leaseMs) } })
        .catch(() => undefined);
    }, Math.max(10, this.leaseMs / 3));
    renewal.unref();
    try {
      return await work();
    } finally {
      clearInterval(renewal);
      const released = await this.locks.findOneAndDelete({ _id: LEASE_ID, holder: this.holder }).catch(() => null);
      const waiter = released?.['waiting'];
      if (typeof waiter === 'string' && waiter !== this.holder) this.yieldUntil = Date.now() + YIELD_MS;
    }
  }

  private async acquire(): Promise<void> {
    const deadline = Date.now() + this.waitMs;
    const yieldFor = this.yieldUntil - Date.now();
    if (yieldFor > 0) await sleep(yieldFor);
    for (let attempt = 0; ; attempt++) {
      try {
        await this.locks.insertOne({ _id: LEASE_ID, holder: this.holder, expiresAt: new Date(Date.now() + this.leaseMs) });
        return;
      } catch (error) {
        if ((error as { code?: unknown }).code !== DUPLICATE_KEY) throw error;
      }
      const current = await this.locks.findOne({ _id: LEASE_ID });
      if (current !== null && (current['expiresAt'] as Date).getTime() < Date.now()) {
        await this.locks.deleteOne({ _id: LEASE_ID, holder: current['holder'], expiresAt: current['expiresAt'] });
        continue;
      }
      if (Date.now() > deadline) {
        throw PipelineError.unavailable('the store is busy: another collector holds the write lease', 1);
      }
      if (current !== null && current['waiting'] !== this.holder) {
        await this.locks.updateOne({ _id: LEASE_ID, holder: current['holder'] }, { $set: { waiting: this.holder } });
      }
      await sleep(Math.min(20, 2 + attempt) * (0.5 + Math.random()));
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The document an upsert creates when nothing matches its `_id` (workaround 2), covering the
 * operators counterUpdates uses on an empty document: `$setOnInsert` / `$set` store their
 * value, `$inc` stores the increment, `$min` / `$max` store the operand; dotted paths become
 * nested documents, as MongoDB does.
 */
const CREATING_OPERATORS = ['$setOnInsert', '$set', '$inc', '$min', '$max'] as const;

export function upsertedDocument(id: string, update: Document): Keyed {
  const doc: Keyed = { _id: id };
  for (const [operator, fields] of Object.entries(update)) {
    if (!(CREATING_OPERATORS as readonly string[]).includes(operator)) {
      // Refusing beats silently inserting a document that differs from the upsert's.
      throw new Error(`upsertedDocument: unsupported update operator ${operator}`);
    }
    for (const [path, value] of Object.entries(fields as Document)) setPath(doc, path, value);
  }
  return doc;
}

function setPath(doc: Document, path: string, value: unknown): void {
  const parts = path.split('.');
  let target = doc;
  for (const part of parts.slice(0, -1)) {
    const next = target[part];
    if (typeof next === 'object' && next !== null && !(next instanceof Date)) target = next as Document;
    else target = target[part] = {};
  }
  target[parts[parts.length - 1]!] = value;
}
