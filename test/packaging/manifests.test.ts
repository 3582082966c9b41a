/**
 * The two package.json files against the code they ship: each package declares exactly the
 * packages its modules load (in this repository npm hoists every dependency to the root, so a
 * package missing from a manifest would still work here and fail only where users install
 * it), and both carry the same version. The bin's `#!` line and `npm start` start node with the
 * flags collector/heapTuning.ts names.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COLLECTOR_NODE_COMMAND } from '../../collector/heapTuning.js';
import { REPO } from '../../scripts/npmPackages.js';

interface Manifest {
  name: string;
  version: string;
  dependencies: Record<string, string>;
}

const manifest = (dir: string): Manifest => JSON.parse(readFileSync(join(REPO, dir, 'package.json'), 'utf8')) as Manifest;

/** Module specifiers a source file loads: import / export ... from, import(), require(), (require(...)).resolve(), module.register(). */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\.resolve\s*\(\s*|\bregister\s*\(\s*)'([\w@./-]+)'/g;

/** Block comments and whole-line comments, which quote imports in their explanations. */
const COMMENTS = /\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm;

/** The packages the TypeScript modules under `dirs` load, by package name (`@scope/name` or `name`). */
function importedPackages(dirs: string[]): string[] {
  const names = new Set<string>();
  for (const dir of dirs) {
    for (const file of readdirSync(join(REPO, dir), { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.ts') || file.endsWith('.d.ts') || file.startsWith('dist/')) continue;
      const code = readFileSync(join(REPO, dir, file), 'utf8').replace(COMMENTS, '');
      for (const [, specifier] of code.matchAll(SPECIFIER)) {
        if (specifier!.startsWith('.') || specifier!.startsWith('node:')) continue;
        const parts = specifier!.split('/');
        names.add(specifier!.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
      }
    }
  }
  return [...names].sort();
}

describe('package manifests', () => {
  it('the preload (instrumentation/) declares exactly the packages it loads, all of them OpenTelemetry', () => {
    const declared = Object.keys(manifest('instrumentation').dependencies).sort();
    expect(declared).toEqual(importedPackages(['instrumentation']));
    expect(declared.filter((name) => !name.startsWith('@opentelemetry/'))).toEqual([]);
  });

  it('the collector (the root) declares exactly the packages collector/ and api/ load', () => {
    expect(Object.keys(manifest('.').dependencies).sort()).toEqual(importedPackages(['collector', 'api']));
  });

  it('both packages carry the same version', () => {
    expect(manifest('instrumentation').version).toBe(manifest('.').version);
  });

  it("the bin's #! line and npm start start node exactly with the collector's environment and node flags", () => {
    const shebang = readFileSync(join(REPO, 'collector/main.ts'), 'utf8').split('\n')[0]!;
    expect(shebang).toBe(`#!/usr/bin/env -S ${COLLECTOR_NODE_COMMAND}`);
    const scripts = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['start']).toBe(`${COLLECTOR_NODE_COMMAND} dist/collector/main.js`);
  });
});
