/**
 * The end of model-call attribution (README "AI agents and models"): a model call whose agent
 * span has not arrived within `timeoutMs` of the call itself is counted under UNATTRIBUTED:
 * counted, never lost. Calls whose agent does arrive are settled by the store write that
 * brings it (store/types.ts StoreWriter); this job only ends the wait of the others, and
 * keeps genai_pending bounded: past `maxPending` calls the oldest are counted at once.
 *
 * Settling goes through the normal idempotent write: the counted record has the call's own
 * (traceId, spanId), so if a write brought the agent meanwhile (or a previous pass wrote it
 * and stopped before removing the pending entry), this write is a duplicate and changes
 * nothing; only then is the pending entry removed, so a crash in between loses nothing.
 * A lifecycle Component with an injectable clock; passes never overlap.
 */
import type { Component } from '../lifecycle/Component.js';
import { log } from '../log.js';
import { attributedCall } from '../mapping/genai.js';
import { UNATTRIBUTED, type AttributionStore, type StoreWriter } from '../store/types.js';

export interface ModelCallResolverOptions {
  /** How long a pending call waits for its agent, ms (processors.spanpulse.attribution_timeout). */
  timeoutMs: number;
  /** How often pending calls are looked at, ms. */
  intervalMs: number;
  /** Most pending calls kept; beyond, the oldest are counted as unattributed at once. */
  maxPending: number;
  /** Default the wall clock. */
  now?: () => number;
}

/** Pending calls settled per store write. */
const PAGE = 1000;

export class ModelCallResolver implements Component {
  readonly name = 'processor/spanpulse/attribution';
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | null = null;

  constructor(
    private readonly store: AttributionStore & StoreWriter,
    private readonly options: ModelCallResolverOptions,
  ) {}

  async start(): Promise<void> {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.runOnce(), this.options.intervalMs);
    this.timer.unref();
  }

  /**
   * One pass: counts the calls past the timeout (and the oldest beyond maxPending) as
   * unattributed; returns how many. A pass already running is awaited instead.
   */
  runOnce(): Promise<number> {
    this.running ??= this.settleExpired()
      .catch((error: unknown) => {
        log.warn('model-call attribution: settling expired calls failed; will retry at the next interval', { error });
        return 0;
      })
      .finally(() => { this.running = null; });
    return this.running;
  }

  async shutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async settleExpired(): Promise<number> {
    const now = this.options.now?.() ?? Date.now();
    let over = Math.max(0, (await this.store.countPendingModelCalls()) - this.options.maxPending);
    let settled = 0;
    for (;;) {
      // Calls over the bound are the oldest, whatever their age; then those past the timeout.
      const limit = over > 0 ? Math.min(PAGE, over) : PAGE;
      const calls = await this.store.pendingModelCalls(over > 0 ? END_OF_TIME : new Date(now - this.options.timeoutMs), limit);
      if (calls.length > 0) {
        await this.store.write(calls.map((call) => attributedCall(call, UNATTRIBUTED)));
        await this.store.deletePendingModelCalls(calls);
        settled += calls.length;
      }
      if (over === 0 && calls.length < limit) return settled;
      over = calls.length < limit ? 0 : over - calls.length;
    }
  }
}

/** Later than any receivedAt (the largest valid Date). */
const END_OF_TIME = new Date(8.64e15);
