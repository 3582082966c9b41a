/**
 * Latency of the status API on a big embedded store: rollups of 10 million requests over 90
 * days (3 services, 40 endpoints, 4 agents: every endpoint/agent pair has traffic every hour,
 * so the hourly and daily tables hold as many documents as a real 10 M-request store) and
 * 1 million raw api_metrics rows. Everything is written through `SqliteStore.write` with
 * realistic RequestRecords in time order, in batches that fall into one or two hours, so a
 * batch aggregates into few rollup upserts; the raw rows beyond the newest 1 million are then
 * removed by the store's own retention job. Prints p50/p95 of sequential requests to
 * /api/status, /api/status/analytics and /api/status/api-status (24h and 30d windows).
 * Target: p95 under 50 ms on SQLite. The first request of each kind is printed apart: it fills
 * the API's rollup cache and reads the distinct-session counts, which later requests share.
 *
 *   npm run build && node dist/bench/api.js [--requests 10000000] [--raw 1000000] [--runs 40]
 *     [--path file.db --keep]   (keep the seeded file; a later run with the same --path reuses it)
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApiApp } from '../api/createApiApp.js';
import { DEFAULT_THRESHOLDS } from '../api/stats/healthState.js';
import { SqliteStore } from '../collector/store/sqlite/SqliteStore.js';
import type { RequestRecord, Retention } from '../collector/store/types.js';
import { Telemetry } from '../collector/telemetry/Telemetry.js';
import { seededRandom } from './seededRandom.js';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

const REQUESTS = Number(option('requests', '10000000'));
const RAW = Number(option('raw', '1000000'));
const RUNS = Number(option('runs', '40'));
const BATCH = 5000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SPAN_DAYS = 90;
/** Data ends at the pinned "now": 25 minutes into the current hour, so windows have partial edges. */
const NOW = new Date(Math.floor(Date.now() / HOUR) * HOUR + 25 * 60_000);
const START = NOW.getTime() - SPAN_DAYS * DAY + HOUR;
const RETENTION: Retention = { apiMetricsMs: 30 * DAY, minuteMetricsMs: 2 * DAY, hourlyMetricsMs: 90 * DAY, dailyMetricsMs: 400 * DAY, agentMetricsMs: 400 * DAY, sessionsMs: 400 * DAY };

const SERVICES = ['shop', 'shop', 'shop', 'shop', 'blog', 'blog', 'admin'];
const AGENTS = ['support', 'sales', 'planner', 'coder'];
const ENDPOINTS = Array.from({ length: 40 }, (_, i) => ({
  endpoint: i < 4 ? `/api/agents/:agent/chat/${i}` : `/api/resource${i}/:id`,
  method: ['GET', 'GET', 'POST', 'PUT', 'DELETE'][i % 5]!,
  medianMs: i < 4 ? 900 : 15 + (i % 7) * 12,
}));

const random = seededRandom;

function* batches(): Generator<RequestRecord[]> {
  const next = random(7);
  const step = (NOW.getTime() - 60_000 - START) / REQUESTS;
  let id = 0;
  for (let first = 0; first < REQUESTS; first += BATCH) {
    const batch: RequestRecord[] = [];
    for (let i = first; i < Math.min(first + BATCH, REQUESTS); i += 1) {
      const timestamp = START + i * step;
      const target = ENDPOINTS[Math.floor(next() * ENDPOINTS.length)]!;
      const agentName = target.endpoint.startsWith('/api/agents') ? AGENTS[Math.floor(next() * AGENTS.length)]! : null;
      const roll = next();
      // About 300 sessions are active in any hour; a session lives for about two hours.
      const session = next() < 0.85 ? `s${Math.floor(timestamp / (2 * HOUR))}-${Math.floor(next() * 600)}` : null;
      const gaussian = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
      id += 1;
      batch.push({
        kind: 'request',
        traceId: id.toString(16).padStart(32, '0'),
        spanId: (id * 7919).toString(16).padStart(16, '0').slice(-16),
        serviceName: SERVICES[Math.floor(next() * SERVICES.length)]!,
        endpoint: target.endpoint,
        method: target.method,
        statusCode: roll < 0.02 ? 500 : roll < 0.06 ? 404 : 200,
        responseTime: Math.exp(Math.log(target.medianMs) + 0.8 * gaussian),
        timestamp: new Date(timestamp),
        sessionId: session,
        userId: session !== null && session.endsWith('7') ? `user-${session.slice(-3)}` : null,
        agentName,
        ipAddress: `10.0.${Math.floor(next() * 250)}.${i % 250}`,
        userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
        outcome: roll < 0.02 ? 'error' : roll < 0.06 ? 'client_error' : 'success',
        inputTokens: agentName === null ? 0 : Math.floor(next() * 800),
        outputTokens: agentName === null ? 0 : Math.floor(next() * 1500),
        conversationId: null,
      });
    }
    yield batch;
  }
}

async function seed(store: SqliteStore): Promise<void> {
  const began = performance.now();
  let stored = 0;
  for (const batch of batches()) {
    stored += (await store.write(batch)).stored;
    if (stored % 1_000_000 < BATCH) {
      const seconds = (performance.now() - began) / 1000;
      console.log(`  seeded ${stored.toLocaleString('en-US')} requests in ${seconds.toFixed(0)} s (${Math.round(stored / seconds)} /s)`);
    }
  }
  // Keep the newest RAW raw rows, as a shorter api_metrics retention would; rollups stay.
  const keepMs = ((NOW.getTime() - START) * RAW) / REQUESTS;
  const deleting = performance.now();
  await store.deleteExpired(NOW, { ...RETENTION, apiMetricsMs: keepMs });
  console.log(`  seeded ${stored.toLocaleString('en-US')} requests in ${((performance.now() - began) / 1000).toFixed(0)} s; ` +
    `trimming raw rows to the newest ${RAW.toLocaleString('en-US')} took ${((performance.now() - deleting) / 1000).toFixed(0)} s`);
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] ?? NaN;
}

async function measure(url: string): Promise<{ cold: number; p50: number; p95: number; bytes: number }> {
  let bytes = 0;
  const first = performance.now();
  await (await fetch(url)).arrayBuffer();
  const cold = performance.now() - first;
  for (let i = 0; i < 2; i += 1) await (await fetch(url)).arrayBuffer();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const began = performance.now();
    const response = await fetch(url);
    bytes = (await response.arrayBuffer()).byteLength;
    times.push(performance.now() - began);
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  }
  times.sort((a, b) => a - b);
  return { cold, p50: percentile(times, 0.5), p95: percentile(times, 0.95), bytes };
}

async function main(): Promise<void> {
  const customPath = option('path', '');
  const keep = process.argv.includes('--keep');
  const dir = customPath === '' ? mkdtempSync(join(tmpdir(), 'spanpulse-bench-api-')) : undefined;
  const path = customPath === '' ? join(dir!, 'spanpulse.db') : customPath;
  const reuse = customPath !== '' && existsSync(path);
  console.log(`bench/api: node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'})`);
  console.log(`run as: node ${process.argv.slice(1).join(' ')}`);
  console.log(`store: SqliteStore at ${path}; ${REQUESTS.toLocaleString('en-US')} requests over ${SPAN_DAYS} days ending ${NOW.toISOString()}, ` +
    `${RAW.toLocaleString('en-US')} raw rows kept${reuse ? ' (reusing the seeded file)' : ''}`);

  const store = new SqliteStore({ path });
  await store.start();
  let server: Server | undefined;
  try {
    if (!reuse) await seed(store);
    // A reused file was seeded earlier: its "now" is 25 minutes into the hour its data ends in.
    const lastSeen = Math.max(...(await store.listServices()).map((s) => s.lastSeen.getTime()));
    const now = new Date(Math.floor(lastSeen / HOUR) * HOUR + 25 * 60_000);
    // Counted ten days at a time, so that the measured process does not start with them all in its heap.
    let hourly = 0;
    let requests = 0;
    for (let from = now.getTime() - 100 * DAY; from < now.getTime(); from += 10 * DAY) {
      const slice = await store.findRollups({ period: 'hour', level: 'endpoint', from: new Date(from), to: new Date(Math.min(from + 10 * DAY, now.getTime())) });
      hourly += slice.length;
      requests += slice.reduce((n, r) => n + r.requestCount, 0);
    }
    const daily = (await store.findRollups({ period: 'day', level: 'endpoint', from: new Date(now.getTime() - 100 * DAY), to: new Date(now.getTime() + DAY) })).length;
    console.log(`rollups: ${hourly.toLocaleString('en-US')} endpoint-level hourly and ${daily.toLocaleString('en-US')} daily documents, ` +
      `${requests.toLocaleString('en-US')} requests; database file ${(statSync(path).size / 1024 / 1024).toFixed(0)} MiB`);

    const app = createApiApp({
      store, telemetry: new Telemetry(), version: 'bench', sessionInactivityMs: 30 * 60_000,
      thresholds: DEFAULT_THRESHOLDS, retention: RETENTION, now: () => now,
    });
    server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    console.log(`\n${RUNS} sequential requests each after 3 warm-up ones, milliseconds; "first" is the first warm-up request,`);
    console.log('which fills the rollup cache (past hours and days) and the per-minute session counts:');
    console.log('endpoint                                 first      p50      p95   response');
    for (const path of [
      '/api/status',
      '/api/status/analytics?window=24h', '/api/status/analytics?window=30d',
      '/api/status/api-status?window=24h', '/api/status/api-status?window=30d',
    ]) {
      const { cold, p50, p95, bytes } = await measure(base + path);
      console.log(`${path.padEnd(38)} ${cold.toFixed(1).padStart(8)} ${p50.toFixed(1).padStart(8)} ${p95.toFixed(1).padStart(8)} ${(bytes / 1024).toFixed(0).padStart(7)} KiB`);
    }
  } finally {
    server?.close();
    await store.shutdown();
  }
  console.log(`peak RSS of the process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  if (dir !== undefined && !keep) rmSync(dir, { recursive: true, force: true });
}

await main();
