/**
 * Archive before delete survives kill -9: the real collector (a child process on the shipped
 * config with archive on and short retention) is killed by SIGKILL right after an archive file
 * became durable and before its documents were deleted; the next collector's retention pass
 * leaves no gap and no duplicate: the files hold exactly the expired documents, once each,
 * and the store exactly the others. On both stores.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ARCHIVE_RULES, ARCHIVED_COLLECTIONS, parseArchiveFileName, type ArchivedCollection } from '../../../collector/store/archive/archiveFormat.js';
import { readArchiveFile } from '../../../collector/store/archive/archiveFiles.js';
import { verifyArchive } from '../../../collector/store/archive/verifyArchive.js';
import { SqliteStore } from '../../../collector/store/sqlite/SqliteStore.js';
import type { Retention, SpanRecord, Store } from '../../../collector/store/types.js';
import { SHIPPED_CONFIG, startCollector, testEnv } from '../../support/binProcess.js';
import { invocation, modelCall, request } from './contract/records.js';
import { byId, snapshot, UNREAD_RAW } from './contract/archiveContract.js';
import { dropDatabasesAfterAll, freshDatabase, freshStore, mongodbUri, skipReason } from './mongodbSupport.js';

const DAY_MS = 86_400_000;
/** Preload that SIGKILLs the collector once KILL_AFTER_ARCHIVE_FILES archive files are in place. */
const KILL_AFTER_ARCHIVE_FILES = fileURLToPath(new URL('./fixtures/killAfterArchiveFiles.mjs', import.meta.url));
/** extensions.retention.session_inactivity of the shipped config (checked in archiveConfig). */
const SESSION_INACTIVITY_MS = 30 * 60_000;
const root = mkdtempSync(join(tmpdir(), 'spanpulse-archive-crash-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
dropDatabasesAfterAll();
let dirs = 0;

/** The shipped config with archive on and retention short enough for records written a few weeks back. */
const RETENTION: Retention = {
  apiMetricsMs: 30 * DAY_MS, minuteMetricsMs: 2 * DAY_MS, hourlyMetricsMs: 32 * DAY_MS, dailyMetricsMs: 34 * DAY_MS, agentMetricsMs: 34 * DAY_MS, sessionsMs: 32 * DAY_MS,
};
function archiveConfig(dir: string): string {
  let text = readFileSync(SHIPPED_CONFIG, 'utf8');
  expect(text).toContain('session_inactivity: 30m');
  for (const [from, to] of [['archive: false', 'archive: true'], ['hourly_metrics: 90d', 'hourly_metrics: 32d'], ['daily_metrics: 400d', 'daily_metrics: 34d'],
    ['agent_metrics: 400d', 'agent_metrics: 34d'], ['user_sessions: 400d', 'user_sessions: 32d']]) {
    expect(text).toContain(from);
    text = text.replace(from, to);
  }
  const path = join(dir, 'otel-config.yaml');
  writeFileSync(path, text);
  return path;
}

/** Records 26 to 40 days old, each 2 h older than a whole number of days, so no cutoff of the collector's clock (a little later) lies near one. */
function oldRecords(now: number): { records: SpanRecord[]; sessions: Array<[string, string]> } {
  const records: SpanRecord[] = [];
  const sessions: Array<[string, string]> = [];
  for (let age = 40; age >= 26; age--) {
    const time = now - age * DAY_MS - 2 * 3_600_000;
    sessions.push(['shop', `s${age}`]);
    for (let i = 0; i < 3; i++) {
      records.push(request({ sessionId: `s${age}`, agentName: i === 0 ? 'support' : null, endpoint: i === 2 ? '/api/pay' : '/api/items', timestamp: new Date(time + i * 60_000), responseTime: 5 + i + age }));
    }
    records.push(invocation({ sessionId: `s${age}`, timestamp: new Date(time + 10 * 60_000) }));
    records.push(modelCall({ sessionId: `s${age}`, timestamp: new Date(time + 11 * 60_000), ...(age % 2 === 0 ? {} : { provider: null, model: null }) }));
  }
  return { records, sessions };
}

async function archivedLines(dir: string, collection: ArchivedCollection): Promise<Array<Record<string, unknown>>> {
  const lines: Array<Record<string, unknown>> = [];
  for (const name of readdirSync(join(dir, collection)).filter((file) => parseArchiveFileName(file) !== null).sort()) {
    lines.push(...await readArchiveFile(join(dir, collection, name)));
  }
  return lines;
}

function crashContract(name: string, openStore: () => Store, storeEnv: Record<string, string>): void {
  describe(`archive after kill -9: ${name}`, () => {
    it('leaves no gap and no duplicate once the next collector ran', async () => {
      const dataDir = join(root, `data-${++dirs}`);
      const archiveDir = join(dataDir, 'archive');
      const config = archiveConfig(mkdtempSync(join(root, 'config-')));
      const now = Date.now();
      const { records, sessions } = oldRecords(now);
      let store = openStore();
      await store.start();
      await store.write(records);
      // Each collector pass marks sessions idle for session_inactivity inactive before it archives
      // and deletes (MaintenanceJob), so the version a pass deletes, and archives, is the inactive
      // one: the expected documents are the stored ones after that marking. All these sessions
      // are days old, so every one of them is marked.
      expect(await store.markInactiveSessions(new Date(now), SESSION_INACTIVITY_MS)).toBe(sessions.length);
      const before = await snapshot(store, sessions, records);
      expect(before.user_sessions.map((session) => session['isActive'])).toEqual(sessions.map(() => false));
      await store.shutdown();

      // 1. Killed once two api_metrics files (two UTC days) are durable, before the second is deleted.
      const first = await startCollector(testEnv(dataDir, { ...storeEnv, NODE_OPTIONS: `--import=${KILL_AFTER_ARCHIVE_FILES}`, KILL_AFTER_ARCHIVE_FILES: '2' }), config)
        .catch((error: Error) => error);
      if (!(first instanceof Error)) await first.exited;
      const [one, two, ...more] = readdirSync(join(archiveDir, 'api_metrics')).filter((file) => parseArchiveFileName(file) !== null).sort();
      expect(more).toEqual([]);
      store = openStore();
      await store.start();
      const stored = new Set((await store.findRequests({ from: new Date(0), to: new Date(now), limit: 100_000 })).map((r) => ARCHIVE_RULES.api_metrics.id(r)));
      await store.shutdown();
      const inFile = async (file: string) => (await readArchiveFile(join(archiveDir, 'api_metrics', file))).map((doc) => doc._id);
      expect((await inFile(one!)).filter((id) => stored.has(id))).toEqual([]);
      expect((await inFile(two!)).every((id) => stored.has(id))).toBe(true);

      // 2. The next collector's retention pass (at start) finishes the job.
      const expired = (collection: ArchivedCollection) =>
        before[collection].filter((doc) => ARCHIVE_RULES[collection].time(doc).getTime() < now - ARCHIVE_RULES[collection].retentionMs(RETENTION));
      const total = ARCHIVED_COLLECTIONS.reduce((sum, collection) => sum + expired(collection).length, 0);
      const second = await startCollector(testEnv(dataDir, storeEnv), config);
      const deadline = Date.now() + 60_000;
      while ((await verifyArchive(archiveDir)).collections.reduce((sum, c) => sum + c.lines, 0) < total && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(await second.stop()).toBe(0);

      const verified = await verifyArchive(archiveDir);
      expect(verified.problems).toEqual([]);
      store = openStore();
      await store.start();
      try {
        const after = await snapshot(store, sessions, []);
        for (const collection of ARCHIVED_COLLECTIONS) {
          const sorted = byId(collection);
          const lines = await archivedLines(archiveDir, collection);
          expect(expired(collection).length, collection).toBeGreaterThan(0);
          expect(new Set(lines.map((line) => line['_id'])).size, collection).toBe(lines.length);
          expect(sorted(lines.map(({ _id: _unused, ...doc }) => doc)), collection).toEqual(sorted(expired(collection)));
          if (!(UNREAD_RAW as readonly string[]).includes(collection)) {
            const kept = before[collection].filter((doc) => !expired(collection).includes(doc));
            expect(sorted(after[collection]), collection).toEqual(sorted(kept));
          }
        }
        // Another pass finds nothing more to archive.
        const files = ARCHIVED_COLLECTIONS.map((collection) => readdirSync(join(archiveDir, collection)).sort());
        await store.deleteExpired(new Date(now), RETENTION, { dir: archiveDir });
        expect(ARCHIVED_COLLECTIONS.map((collection) => readdirSync(join(archiveDir, collection)).sort())).toEqual(files);
      } finally {
        await store.shutdown();
      }
    }, 180_000);
  });
}

crashContract('sqlite', () => new SqliteStore({ path: join(root, `data-${dirs}`, 'spanpulse.db') }), {});
if (skipReason === '') {
  const database = freshDatabase();
  crashContract('mongodb', () => freshStore({ database, archive: true }), { MONGODB_URI: mongodbUri!, MONGODB_DATABASE: database });
} else {
  describe.skip(`archive after kill -9: mongodb (${skipReason})`, () => undefined);
}
