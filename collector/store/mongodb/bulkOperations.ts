/**
 * Bulk operations of the MongoDB writer that tolerate what idempotent writes expect: inserts
 * whose duplicates are "already there", upserts whose duplicate key means "already applied".
 */
import {
  BSON, MongoBulkWriteError, MongoInvalidArgumentError, type AnyBulkWriteOperation, type Collection, type Document,
  type OptionalUnlessRequiredId,
} from 'mongodb';
import type { Keyed } from './documents.js';
import { DUPLICATE_KEY, isRecordDataCode, isTransient } from './mongoErrors.js';

export interface InsertOutcome {
  /** Indexes of the documents inserted by this call. */
  inserted: Set<number>;
  /** Index -> why, for documents refused for their data (mongoErrors.isRecordDataCode). */
  refused: Map<number, string>;
}

/**
 * One unordered insertMany; duplicates are left out of `inserted`, documents refused for
 * their data are listed in `refused`; any other failure rejects. A document the driver cannot
 * even serialise fails the whole command before it is sent: one larger than BSON allows is
 * found by its size and the others are inserted again; any other (BSONError) is found by
 * inserting the documents one by one.
 */
export async function insertIgnoringDuplicates<T extends Document>(collection: Collection<T>, docs: OptionalUnlessRequiredId<T>[]): Promise<InsertOutcome> {
  const all = new Set(docs.map((_, i) => i));
  const refused = new Map<number, string>();
  if (docs.length === 0) return { inserted: all, refused };
  try {
    await collection.insertMany(docs, { ordered: false });
    return { inserted: all, refused };
  } catch (error) {
    if (isUnserialisable(error)) return insertAroundUnserialisable(collection, docs, error as Error);
    if (!(error instanceof MongoBulkWriteError) || isTransient(error)) throw error;
    for (const writeError of writeErrorsOf(error)) {
      all.delete(writeError.index);
      if (writeError.code === DUPLICATE_KEY) continue;
      if (!isRecordDataCode(writeError.code)) throw error;
      refused.set(writeError.index, writeError.errmsg ?? `refused (code ${writeError.code})`);
    }
    return { inserted: all, refused };
  }
}

/** The largest document the driver sends (it refuses one of this size or more). */
const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;

/**
 * The driver could not build the command: a value BSON cannot hold (BSONError), or a document
 * too large, refused by the driver's size check or overflowing the serializer's buffer (a
 * RangeError, for documents beyond 17 MiB).
 */
function isUnserialisable(error: unknown): boolean {
  return error instanceof Error && (error.name === 'BSONError' || error instanceof RangeError
    || (error instanceof MongoInvalidArgumentError && error.message.includes('larger than the maximum size')));
}

async function insertAroundUnserialisable<T extends Document>(
  collection: Collection<T>, docs: OptionalUnlessRequiredId<T>[], error: Error,
): Promise<InsertOutcome> {
  const oversized = new Map<number, string>();
  for (const [i, doc] of docs.entries()) {
    const size = BSON.calculateObjectSize(doc);
    if (size >= MAX_BSON_OBJECT_SIZE) oversized.set(i, `the document is ${size} bytes; a BSON document must be under ${MAX_BSON_OBJECT_SIZE}`);
  }
  if (oversized.size === 0) {
    return docs.length > 1 ? insertOneByOne(collection, docs) : { inserted: new Set(), refused: new Map([[0, error.message]]) };
  }
  const rest = [...docs.keys()].filter((i) => !oversized.has(i));
  const outcome = await insertIgnoringDuplicates(collection, rest.map((i) => docs[i]!));
  return {
    inserted: new Set([...outcome.inserted].map((j) => rest[j]!)),
    refused: new Map([...oversized, ...[...outcome.refused].map(([j, reason]) => [rest[j]!, reason] as const)]),
  };
}

async function insertOneByOne<T extends Document>(collection: Collection<T>, docs: OptionalUnlessRequiredId<T>[]): Promise<InsertOutcome> {
  const outcome: InsertOutcome = { inserted: new Set(), refused: new Map() };
  for (const [i, doc] of docs.entries()) {
    const one = await insertIgnoringDuplicates(collection, [doc]);
    if (one.inserted.has(0)) outcome.inserted.add(i);
    const reason = one.refused.get(0);
    if (reason !== undefined) outcome.refused.set(i, reason);
  }
  return outcome;
}

/**
 * One unordered bulk write of guarded upserts. A duplicate key on an upsert means the
 * document exists but the guard did not match, or a concurrent writer inserted it first:
 * one more round tells them apart (the document exists then, so only the guard can fail).
 */
export async function bulkUpserts(collection: Collection<Keyed>, operations: AnyBulkWriteOperation[]): Promise<void> {
  let remaining = operations;
  for (let round = 0; round < 2 && remaining.length > 0; round++) {
    try {
      await collection.bulkWrite(remaining as AnyBulkWriteOperation<Keyed>[], { ordered: false });
      return;
    } catch (error) {
      const current = remaining;
      remaining = duplicateIndexes(error).map((i) => current[i]!);
    }
  }
}

export function chunks<T>(items: T[], size: number): T[][] {
  if (items.length <= size) return items.length === 0 ? [] : [items];
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Promise.all that waits for every operation before rejecting: when a write fails, none of
 * its operations is still in flight, so the retry is the only one touching its documents.
 */
export async function settled<T extends readonly unknown[]>(operations: readonly [...{ [K in keyof T]: Promise<T[K]> }]): Promise<T> {
  const results = await Promise.allSettled(operations);
  for (const result of results) if (result.status === 'rejected') throw result.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

interface WriteErrorLike {
  index: number;
  code: number | undefined;
  errmsg: string | undefined;
}

function writeErrorsOf(error: MongoBulkWriteError): WriteErrorLike[] {
  const raw = error.writeErrors as unknown;
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return list.map((e: { index: number; code?: number; errmsg?: string }) => ({ index: e.index, code: e.code, errmsg: e.errmsg }));
}

/** Indexes of the operations that failed with a duplicate key; rethrows any other failure. */
function duplicateIndexes(error: unknown): number[] {
  if (!(error instanceof MongoBulkWriteError) || isTransient(error)) throw error;
  const errors = writeErrorsOf(error);
  if (errors.length === 0 || errors.some((e) => e.code !== DUPLICATE_KEY)) throw error;
  return errors.map((e) => e.index);
}
