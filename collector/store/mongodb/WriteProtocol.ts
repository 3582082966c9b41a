/**
 * How the MongoDB writer applies a unit's guarded counter updates, per kind of server. The
 * MongoDB protocol is the one below: every single-document update is atomic, so several
 * collectors apply their units at once, each collection's upserts in one unordered bulk
 * write. A server that needs something else (FerretDB 1.x, FerretDbCompatibility.ts) brings
 * its own protocol; MongoWriter knows only this interface.
 */
import type { AnyBulkWriteOperation, Collection } from 'mongodb';
import { bulkUpserts } from './bulkOperations.js';
import type { UnitIdentity } from './counterUpdates.js';
import type { Keyed } from './documents.js';

export interface WriteProtocol {
  /** What the server was found to be (logged at start, asserted by tests). */
  readonly server: 'mongodb' | 'ferretdb';
  /** Runs one unit (or maintenance) exclusively where the server needs that; MongoDB runs it as it is. */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Applies one collection's guarded upserts of a unit. `firstRun`: the unit never ran
   * before, so no document carries it yet.
   */
  applyGuarded(collection: Collection<Keyed>, unit: UnitIdentity, firstRun: boolean, operations: AnyBulkWriteOperation[]): Promise<void>;
  /** Runs a unit's independent steps (one per collection): at once on MongoDB. */
  all(steps: ReadonlyArray<() => Promise<unknown>>): Promise<void>;
  /** Most statements in one update command. */
  readonly statementsPerCommand: number;
  /**
   * Whether fields derived for dashboards only (agent_metrics.avgResponseTime) may be set after
   * the batch is acknowledged, while the next unit runs. Needs atomic single-document updates.
   */
  readonly derivedFieldsAfterAck: boolean;
}

export const mongodbProtocol: WriteProtocol = {
  server: 'mongodb',
  exclusive: (work) => work(),
  applyGuarded: (collection, _unit, _firstRun, operations) => bulkUpserts(collection, operations),
  all: async (steps) => {
    // Wait for every step before failing: no operation of a failed unit is still in flight
    // when its retry starts.
    const results = await Promise.allSettled(steps.map((step) => step()));
    for (const result of results) if (result.status === 'rejected') throw result.reason;
  },
  statementsPerCommand: 100_000,
  derivedFieldsAfterAck: true,
};
