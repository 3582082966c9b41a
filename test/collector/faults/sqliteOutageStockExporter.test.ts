/**
 * A 60 s write failure of the embedded store under a real app (the NodeSDK with the stock
 * OTLP/HTTP protobuf exporter at its default retry settings, exporting at a steady rate):
 * the store's file sits on a small tmpfs that is filled up for 60 s (SQLITE_FULL), with the
 * spool on another disk, as README advises; where no tmpfs can be mounted (that needs root),
 * another connection holds the file's write lock for 60 s instead (SQLITE_BUSY). Either way
 * the fault lasts far longer than the exporter's 10 s of retries. Nothing is lost and nothing
 * doubled: every figure, session and stored request equals what a control spanpulse given
 * each span once shows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, it } from 'vitest';
import { startTestSpanpulse, type TestSpanpulse } from '../../support/spanpulse.js';
import { holdWriteLock, mountSmallFilesystem, whyNoSmallFilesystem, type SmallFilesystem } from '../store/sqliteFaultSupport.js';
import { type Outage } from '../store/faultSupport.js';
import { expectCountedOnce, exportThroughOutage, sendOnce } from './steadyApp.js';

const noSmallFilesystem = whyNoSmallFilesystem();
const spoolDisk = mkdtempSync(join(tmpdir(), 'spanpulse-outage-spool-'));
let disk: SmallFilesystem | undefined;
beforeAll(() => {
  const mounted = noSmallFilesystem === undefined ? mountSmallFilesystem(32 * 1024 * 1024) : undefined;
  if (typeof mounted === 'string') throw new Error(mounted);
  disk = mounted;
});
const running: TestSpanpulse[] = [];
afterAll(async () => {
  await Promise.all(running.map((sp) => sp.stop()));
  disk?.unmount();
  rmSync(spoolDisk, { recursive: true, force: true });
});

it(`a 60 s store write failure under the stock exporter (${noSmallFilesystem === undefined ? 'a full disk' : `a held write lock: ${noSmallFilesystem}`}) loses nothing and doubles nothing`, async () => {
  const sp = await startTestSpanpulse(disk ? { env: { SPANPULSE_DATA_DIR: disk.dir }, spoolDir: join(spoolDisk, 'spool') } : {});
  running.push(sp);
  let release: (() => void) | undefined;
  const outage: Outage = disk
    ? { begin: () => disk!.fill(), end: () => disk!.free() }
    : { begin: () => { release = holdWriteLock(join(sp.dataDir, 'spanpulse.db')); }, end: () => release?.() };
  const sent = await exportThroughOutage(sp, outage, { service: 'steady-sqlite', requests: 750, rate: 10, outageMs: 60_000 });

  const control = await startTestSpanpulse();
  running.push(control);
  await sendOnce(control, sent);
  await expectCountedOnce(sp.store, control.store, sent);
}, 300_000);
