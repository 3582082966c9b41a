/**
 * How the collector's V8 heaps grow (README "Memory"). Under saturated ingest almost all of the
 * peak RSS was garbage waiting for V8's next full collection: V8 lets a heap grow by up to 4x
 * its live size after a collection when the program allocates fast, as decoding OTLP does, and
 * the live data here is small (heap used fell to 7-30 MB after each full collection). A fixed
 * 25 % growth and a smaller young generation for the SQLite writer thread (which allocates
 * little) took peak RSS from about 315 MB to about 190-210 MB, for a few percent of throughput
 * (BENCHMARKS.md, "Peak RSS"). Smaller values cost far more throughput for little memory.
 * The main thread's young generation is sized when its heap is made, before any code runs, so
 * only a node flag sets it; glibc's malloc reads its arena limit from the environment when the
 * process starts. The bin's `#!` line and `npm start` start node with COLLECTOR_NODE_COMMAND
 * (test/packaging/manifests.test.ts holds them to it).
 */
import { setFlagsFromString } from 'node:v8';

/** Heap growth after a full collection, in percent of what survived it. */
export const HEAP_GROWING_PERCENT = 25;

/**
 * Node flags for the process that runs the collector: 8 MiB semi-spaces for the main thread
 * (V8's default is 16), about 15 MB less peak RSS at the same throughput; and the heap growth
 * from the first collection on. V8 may collect the main heap while the modules load, before
 * tuneHeapGrowth runs, and size its next limit by its own growth (up to 4x): that run peaked
 * about 25 MiB higher (BENCHMARKS.md "Peak RSS").
 */
export const MAIN_THREAD_NODE_FLAGS = ['--max-semi-space-size=8', `--heap-growing-percent=${HEAP_GROWING_PERCENT}`] as const;

/**
 * Environment for the process that runs the collector: glibc's malloc with at most 2 arenas. Its
 * default is up to 8 per core, one for each thread that allocates (the SQLite writer, V8's
 * collector threads, libuv's pool), each keeping its own free memory: about 4 MiB less peak
 * RSS at the same throughput (BENCHMARKS.md "Peak RSS"). Other C libraries ignore it.
 */
export const COLLECTOR_ENVIRONMENT = { MALLOC_ARENA_MAX: '2' } as const;

/** How the bin's `#!` line (after `/usr/bin/env -S`) and `npm start` start node: the environment, node, its flags. */
export const COLLECTOR_NODE_COMMAND = [
  ...Object.entries(COLLECTOR_ENVIRONMENT).map(([name, value]) => `${name}=${value}`), 'node', ...MAIN_THREAD_NODE_FLAGS,
].join(' ');

/** The MAIN_THREAD_NODE_FLAGS and COLLECTOR_ENVIRONMENT variables the process was started without (logged at start). */
export function missingStartSettings(execArgv: readonly string[] = process.execArgv, env: NodeJS.ProcessEnv = process.env): string[] {
  const flags = MAIN_THREAD_NODE_FLAGS.filter((flag) => !startedWith(execArgv, flag));
  return [...flags, ...Object.keys(COLLECTOR_ENVIRONMENT).filter((name) => env[name] === undefined)];
}

/** Whether `execArgv` sets the node flag of `flag` (`--name` or `--name=value`), with any value, spelled with - or _. */
function startedWith(execArgv: readonly string[], flag: string): boolean {
  const named = (arg: string) => arg.split('=')[0]!.replace(/_/g, '-');
  return execArgv.some((arg) => named(arg) === named(flag));
}

/** Young generation of the SQLite writer thread, in MiB (V8's default is 48: two 16 MiB semi-spaces and their overflow). */
export const WRITER_YOUNG_GENERATION_MB = 24;

/**
 * Sets the growth for every heap of the process, unless the process was started with its own
 * `--heap-growing-percent` (a node flag wins over the default). V8 reads the flag each time it
 * sets the next collection's limit, so setting it at start-up takes effect at the next collection.
 */
export function tuneHeapGrowth(execArgv: readonly string[] = process.execArgv): void {
  if (startedWith(execArgv, '--heap-growing-percent')) return;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
