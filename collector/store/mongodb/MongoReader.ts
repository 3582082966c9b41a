/**
 * The read side of the MongoDB store: the StoreReader queries over pre-aggregated documents,
 * with `find` and, for distinct users, `$match` / `$group` / `$count` only — stages every
 * MongoDB since 3.4 and FerretDB 1.x have (no `$facet`, `$dateTrunc` or `$avg`/`$min`/`$max`
 * accumulators). Bookkeeping fields (`_id`, `unit`, `appliedSeq`) never leave this file.
 */
import type { Db, Document, Filter } from 'mongodb';
import type { LatencyHistogram } from '../../mapping/latencyHistogram.js';
import { figuresOf, type FigureDocument, type FiguresOf } from '../figures.js';
import { nullableString } from '../storedValues.js';
import type {
  AgentDay, ApiMetric, DayRangeQuery, KnownDimensions, MinuteQuery, MinuteRollup, ModelCallQuery, ModelCallSums, ModelDay, PendingModelCallRecord, RequestQuery, Rollup, RollupQuery,
  ServiceSummary, SessionCounts, SessionListQuery, SessionQuery, SessionSpans, SessionSpansQuery, UserSession,
} from '../types.js';
import { traceWindowOf } from '../sessionSpans.js';
import {
  COLLECTIONS, type Keyed, keyOfFieldName, sessionDocId, toAgentInvocationRecord, toApiMetric, toModelCallRecord, toPendingModelCall,
} from './documents.js';

export class MongoReader {
  constructor(private readonly db: Db) {}

  async findRollups(query: RollupQuery): Promise<Rollup[]> {
    const docs = await this.rollupDocuments(query.period === 'hour' ? COLLECTIONS.hourlyMetrics : COLLECTIONS.dailyMetrics, query);
    return docs.map((doc) => rollupOfDocument(query.period, doc));
  }

  private rollupDocuments(collection: string, query: MinuteQuery): Promise<Document[]> {
    const filter: Filter<Document> = { level: query.level, start: { $gte: query.from, $lt: query.to } };
    if (query.serviceName !== undefined) filter['serviceName'] = query.serviceName;
    return this.db.collection(collection).find(filter).sort({ start: 1, _id: 1 }).toArray();
  }

  async findMinuteRollups(query: MinuteQuery): Promise<MinuteRollup[]> {
    const docs = await this.rollupDocuments(COLLECTIONS.minuteMetrics, query);
    return docs.map((doc) => Object.assign(identityOf(doc), { period: 'minute' as const }, figuresOfDocument('minute', doc)));
  }

  async findAgentDays(query: DayRangeQuery): Promise<AgentDay[]> {
    const filter: Filter<Document> = { date: { $gte: query.fromDate, $lte: query.toDate } };
    if (query.serviceName !== undefined) filter['serviceName'] = query.serviceName;
    const docs = await this.db.collection(COLLECTIONS.agentMetrics).find(filter).sort({ date: 1, _id: 1 }).toArray();
    return docs.map(agentDayOfDocument);
  }

  async findModelDays(query: DayRangeQuery): Promise<ModelDay[]> {
    const filter: Filter<Document> = { date: { $gte: query.fromDate, $lte: query.toDate } };
    if (query.serviceName !== undefined) filter['serviceName'] = query.serviceName;
    const docs = await this.db.collection(COLLECTIONS.modelMetrics).find(filter).sort({ date: 1, _id: 1 }).toArray();
    const days = docs.map(modelDayOfDocument);
    // The contract's order (the _id order is that of JSON text, where null sorts apart).
    const key = (d: ModelDay) => [d.date, d.serviceName, d.agentName, d.provider ?? '', d.model ?? ''];
    return days.sort((a, b) => compareKeys(key(a), key(b)));
  }

  async pendingModelCalls(receivedBefore: Date, limit: number): Promise<PendingModelCallRecord[]> {
    const n = Math.max(0, Math.trunc(limit));
    if (n === 0) return [];
    const docs = await this.db.collection(COLLECTIONS.genaiPending).find({ receivedAt: { $lt: receivedBefore } })
      .sort({ receivedAt: 1, traceId: 1, spanId: 1 }).limit(n).toArray();
    return docs.map(toPendingModelCall);
  }

  countPendingModelCalls(): Promise<number> {
    return this.db.collection(COLLECTIONS.genaiPending).countDocuments({});
  }

  async countSessions(query: SessionQuery): Promise<SessionCounts> {
    const filter: Filter<Document> = { lastActivity: { $gte: query.from }, startTime: { $lt: query.to } };
    if (query.serviceName !== undefined) filter['serviceName'] = query.serviceName;
    if (query.activeOnly === true) filter['isActive'] = true;
    const sessions = this.db.collection(COLLECTIONS.userSessions);
    // A known user is one user across sessions and services; an anonymous session is its own user.
    const [total, anonymous, known] = await Promise.all([
      sessions.countDocuments(filter),
      sessions.countDocuments({ ...filter, userId: null }),
      sessions.aggregate([{ $match: { ...filter, userId: { $ne: null } } }, { $group: { _id: '$userId' } }, { $count: 'users' }]).toArray(),
    ]);
    return { sessions: total, users: anonymous + Number(known[0]?.['users'] ?? 0) };
  }

  async listServices(): Promise<ServiceSummary[]> {
    const docs = await this.db.collection(COLLECTIONS.services).find({}).sort({ _id: 1 }).toArray();
    return docs.map((doc) => ({
      serviceName: String(doc['serviceName']),
      firstSeen: doc['firstSeen'] as Date,
      lastSeen: doc['lastSeen'] as Date,
      spanCount: Number(doc['spanCount'] ?? 0),
    }));
  }

  async findRequests(query: RequestQuery): Promise<ApiMetric[]> {
    const limit = Math.max(0, Math.trunc(query.limit));
    if (limit === 0) return [];
    const filter: Filter<Document> = { timestamp: { $gte: query.from, $lt: query.to } };
    if (query.serviceName !== undefined) filter['serviceName'] = query.serviceName;
    if (query.errorsOnly === true) filter['outcome'] = 'error';
    const docs = await this.db.collection(COLLECTIONS.apiMetrics).find(filter).sort({ timestamp: -1, _id: -1 }).limit(limit).toArray();
    return docs.map(toApiMetric);
  }

  async knownDimensions(since: Date, limit: number): Promise<KnownDimensions> {
    const distinct = (collection: string, match: Document, fields: string[]) => this.db.collection(collection).aggregate([
      { $match: match },
      { $group: { _id: Object.fromEntries(fields.map((field) => [field, `$${field}`])) } },
      { $limit: limit },
    ]).toArray().then((groups) => groups.map((group) => group['_id'] as Record<string, string>));
    const [services, endpoints, agents, models] = await Promise.all([
      this.db.collection(COLLECTIONS.services).find({}, { projection: { serviceName: 1 } }).sort({ _id: 1 }).limit(limit).toArray(),
      distinct(COLLECTIONS.dailyMetrics, { level: 'endpoint', start: { $gte: since } }, ['serviceName', 'method', 'endpoint']),
      distinct(COLLECTIONS.agentMetrics, { date: { $gte: since.toISOString().slice(0, 10) } }, ['serviceName', 'agentName']),
      distinct(COLLECTIONS.modelMetrics, { date: { $gte: since.toISOString().slice(0, 10) } }, ['serviceName', 'provider', 'model']),
    ]);
    return {
      services: services.map((doc) => String(doc['serviceName'])),
      endpoints: endpoints.map((e) => ({ serviceName: String(e['serviceName']), method: String(e['method']), endpoint: String(e['endpoint']) })),
      agents: agents.map((a) => ({ serviceName: String(a['serviceName']), agentName: String(a['agentName']) })),
      models: models.map((m) => ({ serviceName: String(m['serviceName']), provider: nullableString(m['provider']), model: nullableString(m['model']) })),
    };
  }

  async findSession(serviceName: string, sessionId: string): Promise<UserSession | null> {
    const doc = await this.db.collection<Keyed>(COLLECTIONS.userSessions).findOne({ _id: sessionDocId(serviceName, sessionId) });
    return doc === null ? null : sessionOfDocument(doc);
  }

  async sumModelCalls(query: ModelCallQuery): Promise<ModelCallSums[]> {
    const match: Filter<Document> = { timestamp: { $gte: query.from, $lt: query.to } };
    if (query.serviceName !== undefined) match['serviceName'] = query.serviceName;
    // Summed here, streaming, not by $group: FerretDB 1.x sums `$field` paths to 0. Memory holds one sum per group.
    const projection = { _id: 0, serviceName: 1, agentName: 1, provider: 1, model: 1, inputTokens: 1, outputTokens: 1, costNanos: 1 };
    const sums = new Map<string, ModelCallSums>();
    for await (const doc of this.db.collection(COLLECTIONS.modelCalls).find(match, { projection })) {
      const identity = {
        serviceName: String(doc['serviceName']), agentName: String(doc['agentName']),
        provider: nullableString(doc['provider']), model: nullableString(doc['model']),
      };
      const key = JSON.stringify(Object.values(identity));
      let sum = sums.get(key);
      if (sum === undefined) sums.set(key, (sum = { ...identity, callCount: 0, inputTokens: 0, outputTokens: 0, costNanos: 0, pricedCallCount: 0 }));
      sum.callCount += 1;
      sum.inputTokens += Number(doc['inputTokens'] ?? 0);
      sum.outputTokens += Number(doc['outputTokens'] ?? 0);
      if (doc['costNanos'] !== null && doc['costNanos'] !== undefined) {
        sum.costNanos += Number(doc['costNanos']);
        sum.pricedCallCount += 1;
      }
    }
    return [...sums.values()];
  }

  async listSessions(query: SessionListQuery): Promise<UserSession[]> {
    const limit = Math.max(0, Math.trunc(query.limit));
    if (limit === 0) return [];
    const filter: Filter<Document> = { lastActivity: { $gte: query.from }, startTime: { $lt: query.to } };
    if (query.serviceName !== undefined) filter['serviceName'] = query.serviceName;
    if (query.after !== undefined) {
      const { lastActivity, serviceName, sessionId } = query.after;
      filter['$or'] = [
        { lastActivity: { $lt: lastActivity } },
        { lastActivity, serviceName: { $gt: serviceName } },
        { lastActivity, serviceName, sessionId: { $gt: sessionId } },
      ];
    }
    const docs = await this.db.collection(COLLECTIONS.userSessions).find(filter)
      .sort({ lastActivity: -1, serviceName: 1, sessionId: 1 }).limit(limit).toArray();
    return docs.map(sessionOfDocument);
  }

  async findSessionSpans(query: SessionSpansQuery): Promise<SessionSpans> {
    const limit = Math.max(0, Math.trunc(query.limit));
    if (query.sessions.length === 0) return { requests: [], invocations: [], modelCalls: [], more: false };
    const docs = await this.db.collection(COLLECTIONS.apiMetrics)
      .find({ timestamp: { $gte: query.from, $lte: query.to }, $or: query.sessions.map(({ serviceName, sessionId }) => ({ serviceName, sessionId })) })
      .sort({ timestamp: 1, _id: 1 }).limit(limit + 1).toArray();
    const requests = docs.slice(0, limit).map(toApiMetric);
    const more = docs.length > limit;
    if (requests.length === 0) return { requests, invocations: [], modelCalls: [], more };
    const window = traceWindowOf(requests);
    const inTraces = (collection: string) => this.db.collection(collection)
      .find({ traceId: { $in: window.traceIds }, timestamp: { $gte: window.from, $lte: window.to } }).sort({ timestamp: 1, _id: 1 }).toArray();
    const [invocations, modelCalls] = await Promise.all([inTraces(COLLECTIONS.agentInvocations), inTraces(COLLECTIONS.modelCalls)]);
    return {
      requests,
      invocations: invocations.map((doc) => {
        const { kind: _kind, parentSpanId: _parent, ...fields } = toAgentInvocationRecord(doc);
        return fields;
      }),
      modelCalls: modelCalls.map((doc) => {
        const { kind: _kind, ...fields } = toModelCallRecord(doc);
        return fields;
      }),
      more,
    };
  }
}

function compareKeys(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i]! !== b[i]!) return a[i]! < b[i]! ? -1 : 1;
  }
  return 0;
}

/** An hourly_metrics / daily_metrics document as the contract's Rollup (Object.assign rather than a spread after a property: V8's slow path for that is 10x slower per document). */
export function rollupOfDocument(period: Rollup['period'], doc: Document): Rollup {
  return Object.assign(identityOf(doc), { period }, figuresOfDocument('rollup', doc));
}

/** An agent_metrics document as the contract's AgentDay. */
export function agentDayOfDocument(doc: Document): AgentDay {
  const figures = figuresOfDocument('agentDay', doc);
  const { requestCount, totalResponseTime } = figures;
  return {
    serviceName: String(doc['serviceName']),
    agentName: String(doc['agentName']),
    date: String(doc['date']),
    ...figures,
    // From the totals, exact even while a concurrent writer's refresh of the stored field is pending.
    avgResponseTime: requestCount === 0 ? 0 : totalResponseTime / requestCount,
    lastSeen: doc['lastSeen'] as Date,
  };
}

/** A model_metrics document as the contract's ModelDay. */
export function modelDayOfDocument(doc: Document): ModelDay {
  return {
    serviceName: String(doc['serviceName']),
    agentName: String(doc['agentName']),
    provider: nullableString(doc['provider']),
    model: nullableString(doc['model']),
    date: String(doc['date']),
    ...figuresOfDocument('modelDay', doc),
    lastSeen: doc['lastSeen'] as Date,
  };
}

/** A user_sessions document as the contract's UserSession. */
export function sessionOfDocument(doc: Document): UserSession {
  return {
    serviceName: String(doc['serviceName']),
    sessionId: String(doc['sessionId']),
    userId: nullableString(doc['userId']),
    ipAddress: nullableString(doc['ipAddress']),
    userAgent: nullableString(doc['userAgent']),
    startTime: doc['startTime'] as Date,
    lastActivity: doc['lastActivity'] as Date,
    isActive: doc['isActive'] === true,
    requestCount: Number(doc['requestCount'] ?? 0),
  };
}

function identityOf(doc: Document) {
  return {
    serviceName: String(doc['serviceName']),
    start: doc['start'] as Date,
    endpoint: nullableString(doc['endpoint']),
    method: nullableString(doc['method']),
    agentName: nullableString(doc['agentName']),
  };
}

/** The figures of a stored document; a figure missing from it (an older document) reads as nothing counted. */
function figuresOfDocument<D extends FigureDocument>(document: D, doc: Document): FiguresOf<D> {
  const figures: Record<string, unknown> = {};
  for (const { name, merge } of figuresOf(document)) {
    const value = doc[name];
    if (merge === 'histogram') figures[name] = histogramOf(value);
    else if (merge === 'tally') figures[name] = Object.fromEntries(Object.entries(histogramOf(value)).map(([field, count]) => [keyOfFieldName(field), count]));
    else if (merge === 'sum') figures[name] = Number(value ?? 0);
    else figures[name] = value === null || value === undefined ? null : Number(value);
  }
  return figures as FiguresOf<D>;
}

function histogramOf(value: unknown): LatencyHistogram {
  const histogram: LatencyHistogram = {};
  if (value === null || typeof value !== 'object') return histogram;
  for (const [bucket, count] of Object.entries(value as Record<string, unknown>)) histogram[bucket] = Number(count);
  return histogram;
}
