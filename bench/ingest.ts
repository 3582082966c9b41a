/**
 * Ingest throughput: starts the real collector (`dist/collector/main.js`) as a child process
 * on the embedded SQLite store (or MongoDB with --mongodb <uri>), sends OTLP/HTTP requests (or
 * OTLP/gRPC calls with --transport grpc: the same protobuf bodies as raw messages on one grpc-js
 * channel, as the stock gRPC exporters send them, or with --grpc-client wire on one node:http2
 * session framed by bench/grpcWireClient.ts, a client as lean as the HTTP one) of
 * `--spans` spans each (made by the OTel SDK, serialized by the official serializers) from
 * this process with a fixed concurrency for a fixed time, and prints the sustained spans/s
 * stored (answered 200, so durable), the collector's peak RSS and the CPU time the collector
 * and this load generator spent per 1 000 spans (steadier than spans/s on a shared machine).
 * With --runs N the runs alternate between transports and formats, and the medians are printed
 * (with both transports, also gRPC's share of OTLP/HTTP protobuf's).
 *
 * Workloads (bench/spanWorkload.ts): `realistic` is the default figure (random ids, start times
 * spread over a 20 s window, 1 000 sessions, three services, agents on 30 % of spans);
 * `ordered` (strictly increasing start times) is the best case, printed beside it.
 * Bodies are generated before the clock starts (and cached for 12 h in the temp directory), so
 * the generator's CPU during the run is the sending alone.
 *
 *   npm run build && node dist/bench/ingest.js [--seconds 20] [--concurrency 8] [--spans 100]
 *     [--format protobuf|json|both] [--transport http|grpc|both] [--grpc-client grpc-js|wire|both] [--workload realistic|ordered|both] [--runs 1] [--mongodb <uri>]
 *     [--config-extra <yaml>] [--collector-node-args="--cpu-prof"] [--probe]   (--probe: also time /healthz and /api/status while ingest runs)
 *     [--genai-share 0.33]   (that share of the spans are GenAI spans: server -> invoke_agent -> chat runs)
 */
import { credentials, makeGenericClientConstructor, status as grpcStatus, type Client, type ServiceError } from '@grpc/grpc-js';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COLLECTOR_ENVIRONMENT, MAIN_THREAD_NODE_FLAGS } from '../collector/heapTuning.js';
import { TRACE_SERVICE } from '../collector/receiver/otlpgrpc/otlpServices.js';
import { GrpcWireClient } from './grpcWireClient.js';
import { percentile } from './percentile.js';
import { procStatusBytes } from './procStatus.js';
import { SpanWorkload, workloadBodies, type WireFormat, type WorkloadShape } from './spanWorkload.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i++) {
  const [name, inline] = process.argv[i]!.replace(/^--/, '').split(/=(.*)/s) as [string, string | undefined];
  if (inline !== undefined) { args.set(name, inline); continue; }
  const value = process.argv[i + 1];
  if (value === undefined || value.startsWith('--')) args.set(name, 'true');
  else { args.set(name, value); i++; }
}
const seconds = Number(args.get('seconds') ?? 20);
const concurrency = Number(args.get('concurrency') ?? 8);
const spansPerRequest = Number(args.get('spans') ?? 100);
const runs = Number(args.get('runs') ?? 1);
const both = <T extends string>(value: string | undefined, all: T[], fallback: string): T[] =>
  ((value ?? fallback) === 'both' ? all : [(value ?? fallback) as T]);
const formats = both<WireFormat>(args.get('format'), ['protobuf', 'json'], 'protobuf');
const shapes = both<WorkloadShape>(args.get('workload'), ['realistic', 'ordered'], 'both');
type GrpcClientKind = 'grpc-js' | 'wire';
const grpcClients = both<GrpcClientKind>(args.get('grpc-client'), ['grpc-js', 'wire'], 'grpc-js');
/** 'http', or the gRPC client that sends the calls. */
type Transport = 'http' | GrpcClientKind;
const transports: Transport[] = both<'http' | 'grpc'>(args.get('transport'), ['http', 'grpc'], 'http')
  .flatMap((transport) => (transport === 'grpc' ? grpcClients : ['http' as const]));
const transportLabel = (transport: Transport) => (transport === 'http' ? 'http' : `grpc (${transport})`);
const mongoUri = args.get('mongodb') ?? '';
/** Share of the spans that are GenAI spans (spanWorkload.ts); 0.33 for the issue's "a third". */
const genaiShare = Number(args.get('genai-share') ?? 0);
// Left out when 0, so the default workload's cached bodies (keyed by the options) stay valid.
const genai = genaiShare > 0 ? { genaiShare } : {};
const probe = args.get('probe') === 'true';
/** Enough bodies for the run at up to 60 000 spans/s. */
const bodyCount = Number(args.get('bodies') ?? Math.ceil((60_000 * seconds) / spansPerRequest));

async function waitForLine(stream: NodeJS.ReadableStream, pattern: RegExp): Promise<RegExpExecArray> {
  let text = '';
  return new Promise((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = pattern.exec(text);
      if (match) resolve(match);
    });
    stream.once('end', () => reject(new Error(`collector exited before start-up:\n${text}`)));
  });
}

function post(agent: Agent, port: number, contentType: string, body: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/traces', method: 'POST', agent,
      headers: { 'content-type': contentType, 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** TraceService/Export of a pre-serialized body; answers as HTTP would (200, 429/503 for UNAVAILABLE). */
function exportCall(client: Client, body: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    (client as unknown as { Export(m: Buffer, cb: (e: ServiceError | null) => void): void }).Export(Buffer.from(body.buffer, body.byteOffset, body.length), (error) => {
      if (!error) resolve(200);
      else if (error.code === grpcStatus.UNAVAILABLE) resolve(503);
      else reject(new Error(`unexpected gRPC status ${error.code}: ${error.details}`));
    });
  });
}

/** Sequential GETs of `path` every `everyMs` until `until`; returns the latencies in ms. */
async function probeLatencies(port: number, path: string, everyMs: number, until: () => boolean): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  while (!until()) {
    const began = performance.now();
    await new Promise<void>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path, agent }, (res) => { res.resume(); res.on('end', () => resolve()); });
      req.on('error', () => resolve());
      req.end();
    });
    latencies.push(performance.now() - began);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  agent.destroy();
  return latencies;
}

/** User + system CPU seconds of a process so far, all its threads (utime and stime of /proc/<pid>/stat, in ticks of 1/100 s on Linux). */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The q-quantile of `values` in any order. */
const quantile = (values: readonly number[], q: number): number => percentile([...values].sort((a, b) => a - b), q);

interface RunFigures {
  spansPerSecond: number;
  /** CPU milliseconds per 1 000 spans stored. */
  collectorCpuMs: number;
  loadGeneratorCpuMs: number;
}

async function runOnce(transport: Transport, format: WireFormat, shape: WorkloadShape): Promise<{ line: string; figures: RunFigures }> {
  const dir = mkdtempSync(join(tmpdir(), 'spanpulse-bench-'));
  const config = join(dir, 'config.yaml');
  writeFileSync(config, `receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}, grpc: {endpoint: "127.0.0.1:0"}}}}
exporters: {sqlite: {path: "${join(dir, 'spanpulse.db')}"}, mongodb: {uri: "${mongoUri}", database: "spanpulse_bench_${Date.now()}"}}
processors: {batch: {spool: {dir: "${join(dir, 'spool')}"}}}
extensions: {status_api: {endpoint: "127.0.0.1:0"}}
${args.get('config-extra') ?? ''}
`);
  const workload = new SpanWorkload({ shape, format, spansPerRequest, ...genai });
  const bodies = workloadBodies({ shape, format, spansPerRequest, ...genai }, bodyCount);
  const averageBytes = bodies.reduce((sum, b) => sum + b.length, 0) / bodies.length;

  const nodeArgs = (args.get('collector-node-args') ?? '').split(' ').filter((a) => a !== '');
  // As the bin starts node (its #! line), then the flags of --collector-node-args.
  const collector = spawn(process.execPath, [...MAIN_THREAD_NODE_FLAGS, ...nodeArgs, fileURLToPath(new URL('../collector/main.js', import.meta.url)), '--config', config], {
    stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...COLLECTOR_ENVIRONMENT },
  });
  const started = await waitForLine(collector.stderr!, /"otlp":"[^"]*:(\d+)".*"otlpGrpc":"[^"]*:(\d+)".*"api":"[^"]*:(\d+)"/);
  const port = Number(started[1]);
  const apiPort = Number(started[3]);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const TraceClient = makeGenericClientConstructor(TRACE_SERVICE, 'TraceService');
  const grpcAddress = `127.0.0.1:${started[2]}`;
  const grpc = transport === 'grpc-js' ? new TraceClient(grpcAddress, credentials.createInsecure()) : null;
  const wire = transport === 'wire' ? new GrpcWireClient(grpcAddress) : null;
  const send = (body: Uint8Array) =>
    (grpc ? exportCall(grpc, body) : wire ? wire.export(body) : post(agent, port, workload.contentType, body));

  const clientCpuBefore = process.cpuUsage();
  const collectorCpuBefore = cpuSecondsOf(collector.pid!);
  let next = 0;
  let sent = 0;
  let throttled = 0;
  const began = performance.now();
  const until = began + seconds * 1000;
  const done = () => performance.now() >= until || next >= bodies.length;
  const probes = probe
    ? Promise.all([probeLatencies(apiPort, '/healthz', 50, done), probeLatencies(apiPort, '/api/status', 250, done)])
    : Promise.resolve(null);
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (!done()) {
      const body = bodies[next++]!;
      const status = await send(body);
      if (status === 200) sent += spansPerRequest;
      else if (status === 429 || status === 503) { throttled += 1; bodies.push(body); }
      else throw new Error(`unexpected HTTP ${status}`);
    }
  }));
  const elapsed = (performance.now() - began) / 1000;
  const collectorCpu = cpuSecondsOf(collector.pid!) - collectorCpuBefore;
  const clientCpuUsed = process.cpuUsage(clientCpuBefore);
  const clientCpu = (clientCpuUsed.user + clientCpuUsed.system) / 1e6;
  const latencies = await probes;
  const metrics = await fetch(`http://127.0.0.1:${apiPort}/metrics`).then((r) => r.text()).catch(() => '');
  const metric = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
  const spansPerWrite = metric('spanpulse_spans_accepted_total') / metric('spanpulse_store_writes_total');
  const peakRssMib = procStatusBytes(collector.pid!, 'VmHWM') / 1024 / 1024;
  collector.kill('SIGTERM');
  await new Promise((resolve) => collector.once('exit', resolve));
  agent.destroy();
  grpc?.close();
  wire?.close();
  rmSync(dir, { recursive: true, force: true });
  const store = mongoUri ? 'mongodb' : 'sqlite';
  const ranOut = next >= bodies.length && performance.now() < until ? ' (ran out of bodies: raise --bodies)' : '';
  let line = `${shape.padEnd(9)} ${transportLabel(transport).padEnd(4)} ${format.padEnd(8)} store=${store} stored ${sent} spans in ${elapsed.toFixed(1)} s -> ` +
    `${Math.round(sent / elapsed)} spans/s${ranOut}; ${throttled} requests got 429/503 and were resent; ` +
    `body ${Math.round(averageBytes / 1024)} KiB; ${spansPerWrite.toFixed(0)} spans per store write; collector peak RSS (VmHWM) ${peakRssMib.toFixed(0)} MiB; ` +
    `CPU per 1 000 spans: collector ${((collectorCpu * 1e6) / sent).toFixed(1)} ms, load generator ${((clientCpu * 1e6) / sent).toFixed(1)} ms`;
  if (latencies !== null) {
    const [health, statusApi] = latencies;
    line += `\n          while ingesting: /healthz p50 ${quantile(health, 0.5).toFixed(1)} p99 ${quantile(health, 0.99).toFixed(1)} ms ` +
      `(n=${health.length}); /api/status p50 ${quantile(statusApi, 0.5).toFixed(1)} p95 ${quantile(statusApi, 0.95).toFixed(1)} ms (n=${statusApi.length})`;
  }
  return { line, figures: { spansPerSecond: sent / elapsed, collectorCpuMs: (collectorCpu * 1e6) / sent, loadGeneratorCpuMs: (clientCpu * 1e6) / sent } };
}

process.stdout.write(`bench/ingest: node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
  `load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; load generator in this process, collector in a child process, ` +
  `concurrency ${concurrency}, ${spansPerRequest} spans/request, up to ${seconds} s per run, ${bodyCount} bodies generated before each run\n`);
for (const shape of shapes) {
  process.stdout.write(`workload ${new SpanWorkload({ shape, format: 'protobuf', spansPerRequest, ...genai }).describe()}\n`);
}
// Runs alternate (run 1 of every transport, format and workload, then run 2, ...), so that
// load from other work on the machine falls on both sides of a comparison alike.
const results = new Map<string, RunFigures[]>();
for (let run = 0; run < runs; run++) {
  for (const shape of shapes) {
    for (const transport of transports) {
      // gRPC carries protobuf only.
      for (const format of transport === 'http' ? formats : (['protobuf'] as const)) {
        const { line, figures } = await runOnce(transport, format, shape);
        process.stdout.write(line + '\n');
        const key = `${shape} ${transportLabel(transport)} ${format}`;
        results.set(key, [...(results.get(key) ?? []), figures]);
      }
    }
  }
}
if (runs > 1) {
  const median = (key: string, figure: keyof RunFigures = 'spansPerSecond') => quantile((results.get(key) ?? []).map((run) => run[figure]), 0.5);
  for (const [key, values] of results) {
    process.stdout.write(`median ${key.padEnd(27)} ${Math.round(median(key))} spans/s over ${values.length} runs (${values.map((run) => Math.round(run.spansPerSecond)).join(', ')}); ` +
      `CPU per 1 000 spans: collector ${median(key, 'collectorCpuMs').toFixed(1)} ms, load generator ${median(key, 'loadGeneratorCpuMs').toFixed(1)} ms\n`);
  }
  if (transports.includes('http') && formats.includes('protobuf')) {
    for (const shape of shapes) {
      for (const client of transports.filter((t) => t !== 'http')) {
        const grpcKey = `${shape} ${transportLabel(client)} protobuf`;
        const [grpc, http] = [results.get(grpcKey)!, results.get(`${shape} http protobuf`)!];
        const ratio = median(grpcKey) / median(`${shape} http protobuf`);
        // Each gRPC run against the HTTP run of the same round: the pair saw about the same load.
        const pairRatios = grpc.map((run, i) => run.spansPerSecond / http[i]!.spansPerSecond);
        process.stdout.write(`${shape}: ${transportLabel(client)} / HTTP protobuf = ${(100 * ratio).toFixed(1)} % (ratio of the medians); ` +
          `per run pair ${pairRatios.map((r) => `${(100 * r).toFixed(0)} %`).join(', ')}, median ${(100 * quantile(pairRatios, 0.5)).toFixed(1)} %\n`);
      }
    }
  }
}
