/**
 * The MongoDB store's side of archive before delete (collector/store/archive/archiveExpired.ts):
 * expired documents in the contract's shape (bookkeeping fields dropped), oldest first, and
 * the conditional delete of archived ones. Upserted documents are found by their `_id`, which
 * is the archived `_id` (documentIds.ts); raw ones by (traceId, spanId), their unique index.
 */
import type { Db, Document, Filter } from 'mongodb';
import type { ArchiveSource } from '../archive/archiveExpired.js';
import { ARCHIVED_COLLECTIONS, type ArchivedCollection, type ArchivedDocument } from '../archive/archiveFormat.js';
import { COLLECTIONS, toAgentInvocationRecord, toApiMetric, toModelCallRecord } from './documents.js';
import { agentDayOfDocument, modelDayOfDocument, rollupOfDocument, sessionOfDocument } from './MongoReader.js';

/** Conditions per delete command: one `$or` of this many documents. */
const DELETE_CHUNK = 200;

/** The stored field retention judges each collection by (agent days: their `start`, as the TTL index). */
const TIME_FIELD: Record<ArchivedCollection, string> = {
  api_metrics: 'timestamp', agent_invocations: 'timestamp', model_calls: 'timestamp',
  hourly_metrics: 'start', daily_metrics: 'start', agent_metrics: 'start', model_metrics: 'start', user_sessions: 'lastActivity',
};

const CONTRACT_SHAPE: Record<ArchivedCollection, (doc: Document) => Record<string, unknown>> = {
  api_metrics: toApiMetric,
  agent_invocations: (doc) => {
    const { kind: _kind, ...fields } = toAgentInvocationRecord(doc);
    return fields;
  },
  model_calls: (doc) => {
    const { kind: _kind, ...fields } = toModelCallRecord(doc);
    return fields;
  },
  hourly_metrics: (doc) => ({ ...rollupOfDocument('hour', doc) }),
  daily_metrics: (doc) => ({ ...rollupOfDocument('day', doc) }),
  agent_metrics: (doc) => ({ ...agentDayOfDocument(doc) }),
  model_metrics: (doc) => ({ ...modelDayOfDocument(doc) }),
  user_sessions: (doc) => ({ ...sessionOfDocument(doc) }),
};

/** The filter that matches the archived version of a document and nothing else. */
const STILL_AS_ARCHIVED: Record<ArchivedCollection, (doc: ArchivedDocument) => Filter<Document>> = {
  api_metrics: (doc) => ({ traceId: doc['traceId'], spanId: doc['spanId'] }),
  agent_invocations: (doc) => ({ traceId: doc['traceId'], spanId: doc['spanId'] }),
  model_calls: (doc) => ({ traceId: doc['traceId'], spanId: doc['spanId'] }),
  hourly_metrics: (doc) => ({ _id: doc._id as unknown as Filter<Document>['_id'], requestCount: doc['requestCount'] }),
  daily_metrics: (doc) => ({ _id: doc._id as unknown as Filter<Document>['_id'], requestCount: doc['requestCount'] }),
  agent_metrics: (doc) => ({ _id: doc._id as unknown as Filter<Document>['_id'], requestCount: doc['requestCount'] }),
  model_metrics: (doc) => ({ _id: doc._id as unknown as Filter<Document>['_id'], callCount: doc['callCount'] }),
  user_sessions: (doc) => ({
    _id: doc._id as unknown as Filter<Document>['_id'], lastActivity: doc['lastActivity'], requestCount: doc['requestCount'], isActive: doc['isActive'],
  }),
};

export class MongoArchiveSource implements ArchiveSource {
  /** `turn` runs a delete in the store's turn among its writes (MongoStore). */
  constructor(private readonly db: Db, private readonly turn: <T>(work: () => Promise<T>) => Promise<T>) {}

  async expired(collection: ArchivedCollection, before: Date, limit: number): Promise<Array<Record<string, unknown>>> {
    const field = TIME_FIELD[collection];
    const docs = await this.db.collection(collectionName(collection)).find({ [field]: { $lt: before } }).sort({ [field]: 1, _id: 1 }).limit(limit).toArray();
    return docs.map(CONTRACT_SHAPE[collection]);
  }

  async deleteArchived(collection: ArchivedCollection, docs: readonly ArchivedDocument[]): Promise<number> {
    let deleted = 0;
    for (let i = 0; i < docs.length; i += DELETE_CHUNK) {
      const chunk = docs.slice(i, i + DELETE_CHUNK);
      const result = await this.turn(() => this.db.collection(collectionName(collection)).deleteMany({ $or: chunk.map(STILL_AS_ARCHIVED[collection]) }));
      deleted += result.deletedCount;
    }
    return deleted;
  }
}

/** The archived names are collection names of documents.ts (checked when compiling). */
const ARCHIVED_ARE_COLLECTIONS: ReadonlyArray<(typeof COLLECTIONS)[keyof typeof COLLECTIONS]> = ARCHIVED_COLLECTIONS;
const collectionName = (collection: ArchivedCollection): string => ARCHIVED_ARE_COLLECTIONS[ARCHIVED_COLLECTIONS.indexOf(collection)]!;
