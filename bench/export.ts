/**
 * Export of a big store: a year of daily rows for 1 000 endpoints (10 services x 100 routes,
 * within the default cardinality limits), written through `SqliteStore.write` as one request
 * per endpoint and day (a few answered 5xx or 4xx, log-normal latencies, a few sessions), then
 * exported by the real collector (`dist/collector/main.js`, a child process on that file) as
 * `GET /api/status/export?report=daily&by=endpoint` over the whole year, read as fast as the
 * client can. Prints rows/s, bytes, and the collector's peak RSS (VmHWM) before and after
 * each export; a 30-day export in a fresh collector beside it shows whether memory grows
 * with the range (it must not: the export reads the store a week at a time).
 *
 *   npm run build && node dist/bench/export.js [--endpoints 1000] [--days 365] [--format csv|json|ndjson]
 *     [--path file.db]   (seed into this file and keep it; a later run with the same --path reuses it)
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { COLLECTOR_ENVIRONMENT, MAIN_THREAD_NODE_FLAGS } from '../collector/heapTuning.js';
import { SqliteStore } from '../collector/store/sqlite/SqliteStore.js';
import type { RequestRecord } from '../collector/store/types.js';
import { procStatusBytes } from './procStatus.js';
import { seededRandom } from './seededRandom.js';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

const ENDPOINTS = Number(option('endpoints', '1000'));
const DAYS = Number(option('days', '365'));
const FORMAT = option('format', 'csv');
const SERVICES = 10;
const BATCH = 5000;
const DAY = 86_400_000;
/** The seeded days end with yesterday: the export's range is whole past days. */
const TODAY = Math.floor(Date.now() / DAY) * DAY;
const FIRST_DAY = TODAY - DAYS * DAY;

function* batches(): Generator<RequestRecord[]> {
  const next = seededRandom(11);
  let batch: RequestRecord[] = [];
  let id = 0;
  for (let day = FIRST_DAY; day < TODAY; day += DAY) {
    for (let e = 0; e < ENDPOINTS; e += 1) {
      id += 1;
      const roll = next();
      const gaussian = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
      const session = next() < 0.5 ? `s${day}-${Math.floor(next() * 200)}` : null;
      batch.push({
        kind: 'request',
        traceId: id.toString(16).padStart(32, '0'),
        spanId: (id * 7919).toString(16).padStart(16, '0').slice(-16),
        serviceName: `service-${e % SERVICES}`,
        endpoint: `/api/resource${Math.floor(e / SERVICES)}/:id`,
        method: ['GET', 'POST', 'PUT', 'DELETE'][e % 4]!,
        statusCode: roll < 0.02 ? 500 : roll < 0.05 ? 404 : 200,
        responseTime: Math.exp(Math.log(20 + (e % 13) * 15) + 0.7 * gaussian),
        // Spread over the day, so the hourly rollups are as many as the daily ones.
        timestamp: new Date(day + Math.floor(next() * (DAY - 1000))),
        sessionId: session,
        userId: null,
        agentName: null,
        ipAddress: null,
        userAgent: null,
        outcome: roll < 0.02 ? 'error' : roll < 0.05 ? 'client_error' : 'success',
        inputTokens: 0,
        outputTokens: 0,
        conversationId: null,
      });
      if (batch.length === BATCH) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}

async function seed(path: string): Promise<void> {
  const store = new SqliteStore({ path });
  await store.start();
  const began = performance.now();
  let stored = 0;
  try {
    for (const batch of batches()) stored += (await store.write(batch)).stored;
  } finally {
    await store.shutdown();
  }
  const seconds = (performance.now() - began) / 1000;
  console.log(`seeded ${stored.toLocaleString('en-US')} requests in ${seconds.toFixed(0)} s (${Math.round(stored / seconds).toLocaleString('en-US')} /s); ` +
    `database file ${(statSync(path).size / 1024 / 1024).toFixed(0)} MiB`);
}

const kib = (bytes: number) => Math.round(bytes / 1024);

/** Starts the collector on the file, exports `days` days ending yesterday, and prints what it took. */
async function exportOnce(dir: string, path: string, days: number): Promise<void> {
  const config = join(dir, 'export-config.yaml');
  // No retention job (it would start deleting raw rows older than 30 days of the seed) and no receiver traffic.
  writeFileSync(config, `receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}, grpc: {endpoint: ""}}}}
exporters: {sqlite: {path: "${path}"}}
processors: {batch: {spool: {enabled: false}}}
extensions: {status_api: {endpoint: "127.0.0.1:0"}}
service: {extensions: [status_api]}
`);
  const collector = spawn(process.execPath, [...MAIN_THREAD_NODE_FLAGS, fileURLToPath(new URL('../collector/main.js', import.meta.url)), '--config', config], {
    stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...COLLECTOR_ENVIRONMENT },
  });
  let log = '';
  const apiPort = await new Promise<number>((resolve, reject) => {
    collector.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      const match = /"api":"[^"]*:(\d+)"/.exec(log);
      if (match) resolve(Number(match[1]));
    });
    collector.once('exit', () => reject(new Error(`collector exited:\n${log}`)));
  });
  try {
    const base = `http://127.0.0.1:${apiPort}`;
    // Warm: the first status request loads what every request needs (services, the session counts).
    await (await fetch(`${base}/api/status`)).arrayBuffer();
    const before = procStatusBytes(collector.pid!, 'VmHWM');
    const query = new URLSearchParams({ report: 'daily', by: 'endpoint', format: FORMAT, from: new Date(TODAY - days * DAY).toISOString().slice(0, 10), to: new Date(TODAY).toISOString().slice(0, 10) });
    let peakRss = 0;
    const sampler = setInterval(() => { peakRss = Math.max(peakRss, procStatusBytes(collector.pid!, 'VmRSS')); }, 20);
    const began = performance.now();
    const response = await fetch(`${base}/api/status/export?${query}`);
    if (response.status !== 200) throw new Error(`export answered ${response.status}: ${await response.text()}`);
    let bytes = 0;
    let lines = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      for (let i = 0; i < chunk.length; i += 1) if (chunk[i] === 10) lines += 1;
    }
    const seconds = (performance.now() - began) / 1000;
    clearInterval(sampler);
    const rows = FORMAT === 'csv' ? lines - 1 : FORMAT === 'json' ? lines - 2 : lines;
    const after = procStatusBytes(collector.pid!, 'VmHWM');
    console.log(`${String(days).padStart(4)} days: ${rows.toLocaleString('en-US')} rows (${(rows === days * ENDPOINTS ? 'all' : `expected ${(days * ENDPOINTS).toLocaleString('en-US')}`)}), ` +
      `${(bytes / 1024 / 1024).toFixed(1)} MiB ${FORMAT} in ${seconds.toFixed(2)} s: ${Math.round(rows / seconds).toLocaleString('en-US')} rows/s, ` +
      `${(bytes / 1024 / 1024 / seconds).toFixed(1)} MiB/s; collector RSS peak ${kib(before).toLocaleString('en-US')} KiB before the export, ` +
      `${kib(after).toLocaleString('en-US')} KiB after (highest sampled while streaming ${kib(peakRss).toLocaleString('en-US')} KiB); ` +
      `file name ${response.headers.get('content-disposition')?.replace(/^.*filename=/, '')}`);
  } finally {
    collector.kill('SIGTERM');
    await once(collector, 'exit');
  }
}

async function main(): Promise<void> {
  const customPath = option('path', '');
  const dir = mkdtempSync(join(tmpdir(), 'spanpulse-bench-export-'));
  const path = customPath === '' ? join(dir, 'spanpulse.db') : customPath;
  const reuse = customPath !== '' && existsSync(path);
  console.log(`bench/export: node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'})`);
  console.log(`run as: node ${process.argv.slice(1).join(' ')}`);
  console.log(`store: SqliteStore at ${path}; ${ENDPOINTS.toLocaleString('en-US')} endpoints in ${SERVICES} services, one request per endpoint and day, ` +
    `${DAYS} days ending ${new Date(TODAY).toISOString().slice(0, 10)} (exclusive)${reuse ? ' (reusing the seeded file)' : ''}`);
  try {
    if (!reuse) await seed(path);
    console.log(`export: GET /api/status/export?report=daily&by=endpoint&format=${FORMAT}, each in a fresh collector process (dist/collector/main.js)`);
    for (const days of [...new Set([Math.min(30, DAYS), DAYS])]) await exportOnce(dir, path, days);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
