/**
 * Checking an archive folder (`spanpulse archive verify`): every file's gzip whole (CRC and
 * length checked to the end), every line a JSON object with the `_id` its fields give and a
 * retention time in the file's UTC day, no sequence number used twice, and no document
 * archived twice. A document archived twice with the same content is a duplicate (an error);
 * with different content it is a newer version (it changed after it was archived, see
 * archiveExpired.ts), counted apart. Ids are compared within a UTC day, where every copy of a
 * document falls, so memory grows with the largest day, not with the archive.
 */
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TEMP_SUFFIX } from '../../fs/writeAtomically.js';
import { ARCHIVE_RULES, ARCHIVED_COLLECTIONS, archiveDayOf, parseArchiveFileName, parseArchiveLine, type ArchivedCollection } from './archiveFormat.js';
import { readArchiveLines } from './archiveFiles.js';

export interface CollectionSummary {
  collection: ArchivedCollection;
  files: number;
  lines: number;
  bytes: number;
  firstDay: string | null;
  lastDay: string | null;
  /** Documents archived again after they changed (not errors). */
  newerVersions: number;
}

export interface ArchiveVerification {
  collections: CollectionSummary[];
  /** Everything wrong, one sentence each, naming the file (and line). */
  problems: string[];
  /** Temp files of a write a crash interrupted (removed by the next archive run; not errors). */
  incompleteWrites: string[];
}

export async function verifyArchive(dir: string): Promise<ArchiveVerification> {
  const result: ArchiveVerification = { collections: [], problems: [], incompleteWrites: [] };
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    if (!(ARCHIVED_COLLECTIONS as readonly string[]).includes(entry.name) || !entry.isDirectory()) {
      result.problems.push(`${join(dir, entry.name)}: not an archived collection's folder (expected ${ARCHIVED_COLLECTIONS.join(', ')})`);
    }
  }
  for (const collection of ARCHIVED_COLLECTIONS) {
    if (!entries.some((entry) => entry.name === collection && entry.isDirectory())) continue;
    result.collections.push(await verifyCollection(join(dir, collection), collection, result));
  }
  return result;
}

async function verifyCollection(folder: string, collection: ArchivedCollection, result: ArchiveVerification): Promise<CollectionSummary> {
  const summary: CollectionSummary = { collection, files: 0, lines: 0, bytes: 0, firstDay: null, lastDay: null, newerVersions: 0 };
  const files: Array<{ name: string; day: string; seq: number }> = [];
  for (const name of await readdir(folder)) {
    const parsed = parseArchiveFileName(name);
    if (parsed !== null) files.push({ name, ...parsed });
    else if (name.endsWith(TEMP_SUFFIX)) result.incompleteWrites.push(join(folder, name));
    else if (!name.startsWith('.')) result.problems.push(`${join(folder, name)}: not an archive file (expected YYYY-MM-DD.NNNNNN.jsonl.gz)`);
  }
  files.sort((a, b) => a.day.localeCompare(b.day) || a.seq - b.seq);
  const seqs = new Map<number, string>();
  let day: string | null = null;
  let seen = new Map<string, string>();
  for (const file of files) {
    const path = join(folder, file.name);
    const other = seqs.get(file.seq);
    if (other !== undefined) result.problems.push(`${path}: sequence number ${file.seq} also used by ${other}`);
    seqs.set(file.seq, file.name);
    if (file.day !== day) {
      day = file.day;
      seen = new Map();
    }
    summary.files += 1;
    summary.bytes += (await stat(path)).size;
    summary.firstDay ??= file.day;
    summary.lastDay = file.day;
    let lines: string[];
    try {
      lines = await readArchiveLines(path);
    } catch (error) {
      result.problems.push(`${path}: damaged gzip: ${(error as Error).message}`);
      continue;
    }
    lines.forEach((line, index) => {
      const where = `${path}:${index + 1}`;
      let doc;
      try {
        doc = parseArchiveLine(line);
      } catch (error) {
        result.problems.push(`${where}: not an archived document: ${(error as Error).message}`);
        return;
      }
      summary.lines += 1;
      try {
        if (ARCHIVE_RULES[collection].id(doc) !== doc._id) result.problems.push(`${where}: _id ${doc._id} does not match the document's fields`);
        const docDay = archiveDayOf(collection, doc);
        if (docDay !== file.day) result.problems.push(`${where}: belongs to ${docDay}, filed under ${file.day}`);
      } catch (error) {
        result.problems.push(`${where}: lacks a field of ${collection}: ${(error as Error).message}`);
        return;
      }
      const digest = createHash('sha256').update(line).digest('base64');
      const before = seen.get(doc._id);
      if (before === digest) result.problems.push(`${where}: duplicate of a line archived before (_id ${doc._id})`);
      else if (before !== undefined) summary.newerVersions += 1;
      seen.set(doc._id, digest);
    });
  }
  return summary;
}
