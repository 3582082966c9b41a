/**
 * Soak (issue 10): the real collector (`dist/collector/main.js`, a child process, spool and
 * memory_limiter as shipped) under a steady load of 80 % of its maximum rate for `--minutes`
 * (10), with one store outage of `--outage` (60 s) in the middle, as the outage fault tests
 * make them: on the embedded SQLite store (`--store sqlite`, the default) another connection
 * holds the file's write lock, so every write fails (SQLITE_BUSY); with `--store mongodb` a
 * FerretDB of its own (scripts/ferretdb.sh) is stopped and started again on the same port.
 * The collector acknowledges from its spool meanwhile and drains it once the store is back.
 * FerretDB (the only MongoDB-protocol server our machines have) takes about 100 spans/s of
 * this workload: at the default 64 connections of 100 spans its batches outlast the socket
 * timeout (BENCHMARKS.md "The MongoDB cost of a batch") and the measurement never ends, so run
 * it with e.g. `--connections 4 --spans 20`.
 *
 * The maximum is `--max-rate` spans/s, or measured first (`--measure`, 15 s, `--connections`
 * sending as fast as they are answered, refusals resent); the first line says which. The load
 * is open-loop: requests of `--spans` (100) realistic spans (bench/spanWorkload.ts, moved to
 * the time they are sent, ids of their own: bench/uniqueBodies.ts) fall due at a steady rate
 * whatever the answers, at most `--connections` (64) in flight; a refused request (429/503,
 * connection error) is sent again after its Retry-After, as exporters do, until it gets a 200.
 * Acknowledgement latency is one attempt's answer time (what an exporter's timeout sees);
 * delivery latency runs from when a request fell due to its 200, retries included.
 *
 * Every `--sample` (10 s) one line: spans/s acknowledged, p99 acknowledgement latency,
 * refusals, the collector's RSS, spool depth (records, MiB, oldest) and queue. At the end:
 * totals, latencies, RSS of each half and its slope (flat means no leak), and the exact-count
 * check: the store, read once the spool has drained and the collector has stopped, holds
 * exactly the spans acknowledged, in its services and its daily rollups (exit 1 if not).
 *
 *   npm run build && node dist/bench/soak.js [--store sqlite|mongodb] [--minutes 10] [--outage 60s]
 *     [--max-rate <spans/s>] [--measure 15s] [--connections 64] [--spans 100] [--sample 10s]
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { parseDuration } from '../collector/config/units.js';
import { packageRoot } from '../collector/packageRoot.js';
import { MongoStore } from '../collector/store/mongodb/MongoStore.js';
import type { Store } from '../collector/store/types.js';
import { startCollectorProcess } from './collectorProcess.js';
import { percentile } from './percentile.js';
import { SpanWorkload } from './spanWorkload.js';
import { uniqueBodies } from './uniqueBodies.js';

const { values } = parseArgs({
  options: {
    store: { type: 'string', default: 'sqlite' }, minutes: { type: 'string', default: '10' }, outage: { type: 'string', default: '60s' }, 'max-rate': { type: 'string' },
    measure: { type: 'string', default: '15s' }, connections: { type: 'string', default: '64' }, spans: { type: 'string', default: '100' },
    sample: { type: 'string', default: '10s' },
  },
});
function durationOf(name: 'outage' | 'measure' | 'sample'): number {
  const ms = parseDuration(values[name]!);
  if (ms === null) throw new Error(`--${name}: expected a duration such as 60s`);
  return ms;
}
const MINUTES = Number(values.minutes);
const OUTAGE_MS = durationOf('outage');
const MEASURE_MS = durationOf('measure');
const SAMPLE_MS = durationOf('sample');
const CONNECTIONS = Number(values.connections);
const SPANS = Number(values.spans);
const TEMPLATES = 20;
const MiB = 1024 ** 2;

if (values.store !== 'sqlite' && values.store !== 'mongodb') throw new Error('--store: sqlite or mongodb');
const ferretdb = join(packageRoot(), 'scripts', 'ferretdb.sh');
const run = promisify(execFile);
const ferretDir = values.store === 'mongodb' ? mkdtempSync(join(tmpdir(), 'spanpulse-soak-ferretdb-')) : null;
const mongodb = ferretDir === null ? undefined : { uri: (await run(ferretdb, ['start', ferretDir])).stdout.trim(), database: 'soak' };
const collector = await startCollectorProcess(`
receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}, grpc: {endpoint: ""}}}}
`, { mongodb });
const dbPath = join(collector.dataDir, 'spanpulse.db');
// Interrupted: say what the collector logged last, and stop what this run started.
let interrupted = false;
process.once('SIGINT', () => void (async () => {
  interrupted = true;
  process.stdout.write(`interrupted; the collector's last log lines:\n${collector.logs().split('\n').slice(-30).join('\n')}\n`);
  await collector.remove();
  if (ferretDir !== null) await run(ferretdb, ['stop', ferretDir]).catch(() => undefined);
  process.exit(130);
})());
const outageKind = ferretDir === null ? 'write lock held' : 'FerretDB stopped';

async function metrics(): Promise<Record<string, number>> {
  const text = await fetch(`${collector.apiUrl}/metrics`).then((r) => r.text(), () => '');
  const found: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^(spanpulse_\w+) (\S+)$/.exec(line);
    if (match) found[match[1]!] = Number(match[2]);
  }
  return found;
}

const workload = new SpanWorkload({ shape: 'realistic', format: 'protobuf', spansPerRequest: SPANS });
const templatesAt = Date.now();
const templates = Array.from({ length: TEMPLATES }, () => uniqueBodies(workload.nextSpans()));
/** Request k: spans of its own, moved to when it is made. */
const bodyOf = (k: number): Buffer => templates[k % TEMPLATES]!.body(Math.floor(k / TEMPLATES), Date.now() - templatesAt);

const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS, maxFreeSockets: CONNECTIONS });
function post(body: Buffer): Promise<{ status: number; retryAfterS: number; ms: number }> {
  let began = performance.now();
  return new Promise((resolve) => {
    const done = (status: number, retryAfter?: string | string[]) =>
      resolve({ status, retryAfterS: Number(retryAfter ?? 1) || 1, ms: performance.now() - began });
    const req = request(`${collector.otlpUrl}/v1/traces`, {
      method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length },
    }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? 0, res.headers['retry-after']));
      res.on('error', () => done(0));
    });
    req.on('socket', () => { began = performance.now(); });
    req.on('error', () => done(0));
    req.end(body);
  });
}

/** What the run has seen; `window` is reset at every sample. */
const totals = { acknowledgedSpans: 0, refusals: 0, requests: 0 };
let window = { spans: 0, refusals: 0, latencies: [] as number[] };
const ackLatencies: number[] = [];
const deliveryLatencies: number[] = [];
let next = 0;
let inFlight = 0;

/** Sends the next request until it is answered 200; `dueAt` is when it fell due. */
async function deliver(dueAt: number): Promise<void> {
  const body = bodyOf(next++);
  inFlight += 1;
  totals.requests += 1;
  for (;;) {
    const { status, retryAfterS, ms } = await post(body);
    if (status === 200) {
      window.latencies.push(ms);
      ackLatencies.push(ms);
      break;
    }
    if (status !== 429 && status !== 503 && status !== 0) throw new Error(`unexpected HTTP ${status}`);
    totals.refusals += 1;
    window.refusals += 1;
    await new Promise((resolve) => setTimeout(resolve, retryAfterS * 1000));
  }
  inFlight -= 1;
  deliveryLatencies.push(performance.now() - dueAt);
  totals.acknowledgedSpans += SPANS;
  window.spans += SPANS;
}

/** Begins the store outage; resolves with how to end it. */
async function beginOutage(): Promise<() => Promise<void>> {
  if (ferretDir === null) {
    const unlock = await lockStore();
    return async () => unlock();
  }
  await run(ferretdb, ['stop', ferretDir]);
  return async () => { await run(ferretdb, ['start', ferretDir]); };
}

/** Another connection holding the write lock (BEGIN IMMEDIATE), taken without blocking this process for long. */
async function lockStore(): Promise<() => void> {
  const db = new Database(dbPath, { timeout: 50 });
  for (;;) {
    try {
      db.exec('BEGIN IMMEDIATE');
      return () => { db.exec('ROLLBACK'); db.close(); };
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

const log = (line: string): void => { process.stdout.write(`${line}\n`); };
log(`bench/soak: node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} ` +
  `(other work on the machine counts too); collector in a child process (${ferretDir === null ? 'SQLite' : 'MongoDB protocol: FerretDB'}, spool and memory_limiter as shipped), ${SPANS} spans/request, at most ${CONNECTIONS} in flight`);

let maxRate: number;
if (values['max-rate'] !== undefined) {
  maxRate = Number(values['max-rate']);
  log(`maximum: ${Math.round(maxRate)} spans/s, given (--max-rate)`);
} else {
  const until = performance.now() + MEASURE_MS;
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    while (performance.now() < until) await deliver(performance.now());
  }));
  maxRate = totals.acknowledgedSpans / (MEASURE_MS / 1000);
  log(`maximum: ${Math.round(maxRate)} spans/s, measured: acknowledged over ${MEASURE_MS / 1000} s by ${CONNECTIONS} connections sending as fast as answered`);
}
const target = 0.8 * maxRate;
const perSecond = target / SPANS;
const runMs = MINUTES * 60_000;
const outageAt = (runMs - OUTAGE_MS) / 2;
const dueTotal = Math.round(perSecond * (runMs / 1000));
log(`soak: ${Math.round(target)} spans/s (80 % of ${Math.round(maxRate)}) for ${MINUTES} min; store outage (${outageKind}) from ` +
  `${Math.round(outageAt / 1000)} s to ${Math.round((outageAt + OUTAGE_MS) / 1000)} s`);
log('   t s   spans/s   p99 ack ms   refusals   RSS MiB   spool records   spool MiB   oldest s   queue   in flight');

const measuredSpans = totals.acknowledgedSpans;
window = { spans: 0, refusals: 0, latencies: [] };
ackLatencies.length = 0;
deliveryLatencies.length = 0;
const rssSamples: Array<{ atMs: number; rss: number }> = [];
let maxSpool = 0;
const began = performance.now();
let lastSample = began;
const sample = async (): Promise<void> => {
  if (interrupted) return;
  const m = await metrics();
  if (interrupted) return;
  const now = performance.now();
  const rss = collector.rss();
  rssSamples.push({ atMs: now - began, rss });
  maxSpool = Math.max(maxSpool, m['spanpulse_spool_records'] ?? 0);
  const seconds = (now - lastSample) / 1000;
  const sorted = window.latencies.sort((a, b) => a - b);
  log(`${String(Math.round((now - began) / 1000)).padStart(6)} ${String(Math.round(window.spans / seconds)).padStart(9)} ` +
    `${percentile(sorted, 0.99).toFixed(0).padStart(12)} ${String(window.refusals).padStart(10)} ${(rss / MiB).toFixed(0).padStart(9)} ` +
    `${String(m['spanpulse_spool_records'] ?? 0).padStart(15)} ${((m['spanpulse_spool_bytes'] ?? 0) / MiB).toFixed(1).padStart(11)} ` +
    `${(m['spanpulse_spool_oldest_age_seconds'] ?? 0).toFixed(0).padStart(10)} ${String(m['spanpulse_queue_spans'] ?? 0).padStart(7)} ${String(inFlight).padStart(11)}`);
  lastSample = now;
  window = { spans: 0, refusals: 0, latencies: [] };
};
const sampler = setInterval(() => void sample(), SAMPLE_MS);

const deliveries: Promise<void>[] = [];
let release: (() => Promise<void>) | undefined;
let outage: 'before' | 'during' | 'after' = 'before';
for (let sent = 0; sent < dueTotal;) {
  const elapsed = performance.now() - began;
  if (outage === 'before' && elapsed >= outageAt) {
    release = await beginOutage();
    outage = 'during';
    log(`-- ${Math.round(elapsed / 1000)} s: store outage begins (${outageKind})`);
  } else if (outage === 'during' && elapsed >= outageAt + OUTAGE_MS) {
    await release!();
    release = undefined;
    outage = 'after';
    log(`-- ${Math.round(elapsed / 1000)} s: store outage ends`);
  }
  const due = Math.min(dueTotal, Math.floor((elapsed / 1000) * perSecond) + 1);
  for (; sent < due; sent++) deliveries.push(deliver(began + (sent / perSecond) * 1000));
  await new Promise((resolve) => setTimeout(resolve, 5));
}
await release?.();
await Promise.all(deliveries);
const loadMs = performance.now() - began;
const drainBegan = performance.now();
for (let m = await metrics(); (m['spanpulse_spool_records'] ?? 0) > 0 || (m['spanpulse_store_failing'] ?? 0) > 0; m = await metrics()) {
  await new Promise((resolve) => setTimeout(resolve, 500));
}
clearInterval(sampler);
await sample();
const peakRss = collector.peakRss();
agent.destroy();

/** Least-squares slope of RSS over time, MiB per minute. */
function slope(points: Array<{ atMs: number; rss: number }>): number {
  const xs = points.map((p) => p.atMs / 60_000);
  const ys = points.map((p) => p.rss / MiB);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const num = xs.reduce((sum, x, i) => sum + (x - mx) * (ys[i]! - my), 0);
  const den = xs.reduce((sum, x) => sum + (x - mx) ** 2, 0);
  return num / den;
}
const half = (first: boolean) => rssSamples.filter((s) => (s.atMs < loadMs / 2) === first).map((s) => s.rss / MiB);
const range = (list: number[]) => `${Math.min(...list).toFixed(0)}-${Math.max(...list).toFixed(0)} MiB`;
const ms = (list: number[]) => {
  const sorted = [...list].sort((a, b) => a - b);
  return `p50 ${percentile(sorted, 0.5).toFixed(0)} ms, p99 ${percentile(sorted, 0.99).toFixed(0)} ms, max ${(sorted.at(-1) ?? NaN).toFixed(0)} ms`;
};
const soakSpans = totals.acknowledgedSpans - measuredSpans;
log(`load: ${totals.requests} requests, ${soakSpans} spans acknowledged in ${(loadMs / 1000).toFixed(0)} s of soak ` +
  `(${Math.round(soakSpans / (loadMs / 1000))} spans/s; target ${Math.round(target)}), ${totals.refusals} refusals resent; spool drained ${((performance.now() - drainBegan) / 1000).toFixed(0)} s after the load`);
log(`acknowledgement latency (one attempt, 200s): ${ms(ackLatencies)}`);
log(`delivery latency (due to 200, retries included): ${ms(deliveryLatencies)}`);
log(`RSS: first half ${range(half(true))}, second half ${range(half(false))}, slope ${slope(rssSamples).toFixed(1)} MiB/min, ` +
  `peak ${(peakRss / MiB).toFixed(0)} MiB; most records in the spool ${maxSpool}`);

/** Spans in the store's services and daily service rollups. */
async function counted(store: Store): Promise<{ stored: number; rolled: number }> {
  const services = await store.listServices();
  const rollups = await store.findRollups({ period: 'day', level: 'service', from: new Date(templatesAt - 3_600_000 * 48), to: new Date(Date.now() + 86_400_000) });
  return { stored: services.reduce((sum, s) => sum + s.spanCount, 0), rolled: rollups.reduce((sum, r) => sum + r.requestCount, 0) };
}
let stored: number;
let rolled: number;
if (mongodb === undefined) {
  ({ stored, rolled } = await collector.readStore(counted));
} else {
  const code = await collector.stop();
  if (code !== 0) throw new Error(`the collector exited with ${code}:\n${collector.logs()}`);
  const store = new MongoStore(mongodb);
  await store.start();
  try {
    ({ stored, rolled } = await counted(store));
  } finally {
    await store.shutdown();
  }
  await run(ferretdb, ['stop', ferretDir!]);
  rmSync(ferretDir!, { recursive: true, force: true });
}
await collector.remove();
const exact = stored === totals.acknowledgedSpans && rolled === totals.acknowledgedSpans;
log(`exact-count check: ${totals.acknowledgedSpans} acknowledged (measurement included), ${stored} stored (services), ${rolled} counted (daily rollups): ${exact ? 'PASS' : 'FAIL'}`);
if (!exact) process.exitCode = 1;
