/**
 * The `memory_limiter` processor, as in the OpenTelemetry Collector: every `check_interval` it
 * reads the process's memory use, and while that is above the soft limit (limit - spike_limit)
 * the OTLP receivers refuse new requests with a retryable 429 / UNAVAILABLE, before reading
 * their bodies (collector/receiver/otlp/IngestLimits.ts); once it is back under, they accept
 * again. The spike limit is the headroom for what arrives between two checks, so that memory
 * stays under `limit` itself.
 *
 * The measure is the RSS (what the kernel and a container limit count), not the V8 heap: the
 * request bodies, zlib and SQLite live outside the heap.
 *
 * A reading above the soft limit first forces a full garbage collection and reads again (the
 * OpenTelemetry Collector's limiter forces a GC there too): under a flood of requests much of
 * the RSS is garbage that V8, far from its own heap limit, would collect only much later, and
 * refusing cannot free it (refusals make garbage too). Without this the limiter refused every
 * request for as long as a flood lasted while RSS kept growing past the limit.
 *
 * Lifecycle: a Component whose `start()` takes the first reading, so a collector that starts
 * over its limit refuses from its first request; `shutdown()` stops the timer (idempotent).
 */
import type { Component } from '../../lifecycle/Component.js';
import { log } from '../../log.js';
import type { Telemetry } from '../../telemetry/Telemetry.js';
import { fullGarbageCollection } from './fullGarbageCollection.js';

export interface MemoryLimiterOptions {
  /** Memory, in bytes, the process is to stay under; default (config) 512 MiB. */
  limitBytes: number;
  /** Headroom below `limitBytes`; requests are refused above limit - spike. Default 20 % of the limit. */
  spikeLimitBytes?: number;
  /** How often memory is read; default (config) 1 s. */
  checkIntervalMs: number;
  /** Reads the memory in use, in bytes. Default: the process RSS. */
  readUsage?: () => number;
  /** Frees what it can before a reading above the soft limit counts. Default: a full V8 garbage collection. */
  collectGarbage?: () => void;
}

export class MemoryLimiter implements Component {
  readonly name = 'processor/memory_limiter';
  /** Refusing above this. */
  readonly softLimitBytes: number;
  private usage = 0;
  private over = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: MemoryLimiterOptions, telemetry: Telemetry) {
    this.softLimitBytes = options.limitBytes - (options.spikeLimitBytes ?? Math.floor(options.limitBytes / 5));
    telemetry.limits.gauge('memory_limiter_rss_bytes', () => this.usage);
    telemetry.limits.gauge('memory_limiter_soft_limit_bytes', () => this.softLimitBytes);
    telemetry.limits.gauge('memory_limiter_refusing', () => (this.over ? 1 : 0));
  }

  /** True while new requests are to be refused. */
  get refusing(): boolean {
    return this.over;
  }

  /** Why requests are refused, for their error message. */
  describe(): string {
    const mib = (bytes: number) => `${Math.round(bytes / 1024 ** 2)} MiB`;
    return `the collector uses ${mib(this.usage)} of memory, above the memory limiter's soft limit of ${mib(this.softLimitBytes)}`;
  }

  async start(): Promise<void> {
    if (this.timer !== undefined) return;
    this.check();
    this.timer = setInterval(() => this.check(), this.options.checkIntervalMs);
    this.timer.unref();
  }

  async shutdown(): Promise<void> {
    clearInterval(this.timer);
  }

  private check(): void {
    const read = this.options.readUsage ?? process.memoryUsage.rss;
    this.usage = read();
    if (this.usage > this.softLimitBytes) {
      (this.options.collectGarbage ?? fullGarbageCollection)();
      this.usage = read();
    }
    const over = this.usage > this.softLimitBytes;
    if (over === this.over) return;
    this.over = over;
    const figures = { usageBytes: this.usage, softLimitBytes: this.softLimitBytes, limitBytes: this.options.limitBytes };
    if (over) log.warn('memory limiter: memory use is above the soft limit, refusing OTLP requests', figures);
    else log.info('memory limiter: memory use is back under the soft limit, accepting OTLP requests', figures);
  }
}
