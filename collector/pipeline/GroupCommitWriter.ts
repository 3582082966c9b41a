/**
 * Group commit: records from OTLP requests that arrive together are written to the store as
 * one batch, and each request's promise settles only when its batch is durable. One store
 * write runs at a time; whatever arrives meanwhile waits and forms the next batch, so the
 * batch size grows with the load and the store sees few, large transactions.
 *
 * Memory and waiting are bounded: when more than `maxQueuedRecords` records wait, or more
 * than the store can write within `maxQueueDelayMs` at the speed it has shown lately, or the
 * oldest request not yet answered has waited `maxQueueDelayMs` already, `write` refuses at once
 * with a retryable 429 (the exporter retries after Retry-After; nothing is lost), so an
 * acknowledgement never comes later than the exporters' own timeout (10 s). The speed estimate
 * alone lagged when the store slowed down (a busy machine): acknowledgements took 5 s and more
 * with a 2 s bound; the age of the oldest request is what requests actually wait. `refusal()`
 * says the same before a request is read, so the receiver refuses it without decoding it
 * (bench/overload.ts: decoding requests only to refuse them kept the event loop seconds behind).
 *
 * Lifecycle (the `batch` processor's Component): `shutdown()` refuses new writes (503), waits
 * for everything queued to be written or the deadline, and is idempotent.
 */
import { performance } from 'node:perf_hooks';
import { PipelineError } from '../errors.js';
import type { RejectedRecord, SpanRecord, StoreWriter, WriteResult } from '../store/types.js';
import type { Component } from '../lifecycle/Component.js';
import type { Telemetry } from '../telemetry/Telemetry.js';

export interface GroupCommitOptions {
  /** Most records in one store write (a single request larger than this is still written whole). */
  sendBatchSize: number;
  /** Most records waiting; above it new writes are refused with 429. */
  maxQueuedRecords: number;
  /** Longest a record may be expected to wait (from the store's recent speed) or has waited (the oldest); above it 429. */
  maxQueueDelayMs: number;
  /** Milliseconds clock for the speed estimate and the waits. Default performance.now. */
  now?: () => number;
}

/** Weight of the newest write in the store-speed estimate. */
const SPEED_WEIGHT = 0.2;

interface Pending {
  /** When `write` took it (the `now` clock). */
  at: number;
  records: readonly SpanRecord[];
  resolve: (rejected: RejectedRecord[]) => void;
  reject: (error: unknown) => void;
}

export class GroupCommitWriter implements Component {
  readonly name = 'processor/batch';
  private readonly queue: Pending[] = [];
  /** The batch being written. */
  private writingBatch: readonly Pending[] = [];
  private queuedRecords = 0;
  private writing: Promise<void> | null = null;
  private closed = false;
  /** Records per millisecond the store wrote lately (moving average); undefined before the first write. */
  private speed: number | undefined;

  constructor(
    private readonly store: StoreWriter,
    private readonly options: GroupCommitOptions,
    private readonly telemetry: Telemetry,
  ) {
    telemetry.setQueueDepthProbe(() => this.queuedRecords);
  }

  /**
   * Resolves when `records` are durable in the store, with those of them the store refused for
   * good (they fail no other request of the batch); rejects with a retryable PipelineError.
   */
  write(records: readonly SpanRecord[]): Promise<RejectedRecord[]> {
    if (this.closed) return Promise.reject(PipelineError.unavailable('the collector is shutting down', 5));
    if (records.length === 0) return Promise.resolve([]);
    const refusal = this.refusal(records.length);
    if (refusal !== null) return Promise.reject(refusal);
    return new Promise<RejectedRecord[]>((resolve, reject) => {
      this.queue.push({ at: this.now(), records, resolve, reject });
      this.queuedRecords += records.length;
      this.writing ??= this.drain();
    });
  }

  /**
   * The retryable 429 a write of `more` records would get now, or null. With `more` 0 (a request
   * not yet read), whether the queue is past a bound already.
   */
  refusal(more = 0): PipelineError | null {
    if (this.queuedRecords === 0) return null;
    if (this.queuedRecords + more > this.options.maxQueuedRecords) {
      return PipelineError.overloaded(`${this.queuedRecords} spans are waiting to be stored (limit ${this.options.maxQueuedRecords}); retry shortly`);
    }
    const oldest = this.writingBatch[0] ?? this.queue[0];
    const waitedMs = oldest === undefined ? 0 : this.now() - oldest.at;
    if (waitedMs > this.options.maxQueueDelayMs) {
      return PipelineError.overloaded(
        `the oldest of ${this.queuedRecords} spans waiting to be stored has waited ${Math.round(waitedMs)} ms (limit ${this.options.maxQueueDelayMs} ms); retry shortly`,
      );
    }
    const expectedWaitMs = this.speed === undefined ? 0 : (this.queuedRecords + more) / this.speed;
    if (expectedWaitMs > this.options.maxQueueDelayMs) {
      return PipelineError.overloaded(
        `${this.queuedRecords} spans are waiting, about ${Math.round(expectedWaitMs)} ms of store writes (limit ${this.options.maxQueueDelayMs} ms); retry shortly`,
      );
    }
    return null;
  }

  async start(): Promise<void> {}

  /** Waits until the queue is empty (or `deadlineMs` passes); new writes are refused from now on. */
  async shutdown(deadlineMs = 10_000): Promise<void> {
    this.closed = true;
    if (!this.writing) return;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, deadlineMs);
      timer.unref();
    });
    await Promise.race([this.writing, deadline]);
    clearTimeout(timer);
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.takeBatch();
        this.writingBatch = batch;
        const records = batch.length === 1 ? batch[0]!.records : batch.flatMap((pending) => pending.records);
        const now = () => this.now();
        const started = now();
        try {
          const result: WriteResult = await this.store.write(records);
          const elapsedMs = now() - started;
          this.telemetry.storeWriteSucceeded(elapsedMs / 1000, result.stored, result.duplicates);
          const speed = records.length / Math.max(elapsedMs, 0.1);
          this.speed = this.speed === undefined ? speed : this.speed + SPEED_WEIGHT * (speed - this.speed);
          const refused = new Map(result.rejected.map((record) => [`${record.traceId}:${record.spanId}`, record]));
          for (const pending of batch) pending.resolve(refusedOf(pending.records, refused));
        } catch (error) {
          this.telemetry.storeWriteFailed((now() - started) / 1000);
          for (const pending of batch) pending.reject(error);
        } finally {
          for (const pending of batch) this.queuedRecords -= pending.records.length;
          this.writingBatch = [];
        }
      }
    } finally {
      this.writing = null;
    }
  }

  private now(): number {
    return this.options.now?.() ?? performance.now();
  }

  /** Takes waiting requests in arrival order up to sendBatchSize records (at least one request). */
  private takeBatch(): Pending[] {
    const batch: Pending[] = [this.queue.shift()!];
    let size = batch[0]!.records.length;
    while (this.queue.length > 0 && size + this.queue[0]!.records.length <= this.options.sendBatchSize) {
      const next = this.queue.shift()!;
      size += next.records.length;
      batch.push(next);
    }
    return batch;
  }
}

/** The refusals among `records` (a refused id repeated in another request is refused there too). */
function refusedOf(records: readonly SpanRecord[], refused: ReadonlyMap<string, RejectedRecord>): RejectedRecord[] {
  if (refused.size === 0) return [];
  const mine: RejectedRecord[] = [];
  for (const record of records) {
    const rejection = refused.get(`${record.traceId}:${record.spanId}`);
    if (rejection !== undefined) mine.push(rejection);
  }
  return mine;
}
