/**
 * Instrumentation overhead: requests/s and p50/p99 latency of the example Express app
 * (examples/express-app) run bare and under `node --import instrumentation/dist/register.js`,
 * with a real collector (`dist/collector/main.js`, embedded store) receiving the spans.
 * Same machine, same run, alternating rounds so drift hits both sides. The load (bench/httpLoad)
 * is a mix of a JSON chat POST (helpers: tokens) and a GET, without cookies (every request
 * gets a new session: the instrumentation's worst case). On Linux the app's CPU time per
 * request is printed too: on a busy shared machine it is steadier than requests/s. So is the CPU time of the app's main thread alone, with how busy it was:
 * JavaScript runs there, so when it nears 100 % the app is saturated and any CPU the
 * instrumentation adds per request comes straight off throughput. And the collector's,
 * because it runs on the same cores during the instrumented runs and takes CPU time from the
 * app (on a real deployment it runs elsewhere).
 *
 * Three scenarios:
 *   cpu-bound   FAKE_MODEL=instant: the app does almost nothing (~0.1 ms of CPU per request),
 *               so the instrumentation's fixed cost per request is as large as it can look.
 *               As many requests as the app can take: the throughput ratio here is the
 *               instrumentation's whole CPU cost; latency mostly measures the queue.
 *   fixed-rate  the same trivial routes at a fixed rate both sides can serve (`--rate`, default
 *               2000 req/s): the latency the instrumentation adds to a request when the app is
 *               not saturated (the throughput ratio is 1 by construction here).
 *   model       the app as shipped: each chat waits 40-250 ms for its pretend model, like an
 *               agent app does; many connections, CPU partly idle.
 *
 *   npm run build && node dist/bench/overhead.js [--seconds 10] [--rounds 2] [--connections 10]
 *       [--model-connections 50] [--rate 2000] [--scenario cpu-bound|fixed-rate|model|all] [--env K=V,K=V] [--node PATH]
 *
 * `--env` adds variables to the instrumented app only, e.g. `--env OTEL_TRACES_EXPORTER=none`
 * to separate the SDK's own cost from exporting. `--node` runs the app (both sides) with another
 * Node.js binary, to see how the cost moves with the runtime; the collector keeps this one.
 *
 * Targets: instrumented/bare throughput >= 0.80, p99 added < 2 ms.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COLLECTOR_ENVIRONMENT, MAIN_THREAD_NODE_FLAGS } from '../collector/heapTuning.js';
import { loadClosedLoop, loadOpenLoop, type LoadResult } from './httpLoad.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const seconds = Number(args.get('seconds') ?? 10);
const rounds = Number(args.get('rounds') ?? 2);
const scenarioArg = args.get('scenario') ?? 'all';
const appNode = args.get('node') ?? process.execPath;
const extraEnv = Object.fromEntries((args.get('env') ?? '').split(',').filter(Boolean).map((pair) => [pair.split('=')[0]!, pair.split('=').slice(1).join('=')]));

const repo = fileURLToPath(new URL('../..', import.meta.url));
const register = join(repo, 'instrumentation/dist/register.js');
const exampleApp = join(repo, 'examples/express-app/app.js');

interface Scenario {
  name: string;
  connections: number;
  /** Requests per second over all connections; undefined: as fast as the app answers. */
  rate?: number;
  appEnv: Record<string, string>;
}

const SCENARIOS: Scenario[] = [
  { name: 'cpu-bound', connections: Number(args.get('connections') ?? 10), appEnv: { FAKE_MODEL: 'instant' } },
  { name: 'fixed-rate', connections: Number(args.get('connections') ?? 10), rate: Number(args.get('rate') ?? 2000), appEnv: { FAKE_MODEL: 'instant' } },
  { name: 'model', connections: Number(args.get('model-connections') ?? 50), appEnv: {} },
];

interface Measurement {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  failures: number;
  /** App process CPU (user + system) per request, microseconds; NaN where /proc is missing. */
  cpuMicrosPerRequest: number;
  /** CPU of the app's main (JavaScript) thread per request, microseconds. */
  mainThreadMicrosPerRequest: number;
  /** Share of the measured wall time the app's main thread was on a CPU, 0..1. */
  mainThreadBusy: number;
  /** Collector process CPU per request of the app over the same window, microseconds. */
  collectorCpuMicrosPerRequest: number;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitFor(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited with ${child.exitCode}`);
    try {
      await (await fetch(url)).arrayBuffer();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`${url} did not come up`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/**
 * User + system CPU of a process, milliseconds, from /proc (Linux); NaN elsewhere. With
 * `mainThreadOnly`, of its first thread alone (the one running JavaScript).
 */
function cpuMillis(pid: number | undefined, mainThreadOnly = false): number {
  try {
    const file = mainThreadOnly ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`;
    const fields = readFileSync(file, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

function load(baseUrl: string, scenario: Scenario, durationSeconds: number): Promise<LoadResult> {
  return scenario.rate === undefined
    ? loadClosedLoop(baseUrl, scenario.connections, durationSeconds)
    : loadOpenLoop(baseUrl, scenario.connections, scenario.rate, durationSeconds);
}

async function measureApp(scenario: Scenario, instrumented: boolean, otlpUrl: string, collectorPid: number | undefined): Promise<Measurement> {
  const port = await freePort();
  const app = spawn(appNode, instrumented ? ['--import', register, exampleApp] : [exampleApp], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      ...scenario.appEnv,
      PORT: String(port),
      OTEL_SERVICE_NAME: 'bench-overhead',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
      ...(instrumented ? extraEnv : {}),
    },
  });
  try {
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitFor(`${baseUrl}/api/agents`, app);
    await load(baseUrl, scenario, 2); // warm-up: JIT, connection pools, first exports
    const [cpuBefore, mainBefore, collectorBefore, wallBefore] = [cpuMillis(app.pid), cpuMillis(app.pid, true), cpuMillis(collectorPid), performance.now()];
    const { total, ...measured } = await load(baseUrl, scenario, seconds);
    const mainMillis = cpuMillis(app.pid, true) - mainBefore;
    return {
      ...measured,
      cpuMicrosPerRequest: ((cpuMillis(app.pid) - cpuBefore) * 1000) / total,
      mainThreadMicrosPerRequest: (mainMillis * 1000) / total,
      mainThreadBusy: mainMillis / (performance.now() - wallBefore),
      collectorCpuMicrosPerRequest: ((cpuMillis(collectorPid) - collectorBefore) * 1000) / total,
    };
  } finally {
    await stop(app);
  }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'spanpulse-overhead-'));
  const [otlpPort, apiPort] = [await freePort(), await freePort()];
  const collector = spawn(process.execPath, [...MAIN_THREAD_NODE_FLAGS, join(repo, 'dist/collector/main.js')], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ...COLLECTOR_ENVIRONMENT, SPANPULSE_OTLP_HTTP_ENDPOINT: `127.0.0.1:${otlpPort}`, SPANPULSE_OTLP_GRPC_ENDPOINT: '', SPANPULSE_API_ENDPOINT: `127.0.0.1:${apiPort}`, SPANPULSE_DATA_DIR: dataDir },
  });
  try {
    await waitFor(`http://127.0.0.1:${apiPort}/healthz`, collector);
    const otlpUrl = `http://127.0.0.1:${otlpPort}`;
    const scenarios = SCENARIOS.filter((scenario) => scenarioArg === 'all' || scenario.name === scenarioArg);
    const summaries: string[] = [];
    for (const scenario of scenarios) {
      const bare: Measurement[] = [];
      const instrumented: Measurement[] = [];
      for (let round = 1; round <= rounds; round++) {
        bare.push(await measureApp(scenario, false, otlpUrl, collector.pid));
        instrumented.push(await measureApp(scenario, true, otlpUrl, collector.pid));
        console.log(`${scenario.name} round ${round}: bare ${format(bare.at(-1)!)} | instrumented ${format(instrumented.at(-1)!)}`);
      }
      summaries.push(summarize(scenario, mean(bare), mean(instrumented)));
    }
    const status = (await (await fetch(`http://127.0.0.1:${apiPort}/api/status`)).json()) as { collector: { spansAccepted: number } };
    const nodeVersion = execFileSync(appNode, ['--version'], { encoding: 'utf8' }).trim();
    console.log(`\n${cpus().length} CPUs (${cpus()[0]?.model}), app on Node.js ${nodeVersion}, ${seconds} s x ${rounds} rounds per side, collector on the same machine (stored ${status.collector.spansAccepted} spans)`);
    if (Object.keys(extraEnv).length > 0) console.log(`instrumented with ${JSON.stringify(extraEnv)}`);
    console.log(summaries.join('\n'));
  } finally {
    await stop(collector);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function summarize(scenario: Scenario, b: Measurement, i: Measurement): string {
  const ratio = i.requestsPerSecond / b.requestsPerSecond;
  const p99Added = i.p99 - b.p99;
  return [
    `\n${scenario.name} (${scenario.connections} connections${scenario.rate === undefined ? '' : `, ${scenario.rate} req/s`})`,
    `  bare          ${format(b)}`,
    `  instrumented  ${format(i)}`,
    scenario.rate === undefined
      ? `  throughput ratio instrumented/bare = ${ratio.toFixed(3)}  (target >= 0.80: ${ratio >= 0.8 ? 'met' : 'NOT met'})`
      : `  throughput fixed at ${scenario.rate} req/s on both sides (ratio ${ratio.toFixed(3)}; not a throughput test)`,
    `  p50 added = ${(i.p50 - b.p50).toFixed(2)} ms, p99 added = ${p99Added.toFixed(2)} ms  (target < 2 ms: ${p99Added < 2 ? 'met' : 'NOT met'})`,
    `  CPU per request added = ${(i.cpuMicrosPerRequest - b.cpuMicrosPerRequest).toFixed(0)} us in the app (${(i.mainThreadMicrosPerRequest - b.mainThreadMicrosPerRequest).toFixed(0)} us on its main thread), ${i.collectorCpuMicrosPerRequest.toFixed(0)} us in the collector`,
  ].join('\n');
}

function mean(list: readonly Measurement[]): Measurement {
  const avg = (pick: (m: Measurement) => number): number => list.reduce((sum, m) => sum + pick(m), 0) / list.length;
  return {
    requestsPerSecond: avg((m) => m.requestsPerSecond),
    p50: avg((m) => m.p50),
    p99: avg((m) => m.p99),
    failures: avg((m) => m.failures),
    cpuMicrosPerRequest: avg((m) => m.cpuMicrosPerRequest),
    mainThreadMicrosPerRequest: avg((m) => m.mainThreadMicrosPerRequest),
    mainThreadBusy: avg((m) => m.mainThreadBusy),
    collectorCpuMicrosPerRequest: avg((m) => m.collectorCpuMicrosPerRequest),
  };
}

function format(m: Measurement): string {
  const failed = m.failures ? `  (${m.failures.toFixed(0)} non-2xx)` : '';
  return `${m.requestsPerSecond.toFixed(0).padStart(6)} req/s  p50 ${m.p50.toFixed(2)} ms  p99 ${m.p99.toFixed(2)} ms  cpu ${m.cpuMicrosPerRequest.toFixed(0)} us/req (main thread ${m.mainThreadMicrosPerRequest.toFixed(0)} us, ${(100 * m.mainThreadBusy).toFixed(0)} % busy)${failed}`;
}

await main();
