/**
 * Write speed of the MongoDB store alone: N realistic request records (3 services, 40
 * endpoints, 4 agents, 5,000 sessions over 24 h, log-normal latencies, 2 % 5xx, 4 % 4xx; the
 * same mix as bench/store.ts) written in batches of 1,000 through `MongoStore.write` to the
 * server at MONGODB_URI, into a fresh database that is dropped afterwards. Prints records/s
 * stored, the cost of replaying stored batches (exporter retries), and what it ran against.
 * On FerretDB (our test server) writes are serialised by the write lease and every update is
 * a read and a rewrite of the document in FerretDB, each scanning the whole collection on
 * SQLite (new documents are inserted instead: MongoWriter), so the cost per record grows with
 * the number of sessions and rollups already stored: real MongoDB is much faster.
 *
 *   scripts/ferretdb.sh start /tmp/fdb   # prints the URI, or use any MongoDB
 *   npm run build && MONGODB_URI=mongodb://127.0.0.1:PORT/ node dist/bench/store-mongo.js [--records 50000] [--batch 1000]
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { MongoClient } from 'mongodb';
import { MongoStore } from '../collector/store/mongodb/MongoStore.js';
import type { RequestRecord } from '../collector/store/types.js';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

const RECORDS = Number(option('records', '50000'));
const BATCH = Number(option('batch', '1000'));
const START = Date.now() - 24 * 3_600_000;
const SERVICES = ['shop', 'shop', 'shop', 'shop', 'shop', 'blog', 'blog', 'admin'];
const AGENTS = ['support', 'sales', 'planner', 'coder'];
const ENDPOINTS = Array.from({ length: 40 }, (_, i) => ({
  endpoint: i < 4 ? `/api/agents/:agent/chat/${i}` : `/api/resource${i}/:id`,
  method: ['GET', 'GET', 'POST', 'PUT', 'DELETE'][i % 5]!,
}));

/** Deterministic so runs are comparable (mulberry32). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The same records on every call, generated lazily batch by batch. */
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

async function timedWrites(store: MongoStore, replay: number): Promise<{ seconds: number; stored: number; duplicates: number }> {
  let stored = 0;
  let duplicates = 0;
  const started = performance.now();
  for (const batch of batchesOf(replay, BATCH)) {
    const result = await store.write(batch);
    stored += result.stored;
    duplicates += result.duplicates;
  }
  return { seconds: (performance.now() - started) / 1000, stored, duplicates };
}

async function main(): Promise<void> {
  const uri = process.env['MONGODB_URI'] ?? '';
  if (uri === '') {
    console.error('set MONGODB_URI (e.g. the URI printed by `scripts/ferretdb.sh start /tmp/fdb`)');
    process.exitCode = 2;
    return;
  }
  const database = `spanpulse_bench_${Date.now().toString(36)}`;
  const store = new MongoStore({ uri, database, timeoutMs: 10_000, recoveryIntervalMs: 0 });
  await store.start();
  const client = new MongoClient(uri);
  try {
    const build = await client.db('admin').command({ buildInfo: 1 });
    const server = typeof build['ferretdbVersion'] === 'string' ? `FerretDB ${String(build['ferretdbVersion'])}` : `MongoDB ${String(build['version'])}`;
    const first = await timedWrites(store, RECORDS);
    const replayCount = Math.min(RECORDS, 10 * BATCH);
    const replay = await timedWrites(store, replayCount);
    console.log(JSON.stringify({
      bench: 'store-mongo',
      server,
      writeLease: store.serverInfo?.ferretdb === true,
      records: RECORDS,
      batch: BATCH,
      stored: first.stored,
      seconds: Number(first.seconds.toFixed(2)),
      recordsPerSecond: Math.round(first.stored / first.seconds),
      replayedRecordsPerSecond: Math.round(replay.duplicates / replay.seconds),
      node: process.version,
      cpus: `${cpus().length} x ${cpus()[0]?.model ?? 'unknown'}`,
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    }, null, 2));
  } finally {
    await store.shutdown();
    await client.db(database).dropDatabase().catch(() => undefined);
    await client.close();
  }
}

await main();
