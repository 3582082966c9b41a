/**
 * The cross-process write lease used on servers whose updates are not atomic (FerretDB): a
 * write that runs longer than the lease must keep it, or another collector would take the
 * lease and write at the same time.
 */
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Keyed } from '../../../collector/store/mongodb/documents.js';
import { WriteLease } from '../../../collector/store/mongodb/FerretDbCompatibility.js';
import { dropDatabasesAfterAll, freshDatabase, mongodbUri, skipReason } from './mongodbSupport.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(mongodbUri === null)(`WriteLease${mongodbUri === null ? ` (skipped: ${skipReason})` : ''}`, () => {
  dropDatabasesAfterAll();
  let client: MongoClient;
  beforeAll(async () => {
    client = await new MongoClient(mongodbUri ?? '', { serverSelectionTimeoutMS: 3000 }).connect();
  });
  afterAll(async () => {
    await client?.close();
  });

  it('keeps the lease through a write four times longer than it, and hands it over afterwards', async () => {
    const locks = client.db(freshDatabase()).collection<Keyed>('locks');
    const [first, second] = [new WriteLease(locks, 300, 10_000), new WriteLease(locks, 300, 10_000)];
    const events: string[] = [];
    const long = first.run(async () => {
      events.push('first starts');
      await sleep(1200);
      events.push('first ends');
    });
    await sleep(50);
    const short = second.run(async () => {
      events.push('second starts');
      events.push('second ends');
    });
    await Promise.all([long, short]);
    expect(events).toEqual(['first starts', 'first ends', 'second starts', 'second ends']);
  }, 15_000);
});
