/**
 * The guarded, commutative upserts that apply one unit of counting to the pre-aggregated
 * documents: `$inc` for counts, sums, tokens and histogram buckets, `$min` / `$max` for
 * extremes and times, `$setOnInsert` for identity fields. Never read-modify-write.
 *
 * Every update is guarded by `appliedSeq.<writer>`: the filter only matches while the
 * document has not yet seen this writer's unit `seq` (or a later one), and the same atomic
 * update records `seq`. So applying a unit again (a retry, or another collector finishing the
 * unit of a dead one) changes nothing on documents it already reached. Writers finish their
 * units strictly in order (MongoWriter), which is what makes "seq or later" mean "applied".
 */
import type { AnyBulkWriteOperation, Document } from 'mongodb';
import type { AgentDayDelta, Counters, RollupDelta, ServiceDelta, SessionDelta } from '../recordAggregation.js';
import { agentDayId, rollupId, sessionDocId } from './documents.js';

/** Which writer's unit, and its place in that writer's sequence. */
export interface UnitIdentity {
  id: string;
  writer: string;
  seq: number;
}

export function guardFilter(id: string, unit: UnitIdentity): Document {
  // $not/$gte also matches a document without the field (never reached by this writer).
  return { _id: id, [`appliedSeq.${unit.writer}`]: { $not: { $gte: unit.seq } } };
}

function guarded(id: string, unit: UnitIdentity, update: Document): AnyBulkWriteOperation {
  const set = { ...(update['$set'] as Document | undefined), [`appliedSeq.${unit.writer}`]: unit.seq };
  return { updateOne: { filter: guardFilter(id, unit), update: { ...update, $set: set }, upsert: true } };
}

function counterIncrements(c: Counters, extra: Record<string, number>): Record<string, number> {
  const inc: Record<string, number> = {
    requestCount: c.requestCount,
    successCount: c.successCount,
    errorCount: c.errorCount,
    clientErrorCount: c.clientErrorCount,
    totalResponseTime: c.totalResponseTime,
    inputTokens: c.inputTokens,
    outputTokens: c.outputTokens,
    ...extra,
  };
  for (const [bucket, count] of Object.entries(c.latencyHistogram)) inc[`latencyHistogram.${bucket}`] = count;
  return inc;
}

/** hourly_metrics / daily_metrics; `activeUsers`: sessions first seen in the period by this unit (service level). */
export function rollupUpdate(delta: RollupDelta, unit: UnitIdentity, activeUsers: number): AnyBulkWriteOperation {
  const serviceLevel = delta.endpoint === null && delta.method === null && delta.agentName === null;
  return guarded(rollupId(delta), unit, {
    $setOnInsert: {
      serviceName: delta.serviceName,
      start: delta.start,
      ...(delta.period === 'day' ? { date: delta.start.toISOString().slice(0, 10) } : {}),
      level: serviceLevel ? 'service' : 'endpoint',
    },
    // Part of the identity, so always the same value: `$set` is as commutative as `$setOnInsert`
    // here, and FerretDB 1.x drops null values given to `$setOnInsert`.
    $set: { endpoint: delta.endpoint, method: delta.method, agentName: delta.agentName },
    $inc: counterIncrements(delta, { activeUsers: serviceLevel ? activeUsers : 0 }),
    $min: { minResponseTime: delta.minResponseTime },
    $max: { maxResponseTime: delta.maxResponseTime },
  });
}

export function agentDayUpdate(delta: AgentDayDelta, unit: UnitIdentity, activeUsers: number): AnyBulkWriteOperation {
  return guarded(agentDayId(delta), unit, {
    $setOnInsert: {
      serviceName: delta.serviceName,
      agentName: delta.agentName,
      date: delta.date,
      start: dayStart(delta.date),
      // Right for a new document; refreshAverages keeps it right afterwards.
      avgResponseTime: delta.totalResponseTime / delta.requestCount,
    },
    $inc: counterIncrements(delta, { invocationCount: delta.invocationCount, activeUsers }),
    $min: { minResponseTime: delta.minResponseTime },
    $max: { maxResponseTime: delta.maxResponseTime, lastSeen: delta.lastSeen },
  });
}

export function sessionUpdate(delta: SessionDelta, unit: UnitIdentity): AnyBulkWriteOperation {
  // Known values overwrite (latest wins, as on SQLite); unknown ones never erase a stored value.
  // (FerretDB 1.x drops null values given to `$setOnInsert`: there the field is absent, which
  // `{ userId: null }` queries and the reader treat as null all the same.)
  const set: Document = { isActive: true };
  const setOnInsert: Document = { serviceName: delta.serviceName, sessionId: delta.sessionId };
  for (const field of ['userId', 'ipAddress', 'userAgent'] as const) {
    if (delta[field] === null) setOnInsert[field] = null;
    else set[field] = delta[field];
  }
  return guarded(sessionDocId(delta.serviceName, delta.sessionId), unit, {
    $setOnInsert: setOnInsert,
    $set: set,
    $min: { startTime: delta.startTime },
    $max: { lastActivity: delta.lastActivity },
    $inc: { requestCount: delta.requestCount },
  });
}

export function serviceUpdate(delta: ServiceDelta, unit: UnitIdentity): AnyBulkWriteOperation {
  return guarded(delta.serviceName, unit, {
    $setOnInsert: { serviceName: delta.serviceName },
    $min: { firstSeen: delta.firstSeen },
    $max: { lastSeen: delta.lastSeen },
    $inc: { spanCount: delta.spanCount },
  });
}

/** Start of the UTC day of a "YYYY-MM-DD" date. */
export function dayStart(date: string): Date {
  return new Date(Date.parse(`${date}T00:00:00.000Z`));
}
