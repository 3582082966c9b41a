/**
 * Keeping `appliedSeq` bounded. Every counter document carries `appliedSeq.<writer>` for each
 * writer that ever touched it (counterUpdates.ts), and a collector is a new writer after each
 * restart: on documents that live for months (services, sessions, daily and agent documents)
 * the map would grow by one key per restart forever.
 *
 * A guard entry is needed only while the unit that wrote it could be applied again, i.e.
 * while that unit is unfinished (its unit document is in span_units). So each writer keeps a
 * heartbeat document in span_units, `{ _id: "writer:<id>", completedSeq, aliveUntil }`, whose
 * `completedSeq` only ever names units that are finished and deleted; removing entries with a
 * seq at most `completedSeq` is then safe at any time, even while the writer runs (its later
 * units carry higher seqs). `removeDeadWriters` does that for writers that stopped (heartbeat
 * expired, no unit left) and then deletes their heartbeat, so the keys left are those of the
 * collectors running now.
 */
import type { AnyBulkWriteOperation, Db } from 'mongodb';
import { COLLECTIONS, type Keyed } from './documents.js';

/** The collections whose documents carry appliedSeq. */
export const GUARDED_COLLECTIONS = [
  COLLECTIONS.minuteMetrics, COLLECTIONS.hourlyMetrics, COLLECTIONS.dailyMetrics, COLLECTIONS.agentMetrics, COLLECTIONS.userSessions, COLLECTIONS.services,
] as const;

export function heartbeatId(writer: string): string {
  return `writer:${writer}`;
}

/**
 * The span_units operations that start a unit: delete the previous unit, which is finished;
 * record it as completed and renew the heartbeat; insert the new unit. They are independent
 * (MongoWriter sends them at once), so a crash may leave any of them undone: a completedSeq
 * behind is safe (guards are kept longer), and so is a finished unit not yet deleted (it counts
 * as unfinished, which keeps its writer's guards, and its recovery finds every document
 * already reached).
 */
export function unitStartOperations(
  writer: string, finished: { id: string; seq: number } | undefined, unit: Keyed, aliveUntil: Date,
): AnyBulkWriteOperation<Keyed>[] {
  return [
    ...(finished === undefined ? [] : [{ deleteOne: { filter: { _id: finished.id } } }]),
    heartbeatOperation(writer, finished?.seq, aliveUntil),
    { insertOne: { document: unit } },
  ];
}

/** Renews a writer's heartbeat and, when given, raises its completedSeq. */
export function heartbeatOperation(writer: string, completedSeq: number | undefined, aliveUntil: Date): AnyBulkWriteOperation<Keyed> {
  return {
    updateOne: {
      filter: { _id: heartbeatId(writer) },
      update: { $set: { aliveUntil }, $max: { completedSeq: completedSeq ?? 0 } },
      upsert: true,
    },
  };
}

/**
 * Removes the guard entries of writers whose heartbeat expired before `before` and that left
 * no unfinished unit, then their heartbeats. Scans the guarded collections once for all of
 * them (`appliedSeq` is not indexed); runs rarely. Returns the writers removed.
 */
export async function removeDeadWriters(db: Db, before: Date): Promise<string[]> {
  const units = db.collection<Keyed>(COLLECTIONS.spanUnits);
  const expired = await units.find({ aliveUntil: { $lt: before } }).limit(100).toArray();
  const dead: Array<{ writer: string; completedSeq: number; aliveUntil: unknown }> = [];
  for (const heartbeat of expired) {
    const writer = heartbeat._id.slice('writer:'.length);
    if (await units.findOne({ writer }, { projection: { _id: 1 } }) !== null) continue;
    dead.push({ writer, completedSeq: Number(heartbeat['completedSeq'] ?? 0), aliveUntil: heartbeat['aliveUntil'] });
  }
  if (dead.length === 0) return [];
  for (const collection of GUARDED_COLLECTIONS) {
    await db.collection(collection).updateMany(
      { $or: dead.map(({ writer, completedSeq }) => ({ [`appliedSeq.${writer}`]: { $lte: completedSeq } })) },
      { $unset: Object.fromEntries(dead.map(({ writer }) => [`appliedSeq.${writer}`, ''])) },
    );
  }
  // Only a heartbeat not renewed meanwhile: a writer that came back keeps its own.
  for (const { writer, aliveUntil } of dead) await units.deleteOne({ _id: heartbeatId(writer), aliveUntil });
  return dead.map(({ writer }) => writer);
}
