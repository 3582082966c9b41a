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
import { benchMongoUri, serverName } from './mongoServer.js';
import { batchesOf } from './requestRecords.js';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

const RECORDS = Number(option('records', '50000'));
const BATCH = Number(option('batch', '1000'));
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
  const uri = benchMongoUri();
  if (uri === null) return;
  const database = `spanpulse_bench_${Date.now().toString(36)}`;
  const store = new MongoStore({ uri, database, timeoutMs: 10_000, recoveryIntervalMs: 0 });
  await store.start();
  const client = new MongoClient(uri);
  try {
    const server = await serverName(client);
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
