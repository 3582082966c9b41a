/**
 * Archive before delete never deletes a version it did not archive (collector/store/archive/
 * archiveExpired.ts): a document that changed between the select that archived it and the
 * delete (a late span counted into its hour or session, the inactivity job marking the session)
 * stays stored, and the version stored now is deleted once it is the one archived. Each store's
 * ArchiveSource against a running store, on both stores.
 */
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import Database from 'better-sqlite3';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import type { ArchiveSource } from '../../../collector/store/archive/archiveExpired.js';
import { ARCHIVE_RULES, type ArchivedCollection, type ArchivedDocument } from '../../../collector/store/archive/archiveFormat.js';
import { MongoArchiveSource } from '../../../collector/store/mongodb/MongoArchiveSource.js';
import { SqliteArchiveRows } from '../../../collector/store/sqlite/SqliteArchiveRows.js';
import { SqliteStore } from '../../../collector/store/sqlite/SqliteStore.js';
import type { Store } from '../../../collector/store/types.js';
import { at, request } from './contract/records.js';
import { dropDatabasesAfterAll, freshDatabase, freshStore, mongodbUri, skipReason } from './mongodbSupport.js';

const root = mkdtempSync(join(tmpdir(), 'spanpulse-archive-versions-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
dropDatabasesAfterAll();
let files = 0;

interface Backend {
  store: Store;
  source: ArchiveSource;
  close(): Promise<void>;
}

function versionsContract(name: string, open: () => Promise<Backend>): void {
  describe(`archive deletes only the version archived: ${name}`, () => {
    it('keeps a session or hour that changed after it was archived, deletes it once the stored version is the archived one', async () => {
      const { store, source, close } = await open();
      try {
        const cutoff = at(24);
        const expired = async (collection: ArchivedCollection): Promise<ArchivedDocument[]> => {
          await store.findSession('shop', 'a'); // a read folds what was written (SQLite)
          return (await source.expired(collection, cutoff, 100)).map((doc) => ({ _id: ARCHIVE_RULES[collection].id(doc), ...doc }));
        };
        await store.write([request({ sessionId: 'a', timestamp: at(1) }), request({ sessionId: 'a', timestamp: at(1, 5) })]);
        const [sessionV1] = await expired('user_sessions');
        const hourV1 = (await expired('hourly_metrics')).find((doc) => doc['endpoint'] === null)!;
        expect(sessionV1).toMatchObject({ sessionId: 'a', requestCount: 2, isActive: true });
        expect(hourV1).toMatchObject({ requestCount: 2 });

        // A late span of the same session and hour: both change.
        await store.write([request({ sessionId: 'a', timestamp: at(1, 10) })]);
        const [sessionV2] = await expired('user_sessions');
        expect(sessionV2).toMatchObject({ requestCount: 3, isActive: true });
        expect(await source.deleteArchived('user_sessions', [sessionV1!])).toBe(0);
        expect(await source.deleteArchived('hourly_metrics', [hourV1])).toBe(0);
        expect(await store.findSession('shop', 'a')).toMatchObject({ requestCount: 3 });

        // The inactivity job marks it between select and delete: that version is not the archived one either.
        expect(await store.markInactiveSessions(at(48), 30 * 60_000)).toBe(1);
        expect(await source.deleteArchived('user_sessions', [sessionV2!])).toBe(0);
        expect(await store.findSession('shop', 'a')).toMatchObject({ requestCount: 3, isActive: false });

        const [sessionV3] = await expired('user_sessions');
        const hourV2 = (await expired('hourly_metrics')).find((doc) => doc['endpoint'] === null)!;
        expect(await source.deleteArchived('user_sessions', [sessionV3!])).toBe(1);
        expect(await source.deleteArchived('hourly_metrics', [hourV2])).toBe(1);
        expect(await store.findSession('shop', 'a')).toBeNull();
        expect((await expired('hourly_metrics')).filter((doc) => doc['endpoint'] === null)).toEqual([]);
        // Deleting again is harmless (the crash recovery redoes the newest file's deletes).
        expect(await source.deleteArchived('user_sessions', [sessionV3!])).toBe(0);
      } finally {
        await close();
      }
    });
  });
}

versionsContract('sqlite', async () => {
  const path = join(root, `store-${++files}.db`);
  const store = new SqliteStore({ path });
  await store.start();
  // A second connection to the running store's file, as the archive's selects and deletes use one (SqliteStore).
  const db = new Database(path);
  const rows = new SqliteArchiveRows(db);
  const source: ArchiveSource = {
    expired: async (collection, before, limit) => rows.expired(collection, before, limit),
    deleteArchived: async (collection, docs) => rows.deleteArchived(collection, docs),
  };
  return { store, source, close: async () => { db.close(); await store.shutdown(); } };
});

if (skipReason === '') {
  versionsContract('mongodb', async () => {
    const database = freshDatabase();
    const store = freshStore({ database, archive: true });
    await store.start();
    const client = await new MongoClient(mongodbUri!, { serverSelectionTimeoutMS: 3000 }).connect();
    const source = new MongoArchiveSource(client.db(database), (work) => work());
    return { store, source, close: async () => { await client.close(); await store.shutdown(); } };
  });
} else {
  describe.skip(`archive deletes only the version archived: mongodb (${skipReason})`, () => undefined);
}
