/**
 * Writing a file so that it is either absent or whole, even across a crash or power loss: the
 * content goes to a temporary file beside it, which is fsync'd and renamed over the name, and
 * the folder is fsync'd so the rename itself is durable. A reader (or a crashed run starting
 * again) never sees half a file under the final name. Used for reports, archives and
 * `spanpulse export --out`.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';

/** Temporary files carry this suffix (after a crash, whoever owns the folder may remove them). */
export const TEMP_SUFFIX = '.tmp';

export async function writeAtomically<T>(path: string, write: (out: Writable) => Promise<T>): Promise<T> {
  const folder = dirname(path);
  await mkdir(folder, { recursive: true });
  const temp = join(folder, `.${basename(path)}.${process.pid}${TEMP_SUFFIX}`);
  const out = createWriteStream(temp, { flags: 'w' });
  let failed: unknown;
  // Kept until the stream closes: a write error (disk full) fails the whole file.
  out.on('error', (error) => (failed ??= error));
  try {
    const result = await write(out);
    if (!out.writableEnded) out.end();
    if (!out.closed) await once(out, 'close');
    if (failed !== undefined) throw failed;
    await fsyncPath(temp, 'r+');
    await rename(temp, path);
    await fsyncPath(folder, 'r');
    return result;
  } catch (error) {
    out.destroy();
    await rm(temp, { force: true });
    throw error;
  }
}

async function fsyncPath(path: string, flags: string): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
