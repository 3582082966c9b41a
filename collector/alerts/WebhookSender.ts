/**
 * Delivers notifications to the configured webhooks in the background: the evaluator hands
 * over an event and goes on, so a slow or dead receiver never holds up evaluation, ingest or
 * the API. Each webhook gets a POST of the JSON body (signing, delivery id and retries:
 * webhooks/postWebhook.ts). Each outcome is written into the event's deliveries. At most
 * `maxQueued` notifications wait; past that one fails as "queue full".
 * Shutdown stops the retries (outcome failed) and gives attempts in flight 2 s before it aborts them.
 */
import { randomUUID } from 'node:crypto';
import { log } from '../log.js';
import type { AlertDelivery, AlertEventKey, AlertStore } from '../store/alertTypes.js';
import type { AlertCounters } from '../telemetry/AlertCounters.js';
import { DEFAULT_BACKOFF_MS, DEFAULT_TIMEOUT_MS, loggedUrl, postWebhook, type Webhook } from '../webhooks/postWebhook.js';
import type { WebhookPayload } from './notification.js';

export { signatureOf, type Webhook } from '../webhooks/postWebhook.js';

export interface WebhookOptions {
  /** Waits before the 2nd, 3rd, ... attempt; its length + 1 is the most attempts. Default 1 s, 2 s, 4 s, 8 s. */
  backoffMs?: readonly number[];
  /** One attempt's limit, ms. Default 10 000. */
  timeoutMs?: number;
  /** Deliveries under way at once. Default 4. */
  concurrency?: number;
  /** Notifications waiting beyond those. Default 1000. */
  maxQueued?: number;
}

const SHUTDOWN_GRACE_MS = 2000;

export class WebhookSender {
  private readonly options: Required<WebhookOptions>;
  private readonly queue: Array<() => Promise<void>> = [];
  private running = 0;
  private stopped = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly wakers = new Set<() => void>();
  private readonly aborted = new AbortController();

  constructor(
    readonly webhooks: readonly Webhook[],
    private readonly store: Pick<AlertStore, 'setAlertDeliveries'>,
    private readonly counters: AlertCounters,
    options: WebhookOptions = {},
  ) {
    this.options = { backoffMs: DEFAULT_BACKOFF_MS, timeoutMs: DEFAULT_TIMEOUT_MS, concurrency: 4, maxQueued: 1000, ...options };
  }

  /** The deliveries an event starts with: one per webhook, pending, or silenced (never sent). */
  plan(silenced: boolean, now: Date): AlertDelivery[] {
    return this.webhooks.map((webhook): AlertDelivery => ({
      url: webhook.url, deliveryId: randomUUID(), outcome: silenced ? 'silenced' : 'pending', attempts: 0, lastStatus: null, lastError: null, at: now,
    }));
  }

  /** Starts delivering `payload` for the event `key` (whose stored deliveries are `deliveries`); returns at once. */
  send(key: AlertEventKey, payload: WebhookPayload, deliveries: readonly AlertDelivery[]): void {
    const state = deliveries.map((d) => ({ ...d }));
    const eventKey: AlertEventKey = { rule: key.rule, groupKey: key.groupKey, seq: key.seq };
    for (const d of state) if (d.outcome === 'silenced') this.counters.delivered('silenced');
    if (!state.some((d) => d.outcome === 'pending')) return;
    const body = JSON.stringify(payload);
    // Writes of one event's outcomes in order, each the whole list as it stands.
    let saved: Promise<void> = Promise.resolve();
    const save = () => {
      saved = saved.then(() => this.store.setAlertDeliveries(eventKey, state.map((d) => ({ ...d }))))
        .catch((error: unknown) => log.warn('alerts: storing a webhook outcome failed', { rule: key.rule, error }));
      return saved;
    };
    const job = async () => {
      await Promise.all(state.map(async (delivery, i) => {
        if (delivery.outcome !== 'pending') return;
        this.counters.delivered(await this.deliver(this.webhooks[i]!, body, delivery, payload.status));
        await save();
      }));
    };
    const refusal = this.stopped ? 'the collector was stopping'
      : this.queue.length >= this.options.maxQueued ? `more than ${this.options.maxQueued} notifications were waiting` : null;
    if (refusal !== null) {
      for (const delivery of state) {
        if (delivery.outcome !== 'pending') continue;
        delivery.outcome = 'failed';
        delivery.lastError = refusal;
        this.counters.delivered('failed');
      }
      void save();
      return;
    }
    this.queue.push(job);
    this.pump();
  }

  /** Resolves once nothing is queued or under way (tests; shutdown). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0 || this.queue.length > 0) await Promise.all([...this.inFlight]);
  }

  /** Stops retrying (what is left fails); attempts under way get SHUTDOWN_GRACE_MS, then are aborted. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    for (const wake of this.wakers) wake();
    const grace = setTimeout(() => this.aborted.abort(new Error('the collector stopped')), SHUTDOWN_GRACE_MS);
    grace.unref();
    await this.idle();
    clearTimeout(grace);
  }

  private pump(): void {
    while (this.running < this.options.concurrency && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.running += 1;
      const done = job().catch((error: unknown) => log.error('alerts: a webhook delivery failed unexpectedly', { error })).finally(() => {
        this.running -= 1;
        this.inFlight.delete(done);
        this.pump();
      });
      this.inFlight.add(done);
    }
  }

  /** Attempts until sent or given up (webhooks/postWebhook.ts); records each attempt in `delivery`. */
  private async deliver(webhook: Webhook, body: string, delivery: AlertDelivery, status: string): Promise<'sent' | 'failed'> {
    const { backoffMs, timeoutMs } = this.options;
    const outcome = await postWebhook(webhook, body, status, delivery, {
      backoffMs, timeoutMs, signal: this.aborted.signal, sleep: (ms) => this.sleep(ms), stopped: () => this.stopped, onRetry: () => this.counters.retried(),
    });
    delivery.outcome = outcome;
    if (outcome === 'failed') log.warn('alerts: webhook delivery failed', { url: loggedUrl(webhook.url), attempts: delivery.attempts, error: delivery.lastError });
    return outcome;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      timer.unref();
      this.wakers.add(wake);
    });
  }
}
