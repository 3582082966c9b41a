/**
 * A cross-process write lease, for MongoDB-compatible servers whose single-document updates
 * are not atomic. FerretDB 1.x applies an update by reading the document, changing it in its
 * own process and writing it back whole, with nothing in between to stop another update:
 * two collectors `$inc`-ing the same document at once lose increments (measured: 12 of 600
 * concurrent `$inc`s survived on FerretDB 1.24 with SQLite). Inserts against a unique index
 * are atomic there, so the lease is a document with a fixed `_id`: whoever inserts it writes,
 * the others wait. On real MongoDB every update is atomic and the lease is not used.
 *
 * The holder renews `expiresAt` while it writes. A holder that dies leaves the lease until
 * `expiresAt`; the next writer then removes that exact lease (same holder and expiry) and
 * takes it. Fairness: a waiter writes its name into
 * the lease, and a holder that releases a lease someone waits for lets a short moment pass
 * before taking it again, so a busy collector cannot starve another one.
 */
import { randomBytes } from 'node:crypto';
import type { Collection } from 'mongodb';
import { PipelineError } from '../../errors.js';
import type { Keyed } from './documents.js';
import { DUPLICATE_KEY } from './mongoErrors.js';

const LEASE_ID = 'writes';
/** How long a holder that was waited for stays away after releasing. */
const YIELD_MS = 40;

export class WriteLease {
  private readonly holder = randomBytes(8).toString('hex');
  private yieldUntil = 0;

  /**
   * @param leaseMs how long a taken lease stays valid if its holder never releases it
   * @param waitMs how long `acquire` waits for another holder before giving up with a 503
   */
  constructor(private readonly locks: Collection<Keyed>, private readonly leaseMs: number, private readonly waitMs: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    await this.acquire();
    // A write can outlast the lease (FerretDB slows as its collections grow): renewed while the
    // work runs, the lease never looks expired to another collector, which would otherwise
    // take it and write at the same time.
    const renewal = setInterval(() => {
      void this.locks
        .updateOne({ _id: LEASE_ID, holder: this.holder }, { $set: { expiresAt: new Date(Date.now() + this.leaseMs) } })
        .catch(() => undefined);
    }, Math.max(10, this.leaseMs / 3));
    renewal.unref();
    try {
      return await work();
    } finally {
      clearInterval(renewal);
      const released = await this.locks.findOneAndDelete({ _id: LEASE_ID, holder: this.holder }).catch(() => null);
      const waiter = released?.['waiting'];
      if (typeof waiter === 'string' && waiter !== this.holder) this.yieldUntil = Date.now() + YIELD_MS;
    }
  }

  private async acquire(): Promise<void> {
    const deadline = Date.now() + this.waitMs;
    const yieldFor = this.yieldUntil - Date.now();
    if (yieldFor > 0) await sleep(yieldFor);
    for (let attempt = 0; ; attempt++) {
      try {
        await this.locks.insertOne({ _id: LEASE_ID, holder: this.holder, expiresAt: new Date(Date.now() + this.leaseMs) });
        return;
      } catch (error) {
        if ((error as { code?: unknown }).code !== DUPLICATE_KEY) throw error;
      }
      const current = await this.locks.findOne({ _id: LEASE_ID });
      if (current !== null && (current['expiresAt'] as Date).getTime() < Date.now()) {
        await this.locks.deleteOne({ _id: LEASE_ID, holder: current['holder'], expiresAt: current['expiresAt'] });
        continue;
      }
      if (Date.now() > deadline) {
        throw PipelineError.unavailable('the store is busy: another collector holds the write lease', 1);
      }
      if (current !== null && current['waiting'] !== this.holder) {
        await this.locks.updateOne({ _id: LEASE_ID, holder: current['holder'] }, { $set: { waiting: this.holder } });
      }
      await sleep(Math.min(20, 2 + attempt) * (0.5 + Math.random()));
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
