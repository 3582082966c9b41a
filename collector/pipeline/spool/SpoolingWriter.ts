/**
 * Keeps acknowledging while the store cannot take writes (SPEC §2): a StoreWriter in front of
 * the store that, when a write fails for a retryable reason, appends the batch to the durable
 * spool (Spool.ts) and resolves once it is on disk, then drains the spool into the store in
 * order once the store answers again, through the same idempotent write, so a batch spooled
 * twice (or also retried by an exporter) counts once.
 *
 * While the store is failing, new batches go straight to the spool (no waiting for another
 * failure); the drain tries the oldest batch again after a growing pause (0.5 s to 5 s) and
 * its first success reopens the way to the store. While the spool drains, live batches are
 * written to the store directly, taking turns with the drain's, so draining never starves
 * live traffic. Only a full spool (or a failing disk) makes a write fail with 503.
 *
 * Records the store refuses for good during the drain cannot be answered to their exporter
 * any more: they are counted (spansRejected) and logged. A lifecycle Component: start()
 * opens the spool and drains what a previous run left; shutdown() stops draining.
 */
import { isRetryable } from '../../errors.js';
import type { Component } from '../../lifecycle/Component.js';
import { log } from '../../log.js';
import type { SpanRecord, StoreWriter, WriteResult } from '../../store/types.js';
import type { Telemetry } from '../../telemetry/Telemetry.js';
import type { Spool, SpoolDepth } from './Spool.js';

const MIN_PAUSE_MS = 500;
const MAX_PAUSE_MS = 5000;

export interface SpoolState extends SpoolDepth {
  /** The store failed its last write; new batches go to the spool until a drained batch succeeds. */
  storeFailing: boolean;
  draining: boolean;
}

export class SpoolingWriter implements StoreWriter, Component {
  readonly name = 'processor/batch/spool';
  private storeFailing = false;
  private draining: Promise<void> | undefined;
  private stopped = false;
  private pause: { timer: NodeJS.Timeout; wake: () => void } | undefined;

  constructor(private readonly store: StoreWriter, private readonly spool: Spool, private readonly telemetry: Telemetry) {
    telemetry.setSpoolProbe(() => this.state());
  }

  async start(): Promise<void> {
    await this.spool.open();
    this.drainInBackground();
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.draining;
    await this.spool.close();
  }

  state(): SpoolState {
    return { ...this.spool.depth(), storeFailing: this.storeFailing, draining: this.draining !== undefined };
  }

  async write(records: readonly SpanRecord[]): Promise<WriteResult> {
    if (!this.storeFailing) {
      try {
        return await this.store.write(records);
      } catch (error) {
        if (!isRetryable(error)) throw error;
        this.failing(error);
      }
    }
    await this.spool.append(records);
    this.telemetry.spansSpooled(records.length);
    this.drainInBackground();
    return { stored: 0, duplicates: 0, rejected: [] };
  }

  private failing(error: unknown): void {
    if (!this.storeFailing) log.warn('store write failed; batches go to the spool until the store answers again', { error });
    this.storeFailing = true;
  }

  private drainInBackground(): void {
    if (this.draining !== undefined || this.stopped || this.spool.depth().batches === 0) return;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      // A batch spooled while the last loop was ending.
      if (this.spool.depth().batches > 0) this.drainInBackground();
    });
  }

  private async drain(): Promise<void> {
    let pauseMs = MIN_PAUSE_MS;
    while (!this.stopped) {
      const batch = await this.spool.oldest().catch((error: unknown) => {
        log.error('spool: cannot read the oldest batch; draining stops until the next start', { error });
        return undefined;
      });
      if (batch === undefined) return;
      try {
        const result = await this.store.write(batch.records);
        await this.spool.release(batch);
        this.telemetry.spoolDrained(batch.records.length, result);
        if (result.rejected.length > 0) {
          log.warn('spool: the store refused spooled records for good', { count: result.rejected.length, first: result.rejected[0]?.reason });
        }
        if (this.storeFailing) log.info('the store answers again; draining the spool', { ...this.spool.depth() });
        this.storeFailing = false;
        pauseMs = MIN_PAUSE_MS;
        // Live batches take their turn at the store between drained ones.
        await new Promise((resolve) => setImmediate(resolve));
      } catch (error) {
        this.failing(error);
        await this.sleep(pauseMs);
        pauseMs = Math.min(MAX_PAUSE_MS, pauseMs * 2);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.pause = undefined; resolve(); }, ms);
      timer.unref();
      this.pause = { timer, wake: () => { clearTimeout(timer); this.pause = undefined; resolve(); } };
    });
  }

  private wake(): void {
    this.pause?.wake();
  }
}
