/**
 * Runs a fixture host app in a child process the way a user would:
 * `node --import <repo>/instrumentation/dist/register.js <app>` (or `--import spanpulse/register`
 * in a directory that installed the package), and waits until it listens.
 * The environment is the test's own minus every OTEL_* / SPANPULSE_* variable, plus what the
 * test passes, so a developer's shell settings cannot change the outcome.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '../../..');
export const REGISTER = join(REPO, 'instrumentation/dist/register.js');
const FIXTURES = join(REPO, 'test/instrumentation/fixtures');
export const ESM_EXPRESS5_APP = join(FIXTURES, 'esmApp.mjs');
export const CJS_EXPRESS4_APP = join(FIXTURES, 'express4/cjsApp.cjs');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface HostApp {
  baseUrl: string;
  /** The Express version the app reports. */
  expressVersion: string;
  child: ChildProcess;
  exited: Promise<Exit>;
  stdout(): string;
  stderr(): string;
  /** Sends the signal and resolves when the process has ended. */
  stop(signal: NodeJS.Signals): Promise<Exit>;
}

export interface HostAppOptions {
  entry: string;
  env?: Record<string, string>;
  /** Preload the instrumentation; default true. */
  instrument?: boolean;
  /** What `--import` loads: default REGISTER, this checkout's build; `spanpulse/register` for an installed package. */
  register?: string;
  /** The app's working directory, where `--import` resolves a package name; default ours. */
  cwd?: string;
}

export async function startHostApp(options: HostAppOptions): Promise<HostApp> {
  const register = options.register ?? REGISTER;
  if (register === REGISTER && !existsSync(REGISTER)) throw new Error(`${REGISTER} is missing: build first with npm run build (tsc -b) in ${REPO}`);
  if (options.entry === CJS_EXPRESS4_APP) provideExpress4();
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(OTEL_|SPANPULSE_|NODE_OPTIONS$)/.test(name)) env[name] = value;
  }
  Object.assign(env, { OTEL_SERVICE_NAME: 'fixture-app' }, options.env);
  const args = options.instrument === false ? [options.entry] : ['--import', register, options.entry];
  const child = spawn(process.execPath, args, { env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  const listening = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const onData = (): void => {
      const match = /listening (\d+) express (\S+)/.exec(stdout);
      if (match) {
        child.stdout!.off('data', onData);
        resolve(match);
      }
    };
    child.stdout!.on('data', onData);
    void exited.then((exit) => reject(new Error(`host app exited before listening (${JSON.stringify(exit)}):\n${stderr}`)));
  });
  return {
    baseUrl: `http://127.0.0.1:${listening[1]}`,
    expressVersion: listening[2]!,
    child,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    stop: (signal) => {
      child.kill(signal);
      return exited;
    },
  };
}

/**
 * The instrumentation recognises Express by its package directory name, so the Express 4
 * dev dependency (installed as the npm alias `express4`) is copied to where the CJS fixture
 * resolves `express`. The copy is git-ignored (node_modules).
 */
function provideExpress4(): void {
  const target = join(FIXTURES, 'express4/node_modules/express');
  if (existsSync(join(target, 'package.json'))) return;
  const source = join(REPO, 'node_modules/express4');
  if (!existsSync(source)) throw new Error('Express 4 is missing: npm install (devDependency express4)');
  cpSync(source, target, { recursive: true });
}
