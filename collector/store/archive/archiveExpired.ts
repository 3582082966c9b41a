/**
 * Archive before delete, for both stores: what retention is about to delete is written to
 * archive files (archiveFormat.ts), made durable, and only then deleted, a batch at a time.
 *
 * Why a crash (kill -9, power loss) at any point neither loses nor duplicates a line:
 * - A batch is deleted only after its file is durable (fsync'd and renamed): a crash before
 *   that leaves the documents in the store and at most a temp file, removed by the next run.
 * - Batches of a collection are written one after the other with a growing sequence number,
 *   so only the newest file can have documents still in the store (a crash between writing it
 *   and deleting them), and a marker records the newest file whose deletion finished. A run
 *   that finds a newer file first deletes again what it holds, then selects new batches: the
 *   documents of that file are never selected a second time.
 * - Deleting is idempotent and conditional: a document is deleted only while it is still the
 *   version archived (same identity and request count; for sessions also the last activity).
 *   One changed since (a late span counted into an old hour after a spool drained, a session
 *   seen again) stays, and is archived again, as its new version, when it next expires;
 *   `spanpulse archive verify` tells such versions apart from duplicates.
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { TEMP_SUFFIX, writeAtomically } from '../../fs/writeAtomically.js';
import { log } from '../../log.js';
import type { ArchiveOptions, Retention } from '../types.js';
import { ARCHIVE_RULES, ARCHIVED_COLLECTIONS, archiveDayOf, archiveFileName, parseArchiveFileName, type ArchivedCollection, type ArchivedDocument } from './archiveFormat.js';
import { readArchiveFile, writeArchiveFile } from './archiveFiles.js';

/** What a store provides to be archived (SqliteStore with SqliteArchiveRows, MongoArchiveSource). */
export interface ArchiveSource {
  /**
   * Documents of `collection` whose retention time is before `before`, oldest first, at most
   * `limit`, in the contract's shape (without `_id`).
   */
  expired(collection: ArchivedCollection, before: Date, limit: number): Promise<Array<Record<string, unknown>>>;
  /** Deletes those of `docs` still stored as archived (archiveExpired.ts); returns how many it deleted. */
  deleteArchived(collection: ArchivedCollection, docs: readonly ArchivedDocument[]): Promise<number>;
}

export const DEFAULT_ARCHIVE_BATCH = 5000;

/** `<collection>/.deleted` holds the sequence number of the newest file whose documents are known to be deleted. */
const DELETED_MARKER = '.deleted';

/** Archives and deletes every expired document of the archived collections; returns lines written per collection. */
export async function archiveExpired(
  source: ArchiveSource, now: Date, retention: Retention, options: ArchiveOptions, isOpen: () => boolean,
): Promise<Record<ArchivedCollection, number>> {
  const written = Object.fromEntries(ARCHIVED_COLLECTIONS.map((c) => [c, 0])) as Record<ArchivedCollection, number>;
  for (const collection of ARCHIVED_COLLECTIONS) {
    if (!isOpen()) break;
    written[collection] = await archiveCollection(source, collection, new Date(now.getTime() - ARCHIVE_RULES[collection].retentionMs(retention)), options, isOpen);
  }
  return written;
}

async function archiveCollection(
  source: ArchiveSource, collection: ArchivedCollection, cutoff: Date, options: ArchiveOptions, isOpen: () => boolean,
): Promise<number> {
  const folder = join(options.dir, collection);
  await mkdir(folder, { recursive: true });
  const names = await readdir(folder);
  await Promise.all(names.filter((name) => name.endsWith(TEMP_SUFFIX)).map((name) => rm(join(folder, name), { force: true })));
  let newest: { name: string; seq: number } | null = null;
  for (const name of names) {
    const parsed = parseArchiveFileName(name);
    if (parsed !== null && (newest === null || parsed.seq > newest.seq)) newest = { name, seq: parsed.seq };
  }
  const deletedThrough = await readFile(join(folder, DELETED_MARKER), 'utf8').then(Number, () => 0);
  if (newest !== null && newest.seq > deletedThrough) {
    const redone = await source.deleteArchived(collection, await readArchiveFile(join(folder, newest.name)));
    if (redone > 0) log.info('archive: deleted what the newest archive file holds (the run that wrote it stopped before)', { collection, file: newest.name, documents: redone });
  }
  let seq = newest?.seq ?? 0;
  let lines = 0;
  const batchSize = options.batchSize ?? DEFAULT_ARCHIVE_BATCH;
  while (isOpen()) {
    const expired = await source.expired(collection, cutoff, batchSize);
    if (expired.length === 0) break;
    // One UTC day per file: the oldest day's documents (sorted by time, so a prefix).
    const day = archiveDayOf(collection, expired[0]!);
    const batch = expired.filter((doc) => archiveDayOf(collection, doc) === day).map((doc) => ({ _id: ARCHIVE_RULES[collection].id(doc), ...doc }));
    seq += 1;
    await writeArchiveFile(join(folder, archiveFileName(day, seq)), batch);
    lines += batch.length;
    const deleted = await source.deleteArchived(collection, batch);
    await writeAtomically(join(folder, DELETED_MARKER), async (out) => void out.write(String(seq)));
    if (deleted === 0) {
      // Every document changed between select and delete: try again on the next run rather than spin.
      log.warn('archive: no document of the batch could be deleted; trying again on the next run', { collection, day, seq });
      break;
    }
  }
  return lines;
}
