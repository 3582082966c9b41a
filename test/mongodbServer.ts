/**
 * Vitest global setup: a MongoDB-compatible server for the MongoDB store tests.
 *
 * `MONGODB_URI` set: that server is used (so the suite also runs against real MongoDB).
 * Otherwise FerretDB 1.24.2 is built once and started by scripts/ferretdb.sh in a temp dir
 * and stopped at teardown. Test files read the result with `inject('mongodbUri')` (null when
 * there is no server, `inject('mongodbSkipReason')` says why). In CI (`CI=true`) a server
 * that cannot be started fails the run; elsewhere the MongoDB tests are skipped with the
 * reason printed.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URI of the MongoDB-compatible test server, or null when there is none. */
    mongodbUri: string | null;
    /** Why there is no server (empty when there is one). */
    mongodbSkipReason: string;
    /** True when the server is the FerretDB started here (not one from MONGODB_URI). */
    mongodbIsLocalFerretdb: boolean;
  }
}

const run = promisify(execFile);
export const FERRETDB_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'scripts', 'ferretdb.sh');

/** Starts a FerretDB with its data in `dir` (a restart keeps the port); resolves to its URI. The first call builds it (minutes). */
export async function startFerretdb(dir: string): Promise<string> {
  const { stdout } = await run('bash', [FERRETDB_SCRIPT, 'start', dir], { timeout: 600_000 });
  return stdout.trim().split('\n').pop() ?? '';
}

export async function stopFerretdb(dir: string): Promise<void> {
  await run('bash', [FERRETDB_SCRIPT, 'stop', dir], { timeout: 30_000 });
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const fromEnv = process.env['MONGODB_URI'];
  if (fromEnv !== undefined && fromEnv !== '') {
    project.provide('mongodbUri', fromEnv);
    project.provide('mongodbSkipReason', '');
    project.provide('mongodbIsLocalFerretdb', false);
    return async () => undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'spanpulse-ferretdb-'));
  try {
    const uri = await startFerretdb(dir);
    project.provide('mongodbUri', uri);
    project.provide('mongodbSkipReason', '');
    project.provide('mongodbIsLocalFerretdb', true);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const reason = `no MongoDB-compatible server: MONGODB_URI is not set and FerretDB could not be started (${(error as Error).message.trim()})`;
    if (process.env['CI'] === 'true') throw new Error(reason);
    console.warn(`[mongodb tests skipped] ${reason}`);
    project.provide('mongodbUri', null);
    project.provide('mongodbSkipReason', reason);
    project.provide('mongodbIsLocalFerretdb', false);
    return async () => undefined;
  }
  return async () => {
    await stopFerretdb(dir).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
}
