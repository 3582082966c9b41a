/**
 * The real collector as users run it, `dist/collector/main.js` in a child process (build first,
 * as `npm test` does; the tests and the benches in bench/ both start it this way), with a config written for the test and a fresh data directory (or the
 * one of an earlier run, to restart on the same data): its ports from the start-up log line,
 * everything it logged, and its RSS from /proc/<pid>/status (VmRSS now, VmHWM the peak).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COLLECTOR_ENVIRONMENT, MAIN_THREAD_NODE_FLAGS } from '../collector/heapTuning.js';
import { compiledModuleUrl } from '../collector/packageRoot.js';
import { SqliteStore } from '../collector/store/sqlite/SqliteStore.js';
import { procStatusBytes } from './procStatus.js';

const MAIN = fileURLToPath(compiledModuleUrl(import.meta.url, '../collector/main.js'));

export interface CollectorProcess {
  child: ChildProcess;
  dataDir: string;
  otlpUrl: string;
  apiUrl: string;
  /** Peak resident set size so far, in bytes (VmHWM). */
  peakRss(): number;
  /** Resident set size now, in bytes (VmRSS). */
  rss(): number;
  /** Everything the collector wrote to stderr (its JSON log lines) so far. */
  logs(): string;
  /** SIGTERM and wait for the exit (idempotent); resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL (a crash: nothing is flushed) and wait for the exit. */
  kill(): Promise<void>;
  /** Stops it (it must exit 0), opens its embedded store file, and gives it to `read`. */
  readStore<T>(read: (store: SqliteStore) => Promise<T>): Promise<T>;
  /** Stops it and removes the data directory. */
  remove(): Promise<void>;
}

export interface CollectorProcessOptions {
  /** Environment variables besides PATH (the config may read them with `${env:NAME}`). */
  env?: Record<string, string>;
  /** extensions.status_api settings besides its endpoint (127.0.0.1:0). */
  statusApi?: Record<string, unknown>;
  /** The MongoDB store instead of the embedded file in the data directory. */
  mongodb?: { uri: string; database: string };
  /** The data directory of an earlier run to start on again; default a fresh one. */
  dataDir?: string;
  /** More of `extensions` (e.g. `alerts`) beside the status API. */
  extensions?: Record<string, unknown>;
}

/** Starts the collector with `yaml` (which sets its receivers on port 0, and no log level above info) plus store and API settings. */
export async function startCollectorProcess(yaml: string, options: CollectorProcessOptions = {}): Promise<CollectorProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'spanpulse-child-'));
  const config = join(dataDir, 'config.yaml');
  const exporters = { sqlite: { path: join(dataDir, 'spanpulse.db') }, ...(options.mongodb === undefined ? {} : { mongodb: options.mongodb }) };
  // JSON is YAML flow style; `${env:...}` inside its strings is substituted as anywhere else.
  writeFileSync(config, `${yaml}
exporters: ${JSON.stringify(exporters)}
extensions: ${JSON.stringify({ status_api: { endpoint: '127.0.0.1:0', ...options.statusApi }, ...options.extensions })}
`);
  // Run in the data directory, so the relative defaults (the spool's ./data/spool) land there too.
  const child = spawn(process.execPath, [...MAIN_THREAD_NODE_FLAGS, MAIN, '--config', config], {
    cwd: dataDir, stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env['PATH'], ...COLLECTOR_ENVIRONMENT, ...options.env },
  });
  const started = await collectorStarted(child).catch((error: unknown) => {
    if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });
  const { otlpUrl, apiUrl } = started;
  // Each chunk is one 'data' event, so none comes between the start-up line and this listener.
  let stderr = started.log;
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exit = once(child, 'exit');
  const stop = async () => {
    child.kill('SIGTERM');
    const [code] = await exit;
    return code as number | null;
  };
  return {
    child,
    dataDir,
    otlpUrl,
    apiUrl,
    peakRss: () => procStatusBytes(child.pid!, 'VmHWM'),
    rss: () => procStatusBytes(child.pid!, 'VmRSS'),
    logs: () => stderr,
    stop,
    kill: async () => {
      child.kill('SIGKILL');
      await exit;
    },
    readStore: async (read) => {
      const code = await stop();
      if (code !== 0) throw new Error(`the collector exited with ${code}:\n${stderr}`);
      const store = new SqliteStore({ path: join(dataDir, 'spanpulse.db') });
      await store.start();
      try {
        return await read(store);
      } finally {
        await store.shutdown();
      }
    },
    remove: async () => {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Waits for the start-up log line of a collector child whose stderr is piped: its OTLP/HTTP
 * and API URLs (on 127.0.0.1), and what it logged until then. Rejects with that log when the
 * process exits first.
 */
export async function collectorStarted(child: ChildProcess): Promise<{ otlpUrl: string; apiUrl: string; log: string }> {
  let log = '';
  const [, otlpPort, apiPort] = await new Promise<RegExpExecArray>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      const match = /"otlp":"[^"]*:(\d+)".*"api":"[^"]*:(\d+)"/.exec(log);
      if (match) resolve(match);
    });
    child.once('exit', () => reject(new Error(`collector exited before start-up:\n${log}`)));
  });
  return { otlpUrl: `http://127.0.0.1:${otlpPort}`, apiUrl: `http://127.0.0.1:${apiPort}`, log };
}

/** A loopback port free right now, for a collector that must come back on the same port (exporters keep their URL). */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}
