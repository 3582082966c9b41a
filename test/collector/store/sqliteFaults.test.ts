/**
 * The error model of the SQLite store (storeErrors.ts) against real faults under its file:
 * a record SQLite refuses for its data is rejected alone (partial success of its request
 * only); a full filesystem, an I/O error, another connection's lock, a file turned immutable
 * and a corrupt page make the whole write a retryable 503 with Retry-After. Each test checks
 * that nothing already stored changed (the snapshot of everything the readers show) and that
 * once the fault clears, the same batch, sent again, is counted exactly once: the store then
 * shows what a fresh store given each record once shows.
 *
 * The faults are real (sqliteFaultSupport.ts); the ones that need root (a small tmpfs to
 * fill, chattr) are skipped elsewhere with the reason.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SqliteReader } from '../../../collector/store/sqlite/SqliteReader.js';
import { SqliteStore, type SqliteStoreOptions } from '../../../collector/store/sqlite/SqliteStore.js';
import type { SpanRecord } from '../../../collector/store/types.js';
import { at, invocation, mixedBatch, request } from './contract/records.js';
import {
  expectedSnapshot, expectRetryable, rejectionsOf, snapshotOf, writeAsOneGroupCommit, type StoreSnapshot,
} from './faultSupport.js';
import {
  corruptRootPage, holdWriteLock, limitFileSize, makeImmutable, mountSmallFilesystem, rawRowCount, refuseWrites, walSize,
  whyNoFileSizeLimit, whyNoImmutableFiles, whyNoSmallFilesystem, type SmallFilesystem,
} from './sqliteFaultSupport.js';

const root = mkdtempSync(join(tmpdir(), 'spanpulse-sqlite-faults-'));
let files = 0;
const freshPath = (dir = root) => join(dir, `store-${++files}`, 'spanpulse.db');
const control = () => new SqliteStore({ path: freshPath() });

const noSmallFilesystem = whyNoSmallFilesystem();
const noFileSizeLimit = whyNoFileSizeLimit();
const noImmutableFiles = whyNoImmutableFiles();

/** Mounted only while the file's tests run (hooks do not run when a filter leaves none). */
let smallFilesystem: SmallFilesystem | undefined;
beforeAll(() => {
  // Large enough for a few small stores, small enough to fill in a moment.
  const mounted = noSmallFilesystem === undefined ? mountSmallFilesystem(16 * 1024 * 1024) : undefined;
  if (typeof mounted === 'string') throw new Error(mounted);
  smallFilesystem = mounted;
});

const running: SqliteStore[] = [];
afterEach(async () => {
  if (noFileSizeLimit === undefined) limitFileSize('unlimited');
  await Promise.all(running.splice(0).map((store) => store.shutdown()));
});
afterAll(() => {
  smallFilesystem?.unmount();
  rmSync(root, { recursive: true, force: true });
});

async function started(options: SqliteStoreOptions): Promise<SqliteStore> {
  const store = new SqliteStore(options);
  running.push(store);
  await store.start();
  return store;
}

/** Fold only when asked (a read, maintenance, shutdown), so that a test decides when it runs. */
const FOLD_ON_DEMAND = { foldRows: 1_000_000, foldIntervalMs: 3_600_000 };

/** What the file shows without folding first (the store's reads fold): its own read-only connection. */
async function snapshotWithoutFold(path: string): Promise<StoreSnapshot> {
  const db = new Database(path, { readonly: true });
  try {
    return await snapshotOf(new SqliteReader(db));
  } finally {
    db.close();
  }
}

/** A started store holding `size` records (baseline, folded), and what it shows. */
async function storeWithBaseline(options: SqliteStoreOptions, size = 24) {
  const store = await started(options);
  const baseline = mixedBatch(size, 9);
  await store.write(baseline);
  return { store, baseline, before: await snapshotOf(store) };
}

const requestsIn = (records: readonly SpanRecord[]) => records.filter((r) => r.kind === 'request').length;

interface Fault {
  name: string;
  /** Why it cannot be produced on this machine, or undefined. */
  unavailable: string | undefined;
  /** What the 503's message names (the SQLite code). */
  cause: RegExp;
  /** Where the store's file goes. */
  path: () => string;
  options?: Partial<SqliteStoreOptions>;
  /** Produces the fault under the store's file; returns how to clear it. */
  inject: (path: string) => () => void;
}

const fullFilesystem: Fault = {
  name: 'a full filesystem',
  unavailable: noSmallFilesystem,
  cause: /SQLITE_FULL/,
  path: () => freshPath(smallFilesystem!.dir),
  inject: () => {
    smallFilesystem!.fill();
    return () => smallFilesystem!.free();
  },
};

const ioError: Fault = {
  name: 'an I/O error (writes beyond the file size limit fail with EFBIG)',
  unavailable: noFileSizeLimit,
  cause: /SQLITE_IOERR/,
  path: () => freshPath(),
  inject: (path) => {
    limitFileSize(walSize(path));
    return () => limitFileSize('unlimited');
  },
};

const RETRYABLE_FAULTS: Fault[] = [
  fullFilesystem,
  ioError,
  {
    name: 'another connection holding the write lock',
    unavailable: undefined,
    cause: /SQLITE_BUSY/,
    path: () => freshPath(),
    options: { busyTimeoutMs: 50 },
    inject: (path) => holdWriteLock(path),
  },
  {
    // Permissions do not stop root, and a file already open stays writable whatever its mode;
    // an immutable file is refused to everyone (EPERM), which SQLite reports as an I/O error.
    name: 'a write-ahead log turned read-only (immutable)',
    unavailable: noImmutableFiles,
    cause: /SQLITE_IOERR/,
    path: () => freshPath(),
    inject: (path) => makeImmutable(`${path}-wal`) as () => void,
  },
];

describe('SQLite store: a record it can never write', () => {
  it('is rejected alone: the other records and requests of the group commit are stored, and a retry counts them once', async () => {
    const store = await started({ path: freshPath() });
    const baseline = mixedBatch(20, 9);
    await store.write(baseline);
    // NaN binds as NULL, which the NOT NULL token columns refuse. Mapping never makes such a
    // record; the store must still refuse it alone.
    const badRequest = request({ sessionId: 's1', inputTokens: Number.NaN, timestamp: at(10, 5) });
    const badInvocation = invocation({ sessionId: 's2', outputTokens: Number.NaN, timestamp: at(10, 6) });
    const [a, b, c] = [mixedBatch(6, 10), mixedBatch(5, 11), mixedBatch(3, 12)];
    const requests = [[...a.slice(0, 3), badRequest, ...a.slice(3)], b, [badInvocation, ...c]];

    const outcomes = await writeAsOneGroupCommit(store, baseline.slice(0, 1), requests);
    expect(outcomes).toEqual([rejectionsOf([badRequest], /NOT NULL constraint failed: api_metrics.inputTokens/), [],
      rejectionsOf([badInvocation], /NOT NULL constraint failed: agent_invocations.outputTokens/)]);
    const expected = await expectedSnapshot(control, [...baseline, ...a, ...b, ...c]);
    expect(await snapshotOf(store)).toEqual(expected);

    expect(await writeAsOneGroupCommit(store, baseline.slice(0, 1), requests)).toEqual(outcomes);
    expect(await store.write(requests.flat())).toEqual({ stored: 0, duplicates: 14, rejected: rejectionsOf([badRequest, badInvocation], /NOT NULL/) });
    expect(await snapshotOf(store)).toEqual(expected);
  });

  it('is rejected at the append when the fold could not store its figures, so that every later fold still works', async () => {
    // SQLite takes an infinite responseTime (REAL), but its end time is no time at all, which
    // services.lastSeen and the sessions need: stored, it failed every fold of the tail after it.
    const store = await started({ path: freshPath(), ...FOLD_ON_DEMAND });
    const good = mixedBatch(12, 10);
    const unfoldable = [
      request({ sessionId: 's1', responseTime: Number.POSITIVE_INFINITY, timestamp: at(10, 7) }),
      invocation({ sessionId: 's2', responseTime: 1e308, timestamp: at(10, 8) }),
    ];
    const batch = [...good.slice(0, 5), ...unfoldable, ...good.slice(5)];
    expect(await store.write(batch)).toEqual({ stored: 12, duplicates: 0, rejected: rejectionsOf(unfoldable, /not a valid time/) });
    expect(await snapshotOf(store)).toEqual(await expectedSnapshot(control, good));
    expect(await store.write(batch)).toEqual({ stored: 0, duplicates: 12, rejected: rejectionsOf(unfoldable, /not a valid time/) });
  });
});

describe.each(RETRYABLE_FAULTS)('SQLite store: $name', (fault) => {
  it.skipIf(fault.unavailable !== undefined)(`fails every request of the group commit with a retryable 503, changes nothing, and the retried batch counts once${fault.unavailable ? ` (skipped: ${fault.unavailable})` : ''}`, async () => {
    const path = fault.path();
    const { store, baseline, before } = await storeWithBaseline({ path, ...fault.options });
    const requests = [mixedBatch(30, 10), mixedBatch(10, 11)];

    const clear = fault.inject(path);
    let outcomes;
    try {
      outcomes = await writeAsOneGroupCommit(store, baseline.slice(0, 1), requests);
    } finally {
      clear();
    }
    for (const outcome of outcomes) expectRetryable(outcome, fault.cause);
    expect(await snapshotOf(store)).toEqual(before);

    expect(await writeAsOneGroupCommit(store, baseline.slice(0, 1), requests)).toEqual([[], []]);
    expect(await store.write(requests.flat())).toEqual({ stored: 0, duplicates: 40, rejected: [] });
    expect(await snapshotOf(store)).toEqual(await expectedSnapshot(control, [...baseline, ...requests.flat()]));
  });
});

describe('SQLite store: a corrupt page', () => {
  it('makes writes that read it a retryable 503 (never a 400), and changes nothing else', async () => {
    const path = freshPath();
    const { store: first, baseline, before } = await storeWithBaseline({ path });
    await first.shutdown();

    // span_ids is the idempotency index every append reads; starting the store does not.
    const restore = corruptRootPage(path, 'span_ids');
    const corrupt = await started({ path });
    const batch = mixedBatch(30, 10);
    expectRetryable(await corrupt.write(batch).catch((error: unknown) => error), /SQLITE_CORRUPT/);
    expectRetryable(await corrupt.write(batch).catch((error: unknown) => error), /SQLITE_CORRUPT/);
    await corrupt.shutdown();

    restore();
    const repaired = await started({ path });
    expect(await snapshotOf(repaired)).toEqual(before);
    expect(await repaired.write(batch)).toEqual({ stored: 30, duplicates: 0, rejected: [] });
    expect(await snapshotOf(repaired)).toEqual(await expectedSnapshot(control, [...baseline, ...batch]));
  });
});

describe('SQLite store: a read-only file', () => {
  it.skipIf(noImmutableFiles !== undefined)(`is refused at start with the reason, and the file is left as it was${noImmutableFiles ? ` (skipped: ${noImmutableFiles})` : ''}`, async () => {
    const path = freshPath();
    const { store: first, before } = await storeWithBaseline({ path }, 12);
    await first.shutdown();

    // SQLite opens a file it may not write read-only; a running store's file cannot turn
    // read-only that way (its descriptor stays writable), see the immutable WAL above.
    const undo = makeImmutable(path) as () => void;
    try {
      await expect(new SqliteStore({ path }).start()).rejects.toThrow(/readonly database/);
    } finally {
      undo();
    }
    const store = await started({ path });
    expect(await snapshotOf(store)).toEqual(before);
  });
});

describe.each([fullFilesystem, ioError])('SQLite store: a fold that fails on $name', (fault) => {
  const skip = fault.unavailable !== undefined;
  const skipped = skip ? ` (skipped: ${fault.unavailable})` : '';

  /** A store holding `baseline` folded and `batch` acknowledged but not folded yet. */
  async function withUnfoldedBatch() {
    const path = fault.path();
    const { store, baseline, before } = await storeWithBaseline({ path, ...FOLD_ON_DEMAND });
    const batch = mixedBatch(30, 10);
    expect(await store.write(batch)).toEqual({ stored: 30, duplicates: 0, rejected: [] });
    return { path, store, baseline, before, batch };
  }

  it.skipIf(skip)(`keeps the acknowledged rows, answers reads with a retryable 503, and folds them once when the fault clears${skipped}`, async () => {
    const { path, store, baseline, before, batch } = await withUnfoldedBatch();
    const clear = fault.inject(path);
    try {
      expectRetryable(await store.listServices().catch((error: unknown) => error), fault.cause);
      expect(rawRowCount(path, 'api_metrics')).toBe(requestsIn([...baseline, ...batch]));
      expect(await snapshotWithoutFold(path)).toEqual(before);
    } finally {
      clear();
    }
    expect(await snapshotOf(store)).toEqual(await expectedSnapshot(control, [...baseline, ...batch]));
    expect(await store.write(batch)).toEqual({ stored: 0, duplicates: 30, rejected: [] });
  });

  it.skipIf(skip)(`keeps them across a shutdown during the fault, and the next start folds them once${skipped}`, async () => {
    const { path, store, baseline, batch } = await withUnfoldedBatch();
    const clear = fault.inject(path);
    try {
      await store.shutdown();
    } finally {
      clear();
    }
    const reopened = await started({ path, ...FOLD_ON_DEMAND });
    expect(await snapshotOf(reopened)).toEqual(await expectedSnapshot(control, [...baseline, ...batch]));
    expect(await reopened.write(batch)).toEqual({ stored: 0, duplicates: 30, rejected: [] });
  });
});

describe('SQLite store: rows that cannot be folded', () => {
  it('are kept up to maxUnfoldedRows; then appends are refused as retryable until the fold works again', async () => {
    const path = freshPath();
    const { store, baseline, before } = await storeWithBaseline({ path, ...FOLD_ON_DEMAND, maxUnfoldedRows: 10 }, 8);

    // The fold writes services; appends never do. A trigger refusing those writes fails every fold.
    const allowFolds = refuseWrites(path, 'services');
    const [b1, b2, b3] = [mixedBatch(6, 10), mixedBatch(6, 11), mixedBatch(6, 12)];
    expect(await store.write(b1)).toMatchObject({ stored: 6 });
    expect(await store.write(b2)).toMatchObject({ stored: 6 });
    expectRetryable(await store.write(b3).catch((error: unknown) => error), /cannot fold its last 12 rows/);
    expectRetryable(await store.listServices().catch((error: unknown) => error), /cannot fold/);
    expect(rawRowCount(path, 'api_metrics')).toBe(requestsIn([...baseline, ...b1, ...b2]));
    expect(await snapshotWithoutFold(path)).toEqual(before);

    allowFolds();
    expect(await store.write(b3)).toEqual({ stored: 6, duplicates: 0, rejected: [] });
    expect(await store.write([...b1, ...b2, ...b3])).toEqual({ stored: 0, duplicates: 18, rejected: [] });
    expect(await snapshotOf(store)).toEqual(await expectedSnapshot(control, [...baseline, ...b1, ...b2, ...b3]));
  });
});
