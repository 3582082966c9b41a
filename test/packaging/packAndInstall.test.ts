/**
 * The two packages as users get them: both `npm pack`ed from the current build (npm test
 * builds first), the preload tarball installed with Express into a fresh app directory and
 * the collector tarball into another, their dependencies from the npm registry. The collector
 * is started by its installed `spanpulse` command, from a directory without a config (so on
 * the otel-config.yaml it ships: embedded store); an ES-module and a CommonJS app run under
 * `node --import spanpulse/register`, importing / requiring the helpers from the installed
 * package, and their requests are read back from the collector's /api/status. The preload's
 * install tree must hold nothing native and no store driver, and TypeScript consumers of
 * both module kinds must type-check against its types.
 *
 * Needs the npm registry (or an npm cache holding the dependencies). The collector's install
 * compiles better-sqlite3 when no prebuilt binary can be downloaded, the longest step here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inspectInstall, installInto, packPackages, REPO, type InstallTree, type PackedPackages } from '../../scripts/npmPackages.js';
import { startHostApp, type HostApp } from '../instrumentation/support/hostApp.js';
import { collectorStarted } from '../../bench/collectorProcess.js';
import { COLLECTOR_ENVIRONMENT, MAIN_THREAD_NODE_FLAGS } from '../../collector/heapTuning.js';

const INSTALL_TIMEOUT_MS = 300_000;
const FIXTURES = join(REPO, 'test/instrumentation/fixtures');
const collectorVersion = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

interface StatusAnswer {
  collector: { version: string };
  store: { backend: string };
  services: { serviceName: string; spanCount: number }[];
  agents: { serviceName: string; agentName: string; totalRequests: number; totalTokens: number }[];
}

/** The installed collector, started by its bin in `dir` (ports 0, data in `dir`/data). */
async function startInstalledCollector(dir: string): Promise<{ child: ChildProcess; otlpUrl: string; apiUrl: string; log: string; stop(): Promise<void> }> {
  const child = spawn(join(dir, 'node_modules/.bin/spanpulse'), [], {
    cwd: dir,
    env: {
      PATH: process.env['PATH'],
      SPANPULSE_DATA_DIR: join(dir, 'data'),
      SPANPULSE_OTLP_HTTP_ENDPOINT: '127.0.0.1:0',
      SPANPULSE_OTLP_GRPC_ENDPOINT: '127.0.0.1:0',
      SPANPULSE_API_ENDPOINT: '127.0.0.1:0',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = once(child, 'exit');
  const { otlpUrl, apiUrl, log } = await collectorStarted(child);
  return {
    child,
    otlpUrl,
    apiUrl,
    log,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The fixture apps of the instrumentation tests, copied beside the installed packages they resolve. */
function copyFixtureApps(appDir: string): { esm: string; cjs: string } {
  for (const file of ['esmApp.mjs', 'routes.cjs', 'hostApp.cjs', 'express4/cjsApp.cjs']) cpSync(join(FIXTURES, file), join(appDir, file));
  return { esm: join(appDir, 'esmApp.mjs'), cjs: join(appDir, 'express4/cjsApp.cjs') };
}

/** Requests whose effect /api/status shows: 4 SERVER spans, 2 of them attributed to agent `planner` with 8 tokens each. */
async function drive(app: HostApp): Promise<void> {
  for (const path of ['/ping', '/api/ask', '/api/ask', '/login/u42']) expect((await fetch(app.baseUrl + path)).status).toBe(200);
  expect(await app.stop('SIGTERM')).toEqual({ code: null, signal: 'SIGTERM' });
}

describe('packed and installed like a user would', () => {
  let work: string;
  let packed: PackedPackages;
  let appDir: string;
  let collectorDir: string;
  let preloadTree: InstallTree;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'spanpulse-packages-'));
    packed = await packPackages(work);
    appDir = join(work, 'app');
    collectorDir = join(work, 'collector');
    mkdirSync(join(appDir, 'express4'), { recursive: true });
    mkdirSync(collectorDir);
    await Promise.all([
      installInto(appDir, [packed.preload, 'express@5'], INSTALL_TIMEOUT_MS),
      installInto(collectorDir, [packed.collector], INSTALL_TIMEOUT_MS),
    ]);
    preloadTree = inspectInstall(appDir);
  }, INSTALL_TIMEOUT_MS + 60_000);

  afterAll(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it("the preload's install tree has no native module (nothing to compile), no store driver and no second Express", () => {
    expect(preloadTree.names).toContain('spanpulse');
    expect(preloadTree.names).toContain('@opentelemetry/sdk-node');
    expect(preloadTree.nativeFiles).toEqual([]);
    for (const forbidden of ['spanpulse-collector', 'better-sqlite3', 'mongodb', 'chart.js']) expect(preloadTree.names).not.toContain(forbidden);
    expect(preloadTree.names.filter((name) => name === 'express')).toEqual(['express']);
  });

  it("the collector's install tree has the embedded store's add-on and not the preload's SDK", () => {
    const collectorTree = inspectInstall(collectorDir);
    expect(collectorTree.nativeFiles.some((path) => path.endsWith('better_sqlite3.node'))).toBe(true);
    for (const preloadOnly of ['spanpulse', '@opentelemetry/sdk-node']) expect(collectorTree.names).not.toContain(preloadOnly);
  });

  it('spans from an ES-module and a CommonJS app under --import spanpulse/register reach the installed collector', async () => {
    const collector = await startInstalledCollector(collectorDir);
    // The bin's #! line started node with the collector's environment and flags (collector/heapTuning.ts).
    const commandLine = readFileSync(`/proc/${collector.child.pid}/cmdline`, 'utf8').split('\0');
    expect(commandLine).toEqual(expect.arrayContaining([...MAIN_THREAD_NODE_FLAGS]));
    const environment = readFileSync(`/proc/${collector.child.pid}/environ`, 'utf8').split('\0');
    expect(environment).toEqual(expect.arrayContaining(Object.entries(COLLECTOR_ENVIRONMENT).map(([name, value]) => `${name}=${value}`)));
    expect(collector.log).not.toContain('started without the flags');
    try {
      // No otel-config.yaml in its directory: it runs on the one the package ships.
      expect(collector.log).toContain(join(collectorDir, 'node_modules/spanpulse-collector/otel-config.yaml'));
      const apps = copyFixtureApps(appDir);
      const variants = [
        { service: 'packed-esm-app', entry: apps.esm },
        { service: 'packed-cjs-app', entry: apps.cjs },
      ];
      for (const { service, entry } of variants) {
        const app = await startHostApp({
          entry,
          register: 'spanpulse/register',
          cwd: appDir,
          env: { OTEL_SERVICE_NAME: service, OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpUrl, OTEL_BSP_SCHEDULE_DELAY: '600000' },
        });
        expect(app.expressVersion).toMatch(/^5\./);
        await drive(app);
        expect(app.stderr()).not.toContain('spanpulse:');
      }

      const status = async (): Promise<StatusAnswer> => (await fetch(`${collector.apiUrl}/api/status`)).json() as Promise<StatusAnswer>;
      await expect.poll(async () => (await status()).agents.filter((agent) => agent.agentName === 'planner').length, { timeout: 30_000, interval: 250 }).toBe(2);
      const answer = await status();
      expect(answer.collector.version).toBe(collectorVersion);
      expect(answer.store.backend).toBe('sqlite');
      for (const { service } of variants) {
        expect(answer.services.find((entry) => entry.serviceName === service)?.spanCount).toBe(4);
        expect(answer.agents.find((agent) => agent.serviceName === service && agent.agentName === 'planner')).toMatchObject({ totalRequests: 2, totalTokens: 16 });
      }
    } finally {
      await collector.stop();
    }
  }, 120_000);

  it("TypeScript consumers, ES module and CommonJS, type-check against the preload's types", async () => {
    const consumer = (kind: string) => `import { addTokenUsage, setAgentName, setUserId, type TokenUsage } from 'spanpulse';
const usage: TokenUsage = { inputTokens: 1, outputTokens: 2 };
setAgentName('planner-${kind}');
setUserId(42);
addTokenUsage(usage);
// @ts-expect-error token counts are numbers (a package without types would let this through)
addTokenUsage({ inputTokens: 'many' });
`;
    writeFileSync(join(appDir, 'consumer.mts'), consumer('esm'));
    writeFileSync(join(appDir, 'consumer.cts'), consumer('cjs'));
    writeFileSync(join(appDir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', types: [] },
      files: ['consumer.mts', 'consumer.cts'],
    }));
    const tsc = join(REPO, 'node_modules/typescript/bin/tsc');
    const result = await promisify(execFile)(process.execPath, [tsc, '-p', appDir]).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
    expect(result.stdout).toBe('');
  }, 120_000);
});
