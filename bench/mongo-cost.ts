/**
 * The MongoDB cost of a batch: for batches of N realistic request records (bench/requestRecords.ts)
 * written through `MongoStore.write`, prints the commands the store's client sends (driver
 * command monitoring), the sequential round trips (a round trip starts when a command is sent
 * while none is in flight: commands sent together count once) before the write returns and
 * after it, and the documents written (insert, update and delete statements) per 1 000
 * records. Both write protocols run against the server at MONGODB_URI, each into a fresh
 * database dropped afterwards: `mongodb` (the production path; aim: at most 6 sequential round
 * trips per batch before its acknowledgement) and `ferretdb` (the workarounds of
 * FerretDbCompatibility.ts: lease, insert-new, chunks). On FerretDB the mongodb protocol's
 * updates are not atomic, which does not matter here: one writer, nothing concurrent.
 *
 *   scripts/ferretdb.sh start /tmp/fdb   # prints the URI, or use any MongoDB
 *   npm run build && MONGODB_URI=mongodb://127.0.0.1:PORT/ node dist/bench/mongo-cost.js [--batch 1000] [--batches 5]
 */
import { cpus } from 'node:os';
import { MongoClient } from 'mongodb';
import { MongoStore, type CommandEvent } from '../collector/store/mongodb/MongoStore.js';
import { benchMongoUri, serverName } from './mongoServer.js';
import { batchesOf } from './requestRecords.js';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

const BATCH = Number(option('batch', '1000'));
const BATCHES = Number(option('batches', '5'));

/**
 * Counts what one store.write sends: round trips until its acknowledgement (the write
 * returning), and after it whatever it left running (MongoWriter's averages refresh), measured
 * until nothing is in flight, as `afterAck`. Commands and documents count both.
 */
class CommandTally {
  commands = new Map<string, number>();
  roundTrips = 0;
  afterAck = 0;
  documents = 0;
  private inFlight = 0;
  private phase: 'off' | 'write' | 'after' = 'off';
  private drained: (() => void) | undefined;

  readonly listen = (event: CommandEvent): void => {
    if (!('command' in event)) {
      this.inFlight = Math.max(0, this.inFlight - 1);
      if (this.inFlight === 0) this.drained?.();
      return;
    }
    if (this.phase === 'off') return;
    if (this.inFlight === 0) {
      if (this.phase === 'write') this.roundTrips += 1;
      else this.afterAck += 1;
    }
    this.inFlight += 1;
    this.commands.set(event.commandName, (this.commands.get(event.commandName) ?? 0) + 1);
    const command = event.command as Record<string, unknown>;
    for (const key of ['documents', 'updates', 'deletes']) {
      if (Array.isArray(command[key])) this.documents += command[key].length;
    }
  };

  start(): void {
    this.commands.clear();
    this.roundTrips = 0;
    this.afterAck = 0;
    this.documents = 0;
    this.phase = 'write';
  }

  /** After the write returned: counts what still goes out until nothing is in flight for 50 ms. */
  async stop(): Promise<void> {
    this.phase = 'after';
    for (;;) {
      if (this.inFlight > 0) await new Promise<void>((resolve) => { this.drained = resolve; });
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (this.inFlight === 0) break;
    }
    this.drained = undefined;
    this.phase = 'off';
  }
}

async function measure(uri: string, protocol: 'mongodb' | 'ferretdb'): Promise<Record<string, unknown>> {
  const database = `spanpulse_cost_${protocol}_${Date.now().toString(36)}`;
  const tally = new CommandTally();
  // No recovery or settle work of its own while batches are measured.
  const store = new MongoStore({ uri, database, timeoutMs: 10_000, recoveryIntervalMs: 0, cleanupIntervalMs: 0, protocol, commandMonitor: tally.listen });
  await store.start();
  const perBatch: Array<{ records: number; roundTrips: number; afterAck: number; commands: number; documents: number }> = [];
  const commandNames = new Map<string, number>();
  try {
    for (const batch of batchesOf(BATCH * BATCHES, BATCH)) {
      tally.start();
      await store.write(batch);
      await tally.stop();
      let commands = 0;
      for (const [name, count] of tally.commands) {
        commands += count;
        commandNames.set(name, (commandNames.get(name) ?? 0) + count);
      }
      perBatch.push({ records: batch.length, roundTrips: tally.roundTrips, afterAck: tally.afterAck, commands, documents: tally.documents });
    }
  } finally {
    await store.shutdown();
    const client = new MongoClient(uri);
    await client.db(database).dropDatabase().catch(() => undefined);
    await client.close();
  }
  const records = perBatch.reduce((sum, b) => sum + b.records, 0);
  return {
    protocol,
    roundTripsPerBatch: perBatch.map((b) => b.roundTrips),
    roundTripsAfterAckPerBatch: perBatch.map((b) => b.afterAck),
    commandsPerBatch: perBatch.map((b) => b.commands),
    commandsByName: Object.fromEntries([...commandNames].map(([name, count]) => [name, Number((count / perBatch.length).toFixed(1))])),
    documentsPer1000Records: Math.round((perBatch.reduce((sum, b) => sum + b.documents, 0) / records) * 1000),
  };
}

async function main(): Promise<void> {
  const uri = benchMongoUri();
  if (uri === null) return;
  const client = new MongoClient(uri);
  const server = await serverName(client);
  await client.close();
  console.log(`bench/mongo-cost: ${BATCHES} batches of ${BATCH} realistic records (3 services, 40 endpoints, 5 000 sessions) on ${server}, node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'unknown'}; commandsByName is per batch`);
  for (const protocol of ['mongodb', 'ferretdb'] as const) {
    console.log(JSON.stringify(await measure(uri, protocol)));
  }
}

await main();
