/**
 * Write speed of the embedded SQLite store alone: N realistic request records (3 services,
 * 40 endpoints, 4 agents, 5,000 sessions, spread over 24 h, log-normal latencies, 2 % 5xx,
 * 4 % 4xx) written in batches of 1,000 through `SqliteStore.write`, each batch one durable
 * commit (WAL, synchronous = FULL), as the collector's group commit does. Prints records/s
 * stored, the cost of replaying already stored batches (exporter retries), and peak RSS.
 * The collector must store >= 30,000 spans/s on 2 cores.
 *
 *   npm run build && node dist/bench/store.js [--records 300000] [--batch 1000] [--path file.db]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SqliteStore } from '../collector/store/sqlite/SqliteStore.js';
import type { RequestRecord } from '../collector/store/types.js';
import { seededRandom } from './seededRandom.js';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

const RECORDS = Number(option('records', '300000'));
const BATCH = Number(option('batch', '1000'));
/** The records span the 24 h before the run. */
const START = Date.now() - 24 * 3_600_000;
const SERVICES = ['shop', 'shop', 'shop', 'shop', 'shop', 'blog', 'blog', 'admin'];
const AGENTS = ['support', 'sales', 'planner', 'coder'];
const ENDPOINTS = Array.from({ length: 40 }, (_, i) => ({
  endpoint: i < 4 ? `/api/agents/:agent/chat/${i}` : `/api/resource${i}/:id`,
  method: ['GET', 'GET', 'POST', 'PUT', 'DELETE'][i % 5]!,
}));

const random = seededRandom;

/** Batches of the same records on every call: generated lazily, so peak RSS is the store's, not the input's. */
function* batchesOf(count: number, size: number): Generator<RequestRecord[]> {
  const next = random(42);
  const hex = (digits: number) => Array.from({ length: digits }, () => Math.floor(next() * 16).toString(16)).join('');
  const step = (24 * 3_600_000) / count;
  for (let first = 0; first < count; first += size) {
    yield Array.from({ length: Math.min(size, count - first) }, (_, offset) => record(first + offset));
  }
  function record(i: number): RequestRecord {
    const target = ENDPOINTS[Math.floor(next() * ENDPOINTS.length)]!;
    const agentName = target.endpoint.startsWith('/api/agents') ? AGENTS[Math.floor(next() * AGENTS.length)]! : null;
    const roll = next();
    const session = next() < 0.85 ? Math.floor(next() * 5000) : null;
    const gaussian = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    return {
      kind: 'request', traceId: hex(32), spanId: hex(16),
      serviceName: SERVICES[Math.floor(next() * SERVICES.length)]!,
      endpoint: target.endpoint, method: target.method,
      statusCode: roll < 0.02 ? 500 : roll < 0.06 ? 404 : 200,
      responseTime: Math.exp(Math.log(40) + 0.8 * gaussian),
      timestamp: new Date(START + i * step),
      sessionId: session === null ? null : `session-${session}`,
      userId: session !== null && session % 3 === 0 ? `user-${session % 1200}` : null,
      agentName,
      ipAddress: `10.0.${session === null ? 0 : session % 250}.${i % 250}`,
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
      outcome: roll < 0.02 ? 'error' : roll < 0.06 ? 'client_error' : 'success',
      inputTokens: agentName === null ? 0 : Math.floor(next() * 800),
      outputTokens: agentName === null ? 0 : Math.floor(next() * 1500),
    };
  }
}

async function main(): Promise<void> {
  const customPath = option('path', '');
  const dir = customPath === '' ? mkdtempSync(join(tmpdir(), 'spanpulse-bench-store-')) : undefined;
  const path = customPath === '' ? join(dir!, 'spanpulse.db') : customPath;
  console.log(`bench/store: node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'})`);
  console.log(`run as: node ${process.argv.slice(1).join(' ')}`);
  console.log(`store: SqliteStore at ${path} (WAL, synchronous=FULL, one BEGIN IMMEDIATE per batch); ${RECORDS} request records, batches of ${BATCH}`);

  const store = new SqliteStore({ path });
  await store.start();
  try {
    // Only write() is timed; generating the records is not.
    let stored = 0;
    let batches = 0;
    let writeMs = 0;
    let slowest = 0;
    for (const batch of batchesOf(RECORDS, BATCH)) {
      const began = performance.now();
      stored += (await store.write(batch)).stored;
      const ms = performance.now() - began;
      writeMs += ms;
      slowest = Math.max(slowest, ms);
      batches += 1;
    }
    console.log(`stored ${stored} records in ${(writeMs / 1000).toFixed(2)} s of write(): ${Math.round(stored / (writeMs / 1000))} records/s, ` +
      `${(writeMs / batches).toFixed(1)} ms per batch on average, slowest batch ${slowest.toFixed(1)} ms`);

    let duplicates = 0;
    let replayMs = 0;
    let replayed = 0;
    for (const batch of batchesOf(RECORDS, BATCH)) {
      if (replayed++ === 50) break;
      const began = performance.now();
      duplicates += (await store.write(batch)).duplicates;
      replayMs += performance.now() - began;
    }
    console.log(`replayed ${duplicates} already stored records (exporter retries): ${Math.round(duplicates / (replayMs / 1000))} records/s`);

    const [hour] = await store.findRollups({ period: 'day', level: 'service', from: new Date(0), to: new Date(Date.now() + 86_400_000), serviceName: 'shop' });
    console.log(`check: first daily service-level rollup of 'shop' has ${hour?.requestCount ?? 0} requests, ${hour?.activeUsers ?? 0} active users`);
  } finally {
    await store.shutdown();
  }
  const megabytes = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
  console.log(`database file: ${megabytes(statSync(path).size)} MiB; peak RSS of the process: ${megabytes(process.resourceUsage().maxRSS * 1024)} MiB`);
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
}

await main();
