/**
 * The SQLite store: the shared contract suite on a temporary file per test, plus what only
 * the embedded store has (a file that keeps its data across reopen, WAL, durable commits).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { isRetryable } from '../../../collector/errors.js';
import { SqliteStore } from '../../../collector/store/sqlite/SqliteStore.js';
import { at, day, request } from './contract/records.js';
import { runStoreContract, SAME_IDS_OTHER_TIME } from './storeContract.js';

const root = mkdtempSync(join(tmpdir(), 'spanpulse-sqlite-'));
let files = 0;
const freshPath = () => join(root, `store-${++files}`, 'spanpulse.db');
afterAll(() => rmSync(root, { recursive: true, force: true }));

runStoreContract('sqlite', async () => new SqliteStore({ path: freshPath() }), {
  optOut: {
    [SAME_IDS_OTHER_TIME]: 'the SQLite idempotency key is (start time, hash of traceId and spanId), so that its index is ' +
      'filled in sorted runs near its end instead of at random pages (README "Storage"); a redelivered span always has the same start time',
  },
});

describe('SqliteStore on a file', () => {
  it('keeps its data when the file is reopened, and start() on an existing schema is harmless', async () => {
    const path = freshPath();
    const first = new SqliteStore({ path });
    await first.start();
    const batch = [request({ sessionId: 's1', responseTime: 40 }), request({ sessionId: 's2', responseTime: 60 })];
    expect(await first.write(batch)).toEqual({ stored: 2, duplicates: 0, rejected: [] });
    await first.shutdown();

    const second = new SqliteStore({ path });
    await second.start();
    expect(await second.write(batch)).toEqual({ stored: 0, duplicates: 2, rejected: [] });
    const [hour] = await second.findRollups({ period: 'hour', level: 'service', from: at(0), to: at(24) });
    expect(hour).toMatchObject({ requestCount: 2, totalResponseTime: 100, activeUsers: 2 });
    await second.shutdown();
  });

  it('reads at once while writes are in flight and a fold started within the last second; an idle read sees every write', async () => {
    // No fold of the writer's own (README "Storage"): only reads ask for one.
    const store = new SqliteStore({ path: freshPath(), foldRows: 1_000_000, foldIntervalMs: 3_600_000 });
    await store.start();
    const requests = async () => (await store.findRollups({ period: 'hour', level: 'service', from: at(0), to: at(24) }))[0]?.requestCount ?? 0;
    await store.write([request({ sessionId: 's1' })]);
    expect(await requests()).toBe(1); // idle: folds first
    await store.write([request({ sessionId: 's2' })]);
    const inFlight = store.write([request({ sessionId: 's3' })]);
    expect(await requests()).toBe(1); // busy, last fold just now: the answered write may be missed
    await inFlight;
    expect(await requests()).toBe(3);
    await store.shutdown();
  });

  it('refuses a file with another schema version, clearly', async () => {
    const path = freshPath();
    const first = new SqliteStore({ path });
    await first.start();
    await first.shutdown();
    const db = new Database(path);
    db.pragma('user_version = 99');
    db.close();
    const second = new SqliteStore({ path });
    await expect(second.start()).rejects.toThrow(/schema version 99/);
    await second.shutdown();
  });

  it('runs in WAL mode with full synchronous commits', async () => {
    const path = freshPath();
    const store = new SqliteStore({ path });
    await store.start();
    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
    await store.shutdown();
  });

  it('answers a locked file with a retryable error instead of waiting forever', async () => {
    const path = freshPath();
    const store = new SqliteStore({ path, busyTimeoutMs: 50 });
    await store.start();
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    try {
      const error = await store.write([request()]).catch((e: unknown) => e);
      expect(isRetryable(error)).toBe(true);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(await store.write([request()])).toEqual({ stored: 1, duplicates: 0, rejected: [] });
    await store.shutdown();
  });

  it('expires an agent day together with the daily rollup of the same day', async () => {
    const store = new SqliteStore({ path: freshPath() });
    await store.start();
    await store.write([24, 48].map((hour) => request({ agentName: 'support', timestamp: at(hour + 1) })));
    const days = 24 * 3_600_000;
    await store.deleteExpired(at(36 + 5 * 24), { apiMetricsMs: days, minuteMetricsMs: days, hourlyMetricsMs: days, dailyMetricsMs: 5 * days, agentMetricsMs: 5 * days, sessionsMs: days });
    const daily = await store.findRollups({ period: 'day', level: 'service', from: at(0), to: at(96) });
    expect(daily.map((r) => r.start)).toEqual([at(48)]);
    expect((await store.findAgentDays({ fromDate: day(0), toDate: day(5) })).map((d) => d.date)).toEqual([day(2)]);
    await store.shutdown();
  });

  it('refuses an in-memory database, which the writer thread and the readers could not share', () => {
    expect(() => new SqliteStore({ path: ':memory:' })).toThrow(/must be a file/);
  });
});
