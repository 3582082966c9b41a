/**
 * The scheduled store maintenance of SPEC §3: every `intervalMs`, mark sessions without
 * activity for `sessionInactivityMs` inactive and delete documents past their retention
 * (archived first when `archive` is set).
 * Runs once at start, never overlaps itself, and its timer does not keep the process alive.
 */
import type { Component } from '../lifecycle/Component.js';
import { log } from '../log.js';
import type { ArchiveOptions, Retention, StoreMaintenance } from '../store/types.js';

export interface MaintenanceOptions {
  /** Default 5 minutes. */
  intervalMs: number;
  /** Default 30 minutes. */
  sessionInactivityMs: number;
  retention: Retention;
  /** Archive before delete (`extensions.retention.archive`); off when absent. */
  archive?: ArchiveOptions;
}

export class MaintenanceJob implements Component {
  readonly name = 'extension/retention';
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  /** Stops an archiving pass between batches when the job shuts down. */
  private stopping = new AbortController();

  constructor(
    private readonly store: StoreMaintenance,
    private readonly options: MaintenanceOptions,
  ) {}

  async start(): Promise<void> {
    if (this.timer) return;
    this.stopping = new AbortController();
    this.timer = setInterval(() => void this.runOnce(), this.options.intervalMs);
    this.timer.unref();
    void this.runOnce();
  }

  /** One maintenance pass; a pass already running is awaited instead of started twice. */
  runOnce(now = new Date()): Promise<void> {
    this.running ??= (async () => {
      try {
        const expired = await this.store.markInactiveSessions(now, this.options.sessionInactivityMs);
        const { archive } = this.options;
        await this.store.deleteExpired(now, this.options.retention, archive === undefined ? undefined : { ...archive, signal: this.stopping.signal });
        if (expired > 0) log.debug('sessions marked inactive', { count: expired });
      } catch (error) {
        log.warn('store maintenance failed; will retry at the next interval', { error });
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /** Stops the schedule and waits for a pass in flight (an archiving one stops after its batch). Idempotent. */
  async shutdown(): Promise<void> {
    this.stopping.abort();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
