/**
 * The real collector as users run it, `dist/collector/main.js` in a child process (build first,
 * as `npm test` does), with a config written for the test and a fresh data directory: its
 * ports from the start-up log line, and its peak RSS from /proc/<pid>/status (VmHWM).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../dist/collector/main.js', import.meta.url));

export interface CollectorProcess {
  child: ChildProcess;
  dataDir: string;
  otlpUrl: string;
  apiUrl: string;
  /** Peak resident set size so far, in bytes (VmHWM). */
  peakRss(): number;
  /** SIGTERM and wait for the exit (idempotent); resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Stops it and removes the data directory. */
  remove(): Promise<void>;
}

/** Starts the collector with `yaml` (which sets its receivers on port 0, and no log level above info) plus store and API settings. */
export async function startCollectorProcess(yaml: string): Promise<CollectorProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'spanpulse-child-'));
  const config = join(dataDir, 'config.yaml');
  writeFileSync(config, `${yaml}
exporters: {sqlite: {path: "${join(dataDir, 'spanpulse.db')}"}}
extensions: {status_api: {endpoint: "127.0.0.1:0"}}
`);
  const child = spawn(process.execPath, [MAIN, '--config', config], { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env['PATH'] } });
  const { otlpUrl, apiUrl } = await collectorStarted(child);
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
    peakRss: () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024,
    stop,
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
