/**
 * The `spanpulse` bin (dist/collector/main.js; build first) in child processes, as users run
 * it: the collector on a config file (the shipped otel-config.yaml unless another is given)
 * with the environment the shipped file reads, and one-shot commands (`spanpulse export ...`)
 * with their exit status and output.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { COLLECTOR_ENVIRONMENT, MAIN_THREAD_NODE_FLAGS } from '../../collector/heapTuning.js';

export const MAIN = fileURLToPath(new URL('../../dist/collector/main.js', import.meta.url));
export const SHIPPED_CONFIG = fileURLToPath(new URL('../../otel-config.yaml', import.meta.url));

/** What the shipped config needs for a test: every listener on port 0 of 127.0.0.1, the data in `dataDir`. */
export function testEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '', SPANPULSE_DATA_DIR: dataDir, SPANPULSE_OTLP_HTTP_ENDPOINT: '127.0.0.1:0',
    SPANPULSE_OTLP_GRPC_ENDPOINT: '127.0.0.1:0', SPANPULSE_API_ENDPOINT: '127.0.0.1:0', ...extra,
  };
}

export interface RunningBin {
  child: ChildProcess;
  otlpUrl: string;
  apiUrl: string;
  stderr(): string;
  /** Resolves with [exit code, signal] once the process ended (for whatever reason). */
  exited: Promise<[number | null, NodeJS.Signals | null]>;
  /** SIGTERM and the exit code. */
  stop(): Promise<number | null>;
}

export async function startCollector(env: Record<string, string>, config = SHIPPED_CONFIG): Promise<RunningBin> {
  const child = spawn(process.execPath, [...MAIN_THREAD_NODE_FLAGS, MAIN, '--config', config], { env: { ...env, ...COLLECTOR_ENVIRONMENT }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const [, otlpPort, apiPort] = await new Promise<RegExpExecArray>((resolve, reject) => {
    const look = () => {
      const match = /"otlp":"[^"]*:(\d+)".*"api":"[^"]*:(\d+)"/.exec(stderr);
      if (match) resolve(match);
    };
    child.stderr!.on('data', look);
    void exited.then(() => reject(new Error(`the collector exited before it started:\n${stderr}`)));
  });
  return {
    child, exited, stderr: () => stderr,
    otlpUrl: `http://127.0.0.1:${otlpPort}`, apiUrl: `http://127.0.0.1:${apiPort}`,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return (await exited)[0];
    },
  };
}

export interface BinResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `spanpulse <args>` to its end. */
export async function runBin(args: readonly string[], env: Record<string, string>): Promise<BinResult> {
  const child = spawn(process.execPath, [MAIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = await once(child, 'close');
  return { code: code as number | null, stdout, stderr };
}
