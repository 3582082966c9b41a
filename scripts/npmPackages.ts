/**
 * The two npm packages built from this repository, packed and installed the way users get
 * them: `npm pack` of the collector (the root package) and of the preload (instrumentation/),
 * `npm install <what>` into a fresh directory from the registry, and what such an install
 * tree holds. Shared by the pack-and-install test and bench/installSize.ts.
 *
 * npm runs here without the npm_* variables of an `npm test` that may have started us: they
 * would point the child npm at this repository (its prefix, its workspaces) instead of the
 * fresh directory.
 */
import { execFile } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../collector/packageRoot.js';

const run = promisify(execFile);

/** This repository: the collector package's root, the preload in its instrumentation/ workspace. */
export const REPO = packageRoot();

export interface PackedPackages {
  /** Tarball of the collector package (the repository root). */
  collector: string;
  /** Tarball of the preload package `spanpulse` (instrumentation/). */
  preload: string;
}

export interface InstallTree {
  /** Packages npm installed (every entry of the lockfile but the directory itself). */
  packages: number;
  /** Sum of the file sizes under node_modules (like `du -s --apparent-size`). */
  bytes: number;
  /** Disk space of node_modules in blocks actually allocated (like `du -s`). */
  diskBytes: number;
  /** The name of every installed package, once per copy (`express`, `@opentelemetry/api`, ...). */
  names: string[];
  /** Compiled add-ons (`*.node`) and node-gyp build files (`binding.gyp`) under node_modules. */
  nativeFiles: string[];
  /** Installed packages with an install script (preinstall, install, postinstall or a binding.gyp). */
  installScripts: string[];
}

/** The environment for a child npm: ours without npm's own variables. */
export function npmEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
}

/** Runs npm in `cwd`; rejects with npm's output when it fails or outlasts `timeoutMs`. */
export async function npm(cwd: string, args: string[], timeoutMs: number): Promise<string> {
  try {
    const { stdout } = await run('npm', args, { cwd, env: npmEnvironment(), timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const failed = error as { message: string; stdout?: string; stderr?: string };
    throw new Error(`npm ${args.join(' ')} in ${cwd} failed: ${failed.message}\n${failed.stdout ?? ''}\n${failed.stderr ?? ''}`);
  }
}

/**
 * Packs both packages from the current build (run `npm run build` first; packing does not
 * build, so that it cannot rewrite dist/ under tests running from it) into `destination`.
 */
export async function packPackages(destination: string, timeoutMs = 120_000): Promise<PackedPackages> {
  const output = await npm(REPO, ['pack', '--workspaces', '--include-workspace-root', '--ignore-scripts', '--json', '--pack-destination', destination], timeoutMs);
  const packed = JSON.parse(output) as { name: string; filename: string }[];
  const tarball = (name: string): string => {
    const entry = packed.find((candidate) => candidate.name === name);
    if (entry === undefined) throw new Error(`npm pack did not pack ${name}: ${output}`);
    return join(destination, basename(entry.filename));
  };
  return { collector: tarball(packageName(REPO)), preload: tarball(packageName(join(REPO, 'instrumentation'))) };
}

/** `npm install <specs>` into `dir`, a fresh directory that gets a private package.json first. */
export async function installInto(dir: string, specs: string[], timeoutMs: number): Promise<void> {
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: basename(dir).toLowerCase().replace(/[^a-z0-9-]/g, '-'), private: true }, null, 2)}\n`);
  await npm(dir, ['install', '--no-audit', '--no-fund', '--prefer-offline', ...specs], timeoutMs);
}

/** What the install in `dir` holds, from its package-lock.json and a walk of node_modules. */
export function inspectInstall(dir: string): InstallTree {
  const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { name?: string; link?: boolean; hasInstallScript?: boolean }>;
  };
  const entries = Object.entries(lock.packages).filter(([path, entry]) => path !== '' && entry.link !== true);
  const nameOf = (path: string): string => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
  const tree: InstallTree = {
    packages: entries.length,
    bytes: 0,
    diskBytes: 0,
    names: entries.map(([path]) => nameOf(path)),
    nativeFiles: [],
    installScripts: entries.filter(([, entry]) => entry.hasInstallScript === true).map(([path]) => nameOf(path)),
  };
  walk(join(dir, 'node_modules'), tree);
  return tree;
}

function walk(dir: string, tree: InstallTree): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const stats = lstatSync(path);
    tree.bytes += entry.isDirectory() ? 0 : stats.size;
    tree.diskBytes += stats.blocks * 512;
    if (entry.isDirectory()) walk(path, tree);
    else if (entry.name.endsWith('.node') || entry.name === 'binding.gyp') tree.nativeFiles.push(path);
  }
}

function packageName(dir: string): string {
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string }).name;
}
