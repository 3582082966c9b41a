/**
 * What each spanpulse package costs to install, beside the stock OpenTelemetry preload of the
 * same SDK line: the preload tarball, the collector tarball (both packed from the current
 * build) and `@opentelemetry/auto-instrumentations-node@0.81.0`, each installed alone into a
 * fresh directory from the npm registry (the npm cache is used when it holds a package).
 * Prints, per install, the packages npm added, the size of node_modules (apparent, as
 * `du -s --apparent-size`, and on disk, as `du -s`), compiled add-ons and install scripts,
 * and how long the install took (the collector's includes compiling better-sqlite3 when no
 * prebuilt binary can be downloaded).
 *
 *   npm run build && node dist/bench/installSize.js [--keep]
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectInstall, installInto, packPackages } from '../scripts/npmPackages.js';

const STOCK_PRELOAD = '@opentelemetry/auto-instrumentations-node@0.81.0';
const INSTALL_TIMEOUT_MS = 15 * 60_000;
const MB = 1e6;

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'spanpulse-install-size-'));
  try {
    const packed = await packPackages(work);
    const installs = [
      { label: 'spanpulse (the preload)', spec: packed.preload },
      { label: STOCK_PRELOAD, spec: STOCK_PRELOAD },
      { label: 'spanpulse-collector', spec: packed.collector },
    ];
    console.log('| install | packages | node_modules (apparent) | on disk | native files (.node, binding.gyp) | install scripts | install time |');
    console.log('|---|---|---|---|---|---|---|');
    for (const [index, { label, spec }] of installs.entries()) {
      const dir = join(work, `install-${index}`);
      mkdirSync(dir);
      const started = performance.now();
      await installInto(dir, [spec], INSTALL_TIMEOUT_MS);
      const seconds = (performance.now() - started) / 1000;
      const tree = inspectInstall(dir);
      const scripts = tree.installScripts.length === 0 ? 'none' : tree.installScripts.join(', ');
      console.log(`| ${label} | ${tree.packages} | ${(tree.bytes / MB).toFixed(1)} MB | ${(tree.diskBytes / MB).toFixed(1)} MB | ${tree.nativeFiles.length} | ${scripts} | ${seconds.toFixed(0)} s |`);
    }
  } finally {
    if (process.argv.includes('--keep')) console.log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

await main();
