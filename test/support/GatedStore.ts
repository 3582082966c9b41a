/**
 * A real store behind a gate: each write waits until `open()` is called, so a test can let
 * requests queue up in a GroupCommitWriter and see which of them reach the store together.
 * It only delays: the store receives every batch as it was given.
 */
import type { SpanRecord, StoreWriter, WriteResult } from '../../collector/store/types.js';

export class GatedStore implements StoreWriter {
  /** The batches written, in order. */
  readonly batches: Array<readonly SpanRecord[]> = [];
  private release: (() => void) | null = null;
  private gate = new Promise<void>((resolve) => (this.release = resolve));

  constructor(private readonly store: StoreWriter) {}

  get batchSizes(): number[] {
    return this.batches.map((batch) => batch.length);
  }

  async write(batch: readonly SpanRecord[]): Promise<WriteResult> {
    this.batches.push(batch);
    await this.gate;
    return this.store.write(batch);
  }

  /** Lets the waiting write and every later one through. */
  open(): void {
    this.release?.();
    this.gate = Promise.resolve();
  }

  /** Holds the next writes again until the next `open()`. */
  close(): void {
    this.gate = new Promise<void>((resolve) => (this.release = resolve));
  }
}
