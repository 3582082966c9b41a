/**
 * The main thread's handle on the SQLite writer thread (writerThreadMain.ts): starts it, sends it
 * calls and settles each call's promise with its answer.
 *
 * A thread that dies (a crash in the native module, out of memory) fails the calls in flight
 * as retryable; the next call starts a new thread, which folds what the old one left (every
 * acknowledged append is on disk), so a crash costs the clients one retry and loses nothing.
 */
import { Worker } from 'node:worker_threads';
import { PipelineError } from '../../errors.js';
import { log, logLevel } from '../../log.js';
import { WRITER_YOUNG_GENERATION_MB } from '../../heapTuning.js';
import { compiledModuleUrl } from '../../packageRoot.js';
import type { SqliteWriterOptions } from './SqliteWriter.js';
import { fromWire, type WriterCall, type WriterCalls, type WriterMessage, type WriterThreadData } from './writerProtocol.js';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class WriterThread {
  private worker: Worker | undefined;
  private starting: Promise<Worker> | undefined;
  private readonly pending = new Map<number, Pending>();
  /** Appends in flight (see appendsInFlight). */
  private inFlight = 0;
  private nextId = 1;
  private closed = false;
  /** Set once close() has asked the thread to close: its exit is then expected. */
  private closing = false;
  /** See WriterThreadData.foldClock; a new thread after a crash starts it again from 0. */
  private foldClock = new Float64Array(new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT));

  constructor(private readonly options: SqliteWriterOptions) {}

  /** Starts the thread; resolves once the file is open and its tail folded, rejects with why it could not open. */
  async start(): Promise<void> {
    await this.running();
  }

  call<C extends WriterCall>(call: C, ...args: WriterCalls[C]['args']): Promise<WriterCalls[C]['result']> {
    if (this.closed) return Promise.reject(PipelineError.unavailable('sqlite store is shut down'));
    // A thread that cannot be started again (the file went away) is a store failure like any other: retryable.
    const running = this.running().catch((error: unknown) => {
      throw error instanceof PipelineError ? error : PipelineError.unavailable(`sqlite store: ${(error as Error).message}`, 2, error);
    });
    const counted = call === 'append' ? 1 : 0;
    this.inFlight += counted;
    return running.then((worker) => new Promise<WriterCalls[C]['result']>((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ id, call, args });
    })).finally(() => { this.inFlight -= counted; });
  }

  /** Epoch ms: every append answered before it is folded into the figures (0: not known). */
  foldedThrough(): number {
    return this.foldClock[0]!;
  }

  /** Appends made and not answered yet (counted from the call, before the thread has it). */
  get appendsInFlight(): number {
    return this.inFlight;
  }

  /** Folds, closes the file and ends the thread. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    const worker = this.worker;
    if (worker !== undefined) {
      this.closing = true;
      await this.call('close').catch((error: unknown) => log.warn('sqlite store: closing the writer failed', { error }));
      this.closed = true;
      await worker.terminate();
    }
    this.closed = true;
  }

  private running(): Promise<Worker> {
    if (this.worker !== undefined) return Promise.resolve(this.worker);
    this.starting ??= this.spawn().finally(() => { this.starting = undefined; });
    return this.starting;
  }

  private spawn(): Promise<Worker> {
    this.foldClock = new Float64Array(new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT));
    const data: WriterThreadData = { options: this.options, logLevel: logLevel(), foldClock: this.foldClock.buffer as SharedArrayBuffer };
    const worker = new Worker(compiledModuleUrl(import.meta.url, './writerThreadMain.js'), {
      workerData: data,
      resourceLimits: { maxYoungGenerationSizeMb: WRITER_YOUNG_GENERATION_MB },
    });
    return new Promise<Worker>((resolve, reject) => {
      worker.on('message', (message: WriterMessage) => {
        if (message.type === 'ready') {
          this.worker = worker;
          resolve(worker);
        } else if (message.type === 'startFailed') {
          reject(new Error(message.message));
        } else {
          const pending = this.pending.get(message.id);
          this.pending.delete(message.id);
          if (message.type === 'result') pending?.resolve(message.value);
          else pending?.reject(fromWire(message.error));
        }
      });
      worker.on('error', (error) => log.error('sqlite store: the writer thread failed', { error }));
      worker.on('exit', (code) => {
        const wasRunning = this.worker === worker;
        if (wasRunning) this.worker = undefined;
        reject(new Error(`the sqlite writer thread exited (code ${code}) before it was ready`));
        for (const [id, pending] of this.pending) {
          this.pending.delete(id);
          pending.reject(PipelineError.unavailable('the sqlite writer thread stopped; retry', 1));
        }
        if (wasRunning && !this.closing) log.error('sqlite store: the writer thread stopped; the next write starts a new one', { code });
      });
    });
  }
}
