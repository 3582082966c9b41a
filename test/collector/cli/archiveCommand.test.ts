/**
 * `spanpulse archive verify` (a child process) on an archive a real store's retention pass
 * wrote: a summary and exit 0 when whole; each kind of damage (a cut gzip, a line that is not a
 * document, a document filed under the wrong day, a file archived twice) named with its file
 * and exit 1; a newer version of a document counted apart, not as a problem.
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { archiveFileName, archiveLine, parseArchiveFileName } from '../../../collector/store/archive/archiveFormat.js';
import { readArchiveFile } from '../../../collector/store/archive/archiveFiles.js';
import { SqliteStore } from '../../../collector/store/sqlite/SqliteStore.js';
import { runBin, testEnv } from '../../support/binProcess.js';
import { at, request } from '../store/contract/records.js';

const DAY_MS = 86_400_000;
const root = mkdtempSync(join(tmpdir(), 'spanpulse-archive-verify-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let runs = 0;

/** An archive of 4 days of requests (and their sessions and rollups), written by a real retention pass. */
async function makeArchive(): Promise<string> {
  const dir = join(root, `run-${++runs}`);
  const store = new SqliteStore({ path: join(dir, 'spanpulse.db') });
  await store.start();
  await store.write(Array.from({ length: 4 * 6 }, (_, i) => request({ sessionId: `s${i % 5}`, timestamp: at(Math.floor(i / 6) * 24 + i % 6, i), responseTime: 3 + i })));
  const retention = { apiMetricsMs: DAY_MS, minuteMetricsMs: DAY_MS, hourlyMetricsMs: DAY_MS, dailyMetricsMs: DAY_MS, agentMetricsMs: DAY_MS, sessionsMs: DAY_MS };
  await store.deleteExpired(at(10 * 24), retention, { dir: join(dir, 'archive'), batchSize: 4 });
  await store.shutdown();
  return join(dir, 'archive');
}

const verify = (dir: string) => runBin(['archive', 'verify', '--dir', dir], testEnv(root));
const files = (dir: string) => readdirSync(dir).filter((name) => parseArchiveFileName(name) !== null).sort();

describe('spanpulse archive verify', () => {
  let archive: string;
  beforeEach(async () => {
    archive = await makeArchive();
  });

  it('prints a summary per collection and exits 0 for a whole archive', async () => {
    const result = await verify(archive);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/api_metrics: 8 files, 24 documents, \d+ bytes, \d{4}-\d\d-\d\d \.\. \d{4}-\d\d-\d\d\n/);
    expect(result.stdout).toMatch(/user_sessions: \d+ files, 5 documents/);
    expect(result.stdout.trim().endsWith('ok')).toBe(true);
  });

  it('names a cut gzip, a line that is no document, a wrong day and a file archived twice, and exits 1', async () => {
    const raw = join(archive, 'api_metrics');
    const [first, second, third, ...rest] = files(raw);
    const last = parseArchiveFileName(rest[rest.length - 1]!)!;
    const copied = (await readArchiveFile(join(raw, second!))).length;
    truncateSync(join(raw, first!), 20);
    copyFileSync(join(raw, second!), join(raw, archiveFileName(parseArchiveFileName(second!)!.day, last.seq + 1)));
    const [doc] = await readArchiveFile(join(raw, third!));
    const elsewhere = parseArchiveFileName(first!)!.day;
    expect(parseArchiveFileName(third!)!.day).not.toBe(elsewhere);
    writeFileSync(join(raw, archiveFileName(elsewhere, last.seq + 2)), gzipSync(`${archiveLine(doc!)}\nnot json\n`));
    writeFileSync(join(raw, 'notes.txt'), 'hello');

    const result = await verify(archive);
    expect(result.code).toBe(1);
    const problems = result.stdout.split('\n').filter((line) => line.includes('PROBLEM'));
    expect(problems.find((line) => line.includes(first!))).toMatch(/damaged gzip/);
    expect(problems.filter((line) => line.includes('duplicate of a line archived before'))).toHaveLength(copied);
    expect(problems.find((line) => line.includes(':1: belongs to'))).toContain(`filed under ${elsewhere}`);
    expect(problems.find((line) => line.includes(':2: not an archived document'))).toBeDefined();
    expect(problems.find((line) => line.includes('notes.txt'))).toMatch(/not an archive file/);
    expect(result.stdout).toMatch(/\d+ problems\n$/);
  });

  it('counts a newer version of a document apart: it changed after it was archived', async () => {
    const rollups = join(archive, 'hourly_metrics');
    const names = files(rollups);
    const newest = parseArchiveFileName(names[names.length - 1]!)!;
    const [doc] = await readArchiveFile(join(rollups, names[0]!));
    const day = parseArchiveFileName(names[0]!)!.day;
    writeFileSync(join(rollups, archiveFileName(day, newest.seq + 1)), gzipSync(`${archiveLine({ ...doc!, requestCount: Number(doc!['requestCount']) + 1 })}\n`));
    const result = await verify(archive);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('1 newer versions of documents archived before');
  });

  it('exits 2 without the subcommand and 1 for a folder that does not exist', async () => {
    expect((await runBin(['archive'], testEnv(root))).code).toBe(2);
    const missing = await verify(join(root, 'nowhere'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`cannot read the archive ${join(root, 'nowhere')}`);
  });
});
