/**
 * The folder holding spanpulse's package.json, found by walking up from this module: it is
 * one level up when run from source (api/) and two from the build (dist/api/). The pages in
 * api/public are served from there and are not copied into dist/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'spanpulse') return dir;
    if (dirname(dir) === dir) throw new Error(`spanpulse package.json not found above ${from}`);
  }
}
