/**
 * Reading and writing archive files (archiveFormat.ts): a file is written whole or not at all
 * (collector/fs/writeAtomically.ts: temp file, fsync, rename, fsync of the folder) and read
 * whole, its gzip checked to the end (CRC and length).
 */
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGzip, gunzip } from 'node:zlib';
import { writeAtomically } from '../../fs/writeAtomically.js';
import { archiveLine, parseArchiveLine, type ArchivedDocument } from './archiveFormat.js';

const gunzipped = promisify(gunzip);

export async function writeArchiveFile(path: string, docs: readonly ArchivedDocument[]): Promise<void> {
  await writeAtomically(path, async (out) => {
    await pipeline(Readable.from((function* () {
      for (const doc of docs) yield `${archiveLine(doc)}\n`;
    })()), createGzip({ level: 6 }), out);
  });
}

/** The file's lines (without the last, empty one); rejects when the gzip is damaged or cut short. */
export async function readArchiveLines(path: string): Promise<string[]> {
  const text = (await gunzipped(await readFile(path))).toString('utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export async function readArchiveFile(path: string): Promise<ArchivedDocument[]> {
  return (await readArchiveLines(path)).map(parseArchiveLine);
}
