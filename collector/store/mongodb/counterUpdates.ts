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
import { figuresOf, type FigureDocument, type FiguresOf } from '../figures.js';
import type { AgentDayDelta, MinuteDelta, ModelDayDelta, RollupDelta, ServiceDelta, SessionDelta } from '../recordAggregation.js';
import { dayStart } from '../../time/utcTime.js';
import { agentDayId, fieldNameOf, modelDayId, rollupId, sessionDocId } from './documents.js';

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

/** The figures of an increment as `$inc` / `$min` / `$max`, each by its merge rule (figures.ts). */
function figureOperators<D extends FigureDocument>(document: D, figures: FiguresOf<D>): { $inc: Document; $min: Document; $max: Document } {
  const values = figures as unknown as Record<string, unknown>;
  const operators = { $inc: {} as Document, $min: {} as Document, $max: {} as Document };
  for (const { name, merge } of figuresOf(document)) {
    const value = values[name];
    if (merge === 'sum') operators.$inc[name] = value;
    else if (merge === 'histogram') for (const [bucket, count] of Object.entries(value as Record<string, number>)) operators.$inc[`${name}.${bucket}`] = count;
    else if (merge === 'tally') for (const [key, count] of Object.entries(value as Record<string, number>)) operators.$inc[`${name}.${fieldNameOf(key)}`] = count;
    else operators[merge === 'min' ? '$min' : '$max'][name] = value;
  }
  return operators;
}

/**
 * minute_metrics, hourly_metrics, daily_metrics; `delta.activeUsers`: sessions first seen in the
 * period by this unit (service-level hours and days).
 */
export function rollupUpdate(delta: RollupDelta | MinuteDelta, unit: UnitIdentity): AnyBulkWriteOperation {
  const serviceLevel = delta.endpoint === null && delta.method === null && delta.agentName === null;
  const { $inc, $min, $max } = delta.period === 'minute' ? figureOperators('minute', delta) : figureOperators('rollup', delta);
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
    $inc, $min, $max,
  });
}

/** agent_metrics; `delta.activeUsers`: sessions first seen on the agent's day by this unit. */
export function agentDayUpdate(delta: AgentDayDelta, unit: UnitIdentity): AnyBulkWriteOperation {
  const { $inc, $min, $max } = figureOperators('agentDay', delta);
  return guarded(agentDayId(delta), unit, {
    $setOnInsert: {
      serviceName: delta.serviceName,
      agentName: delta.agentName,
      date: delta.date,
      start: dayStart(delta.date),
      // Right for a new document; refreshAverages keeps it right afterwards.
      avgResponseTime: delta.totalResponseTime / delta.requestCount,
    },
    $inc, $min,
    $max: { ...$max, lastSeen: delta.lastSeen },
  });
}

/** model_metrics. */
export function modelDayUpdate(delta: ModelDayDelta, unit: UnitIdentity): AnyBulkWriteOperation {
  const { $inc } = figureOperators('modelDay', delta);
  return guarded(modelDayId(delta), unit, {
    $setOnInsert: { serviceName: delta.serviceName, agentName: delta.agentName, date: delta.date, start: dayStart(delta.date) },
    // Part of the identity (see rollupUpdate for why `$set`): provider and model may be null.
    $set: { provider: delta.provider, model: delta.model },
    $inc,
    $max: { lastSeen: delta.lastSeen },
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
