/**
 * Exact distinct users (activeUsers) without reading counters: one presence document per
 * (period or agent day, session) with a unique `_id`. The unit that inserts a key counts it:
 * +1 on the document's activeUsers, inside that unit's guarded update, so a retry of the unit
 * counts the keys it inserted earlier (they carry its tag) and no other unit ever counts them.
 */
import type { Db } from 'mongodb';
import type { BatchDeltas } from '../recordAggregation.js';
import { insertIgnoringDuplicates } from './bulkOperations.js';
import { dayStart } from '../../time/utcTime.js';
import type { UnitIdentity } from './counterUpdates.js';
import { agentDayId, agentPresenceId, COLLECTIONS, rollupId, rollupPresenceId, type Keyed } from './documents.js';
import type { WriteProtocol } from './WriteProtocol.js';

/**
 * Inserts the unit's presence keys and returns, per target document, how many of them carry
 * this unit's tag (new now, or inserted by an earlier run of the same unit). `firstRun`: the
 * unit never ran before, so no existing key can carry its tag and the tags need no read
 * (on FerretDB 1.x that read scans the whole presence collection).
 */
export async function ownPresence(db: Db, unit: UnitIdentity, deltas: BatchDeltas, firstRun: boolean, protocol: WriteProtocol): Promise<Map<string, number>> {
  const users = new Map<string, number>();
  const add = (target: string) => users.set(target, (users.get(target) ?? 0) + 1);
  const serviceLevel = { endpoint: null, method: null, agentName: null };
  const groups = [
    ...(['hour', 'day'] as const).map((period) => {
      const presence = deltas.rollupPresence.filter((p) => p.period === period);
      const rollups = period === 'hour' ? COLLECTIONS.hourlyMetrics : COLLECTIONS.dailyMetrics;
      return {
        collection: period === 'hour' ? COLLECTIONS.hourlyPresence : COLLECTIONS.dailyPresence,
        docs: presence.map((p) => ({ _id: rollupPresenceId(p), unit: unit.id, start: p.start })),
        targets: presence.map((p) => rollups + rollupId({ ...p, ...serviceLevel })),
      };
    }),
    {
      collection: COLLECTIONS.agentPresence,
      docs: deltas.agentPresence.map((p) => ({ _id: agentPresenceId(p), unit: unit.id, start: dayStart(p.date) })),
      targets: deltas.agentPresence.map((p) => agentDayId(p)),
    },
  ];
  await protocol.all(groups.map(({ collection, docs, targets }) => async () => {
    const { inserted } = await insertIgnoringDuplicates(db.collection<Keyed>(collection), docs);
    const existing = docs.filter((_, i) => !inserted.has(i)).map((d) => d._id);
    const mine = existing.length === 0 || firstRun ? new Set<string>()
      : new Set((await db.collection<Keyed>(collection).find({ _id: { $in: existing }, unit: unit.id }, { projection: { _id: 1 } }).toArray())
        .map((d) => String(d['_id'])));
    docs.forEach((doc, i) => {
      if (inserted.has(i) || mine.has(doc._id)) add(targets[i]!);
    });
  }));
  return users;
}
