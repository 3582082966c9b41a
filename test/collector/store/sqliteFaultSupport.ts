/**
 * Real faults under a SQLite store's file, each with the way to clear it: a full filesystem
 * (a small tmpfs, root only), I/O errors from the kernel (the process's file size limit, or
 * an immutable file), another connection holding the write lock, statements refused by a
 * trigger, a corrupt page. Each function that can only work on some machines says why not
 * instead (a string), for the test to skip with.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmdirSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

function run(command: string, args: string[]): string | undefined {
  try {
    execFileSync(command, args, { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return `${command} ${args.join(' ')}: ${stderr || (error as Error).message}`;
  }
}

export interface SmallFilesystem {
  dir: string;
  /** Fills the free space with a filler file (until the kernel says ENOSPC). */
  fill(): void;
  /** Deletes the filler file. */
  free(): void;
  unmount(): void;
}

/** Why no small filesystem can be mounted here (tried once), or undefined when one can. */
export function whyNoSmallFilesystem(): string | undefined {
  const probe = mountSmallFilesystem(64 * 1024);
  if (typeof probe === 'string') return probe;
  probe.unmount();
  return undefined;
}

/** A tmpfs of `sizeBytes` mounted on a new temp dir; or why not (mounting needs root on Linux). */
export function mountSmallFilesystem(sizeBytes: number): SmallFilesystem | string {
  const dir = mkdtempSync(join(tmpdir(), 'spanpulse-full-'));
  const failed = run('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'spanpulse-test', dir]);
  if (failed !== undefined) {
    rmdirSync(dir);
    return `cannot mount a small tmpfs to fill (${failed})`;
  }
  const filler = join(dir, 'filler');
  return {
    dir,
    fill: () => {
      const fd = openSync(filler, 'a');
      const page = Buffer.alloc(4096, 1);
      try {
        for (;;) writeSync(fd, page);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      } finally {
        closeSync(fd);
      }
    },
    free: () => rmSync(filler, { force: true }),
    unmount: () => {
      if (run('umount', [dir]) !== undefined) run('umount', ['-l', dir]);
      rmdirSync(dir);
    },
  };
}

/**
 * This process's file size limit (RLIMIT_FSIZE, soft), via prlimit(1): a write at or beyond
 * `bytes` into any file fails with EFBIG (Node ignores SIGXFSZ), which SQLite reports as
 * SQLITE_IOERR_WRITE. The writer thread runs in this process, so its writes meet the limit.
 */
export function limitFileSize(bytes: number | 'unlimited'): void {
  const failed = run('prlimit', ['--pid', String(process.pid), `--fsize=${bytes}:`]);
  if (failed !== undefined) throw new Error(failed);
}

/** Why this process's file size limit cannot be set, or undefined when it can. */
export function whyNoFileSizeLimit(): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux (prlimit)';
  const failed = run('prlimit', ['--pid', String(process.pid), '--fsize=unlimited:']);
  return failed === undefined ? undefined : `cannot set the file size limit (${failed})`;
}

/** The size of the store's write-ahead log: appends write only beyond it (no checkpoint runs in these small tests). */
export function walSize(path: string): number {
  return statSync(`${path}-wal`).size;
}

/** Makes `file` immutable (chattr +i: even root's writes fail with EPERM); returns how to undo it, or why it cannot. */
export function makeImmutable(file: string): (() => void) | string {
  const failed = run('chattr', ['+i', file]);
  if (failed !== undefined) return `cannot make a file immutable (${failed})`;
  return () => {
    const undo = run('chattr', ['-i', file]);
    if (undo !== undefined) throw new Error(undo);
  };
}

/** Why files cannot be made immutable in the temp dir here, or undefined when they can. */
export function whyNoImmutableFiles(): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'spanpulse-chattr-'));
  const probe = join(dir, 'probe');
  writeFileSync(probe, '');
  const undo = makeImmutable(probe);
  if (typeof undo === 'function') undo();
  rmSync(dir, { recursive: true });
  return typeof undo === 'string' ? undo : undefined;
}

/** Another connection to the file that takes the write lock (BEGIN IMMEDIATE); returns its release. */
export function holdWriteLock(path: string): () => void {
  const other = new Database(path);
  other.exec('BEGIN IMMEDIATE');
  return () => {
    other.exec('ROLLBACK');
    other.close();
  };
}

/**
 * Triggers, created by another connection, that make SQLite refuse every insert and update of
 * `table` (where `when` holds, an SQL condition on NEW) with RAISE(ABORT): a constraint
 * failure of that statement alone. Returns how to drop them.
 */
export function refuseWrites(path: string, table: string, when = '1'): () => void {
  const name = `spanpulse_test_refuse_${table}`;
  const db = new Database(path);
  try {
    for (const event of ['INSERT', 'UPDATE']) {
      db.exec(`CREATE TRIGGER ${name}_${event.toLowerCase()} BEFORE ${event} ON ${table} WHEN ${when}
        BEGIN SELECT RAISE(ABORT, 'refused by the test trigger on ${table}'); END`);
    }
  } finally {
    db.close();
  }
  return () => {
    const again = new Database(path);
    try {
      for (const event of ['insert', 'update']) again.exec(`DROP TRIGGER IF EXISTS ${name}_${event}`);
    } finally {
      again.close();
    }
  };
}

/**
 * Overwrites the root page of `table` in the file of a stopped store with garbage, after
 * moving the write-ahead log into the file; returns how to put the page back.
 */
export function corruptRootPage(path: string, table: string): () => void {
  const db = new Database(path);
  let offset: number;
  let pageSize: number;
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    pageSize = Number(db.pragma('page_size', { simple: true }));
    const root = db.prepare('SELECT rootpage FROM sqlite_master WHERE name = ?').pluck().get(table) as number;
    offset = (root - 1) * pageSize;
  } finally {
    db.close();
  }
  const original = Buffer.alloc(pageSize);
  const fd = openSync(path, 'r+');
  try {
    readSync(fd, original, 0, pageSize, offset);
    writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, offset);
  } finally {
    closeSync(fd);
  }
  return () => {
    const again = openSync(path, 'r+');
    try {
      writeSync(again, original, 0, pageSize, offset);
    } finally {
      closeSync(again);
    }
  };
}

/** Rows of a raw table, read on a connection of its own (no fold first, unlike the store's reads). */
export function rawRowCount(path: string, table: 'api_metrics' | 'agent_invocations'): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  } finally {
    db.close();
  }
}
