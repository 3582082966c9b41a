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
import { batchesOf } from './requestRecords.js';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

const RECORDS = Number(option('records', '300000'));
const BATCH = Number(option('batch', '1000'));
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
