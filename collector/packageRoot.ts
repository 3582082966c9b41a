/**
 * The folder holding the collector package's package.json, found by walking up from this
 * module: it is one level up when run from source (collector/) and two from the build
 * (dist/collector/), also where npm installed it (node_modules/spanpulse-collector/).
 * The pages in api/public and the shipped otel-config.yaml are there (not copied into
 * dist/); worker threads run the built modules under dist/ (compiledModuleUrl).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The collector package's name (the preload, instrumentation/, is the package `spanpulse`). */
const PACKAGE_NAME = 'spanpulse-collector';

export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return dir;
    if (dirname(dir) === dir) throw new Error(`${PACKAGE_NAME} package.json not found above ${from}`);
  }
}

/**
 * The URL of the built module `specifier` (relative to the module at `from`). A worker thread
 * needs a JavaScript file: from the build that is the module beside `from`; when spanpulse
 * runs from its TypeScript sources (the tests), it is the same module under dist/, which
 * `npm test` builds first.
 */
export function compiledModuleUrl(from: string, specifier: string): URL {
  const target = new URL(specifier, from);
  const path = fileURLToPath(target);
  if (!fileURLToPath(from).endsWith('.ts')) return target;
  const root = packageRoot(dirname(path));
  return pathToFileURL(join(root, 'dist', relative(root, path)));
}
