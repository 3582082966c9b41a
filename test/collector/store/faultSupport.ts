/**
 * Shared by the store fault tests (sqliteFaults, mongodbFaults): what a store shows (a
 * snapshot of everything the readers return), what it must show for a set of records counted
 * once (the snapshot of a fresh store of the same backend given only those), the outcome of
 * several requests written in one group commit, the shape of a retryable store failure, and
 * retrying like an exporter until a store is back.
 */
import { expect } from 'vitest';
import { isRetryable, PipelineError } from '../../../collector/errors.js';
import { GroupCommitWriter } from '../../../collector/pipeline/GroupCommitWriter.js';
import type { RejectedRecord, SpanRecord, Store, StoreReader, StoreWriter } from '../../../collector/store/types.js';
import { Telemetry } from '../../../collector/telemetry/Telemetry.js';
import { GatedStore } from '../../support/GatedStore.js';
import { at, day, sortAgentDays, sortRollups } from './contract/records.js';

/** A fault a test makes and clears (a server stopped and started, a lock held and released, a disk filled and freed). */
export interface Outage {
  begin(): void | Promise<void>;
  end(): void | Promise<void>;
}

/** The read side, answered at once or later (SqliteReader answers synchronously). */
export type SnapshotSource = {
  [K in Exclude<keyof StoreReader, 'ping'>]: (...args: Parameters<StoreReader[K]>) => ReturnType<StoreReader[K]> | Awaited<ReturnType<StoreReader[K]>>;
};

/** Session ids the fault tests use (contract/records.ts mixedBatch: s0..s5). */
const SESSION_IDS = Array.from({ length: 10 }, (_, i) => `s${i}`);
const WINDOW = { from: at(-48), to: at(96) };

/** Everything the readers show of the records the fault tests write (all within WINDOW). */
export async function snapshotOf(reader: SnapshotSource) {
  const rollups = async (period: 'hour' | 'day', level: 'service' | 'endpoint') =>
    sortRollups(await reader.findRollups({ ...WINDOW, period, level }));
  const services = await reader.listServices();
  const sessions = [];
  for (const { serviceName } of services) {
    for (const id of SESSION_IDS) sessions.push(await reader.findSession(serviceName, id));
  }
  const requests = await reader.findRequests({ ...WINDOW, limit: 100_000 });
  return {
    hours: await rollups('hour', 'service'),
    hourEndpoints: await rollups('hour', 'endpoint'),
    days: await rollups('day', 'service'),
    dayEndpoints: await rollups('day', 'endpoint'),
    agentDays: sortAgentDays(await reader.findAgentDays({ fromDate: day(-2), toDate: day(4) })),
    sessionCounts: await reader.countSessions(WINDOW),
    sessions,
    services,
    requests: requests.sort((a, b) => (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0)),
  };
}

export type StoreSnapshot = Awaited<ReturnType<typeof snapshotOf>>;

/** The snapshot of `records` each counted once: written, in this order, to a fresh store from `freshStore`. */
export async function expectedSnapshot(freshStore: () => Store, records: readonly SpanRecord[]): Promise<StoreSnapshot> {
  const control = freshStore();
  await control.start();
  try {
    await control.write(records);
    return await snapshotOf(control);
  } finally {
    await control.shutdown();
  }
}

/**
 * Writes `requests` through a real GroupCommitWriter as one group commit: a first request
 * (`lead`, records already stored, so it changes nothing) is held at the store until the
 * others have queued behind it, which makes them one batch (its own outcome does not matter).
 * Returns each request's outcome:
 * the records the store refused for it, or the error its write was rejected with.
 */
export async function writeAsOneGroupCommit(
  store: StoreWriter, lead: readonly SpanRecord[], requests: ReadonlyArray<readonly SpanRecord[]>,
): Promise<Array<RejectedRecord[] | PipelineError>> {
  const gated = new GatedStore(store);
  const writer = new GroupCommitWriter(gated, { sendBatchSize: 100_000, maxQueuedRecords: 100_000 }, new Telemetry());
  const first = writer.write(lead).catch(() => undefined);
  const outcomes = requests.map((records) => writer.write(records).catch((error: unknown) => error as PipelineError));
  gated.open();
  await first;
  const settled = await Promise.all(outcomes);
  expect(gated.batchSizes).toEqual([lead.length, requests.reduce((sum, records) => sum + records.length, 0)]);
  return settled;
}

/** `error` is the store's retryable failure: 503 with Retry-After, its message naming `cause`. */
export function expectRetryable(error: unknown, cause: RegExp): void {
  expect(error).toBeInstanceOf(PipelineError);
  expect(error).toMatchObject({ kind: 'retryable', httpStatus: 503 });
  expect((error as PipelineError).retryAfterSeconds).toBeGreaterThan(0);
  expect((error as PipelineError).message).toMatch(cause);
}

/** What `rejected` of a WriteResult lists for records refused for their data. */
export function rejectionsOf(records: readonly SpanRecord[], reason: RegExp) {
  return records.map((record) => ({ traceId: record.traceId, spanId: record.spanId, reason: expect.stringMatching(reason) as unknown as string }));
}

/** Runs `operation` again while it fails retryably (a server coming back), as an exporter resends: at most 40 tries, 250 ms apart. */
export async function untilAvailable<T>(operation: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!isRetryable(error) || attempt >= 40) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
