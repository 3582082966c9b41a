/**
 * One webhook delivery with its retries, shared by alert notifications (alerts/WebhookSender.ts)
 * and scheduled reports (jobs/ScheduledReports.ts): a POST of the JSON body, signed when the
 * webhook has a secret (`X-Spanpulse-Signature: sha256=<hex HMAC-SHA256 of the body>`), with one
 * delivery id (`X-Spanpulse-Delivery`) for all its attempts so a receiver can drop repeats, and
 * `X-Spanpulse-Event` naming what it is (firing, resolved, report).
 *
 * A network error, a timeout, 408, 429 and 5xx are tried again after the backoff (longer when
 * the answer's Retry-After says so, at most a minute); any other answer but 2xx fails at once
 * (redirects are not followed).
 */
import { createHmac } from 'node:crypto';
import { version } from '../version.js';

export interface Webhook {
  url: string;
  /** Empty: unsigned. */
  secret: string;
}

/** What a delivery records as it goes (alert events store it). */
export interface DeliveryProgress {
  deliveryId: string;
  attempts: number;
  /** HTTP status of the last attempt, null when it got none. */
  lastStatus: number | null;
  /** Why the last attempt failed, null when it did not. */
  lastError: string | null;
  /** When the last attempt started. */
  at: Date;
}

export interface RetryPolicy {
  /** Waits before the 2nd, 3rd, ... attempt; its length + 1 is the most attempts. */
  backoffMs: readonly number[];
  /** One attempt's limit, ms. */
  timeoutMs: number;
  /** Aborts the attempt under way. */
  signal: AbortSignal;
  /** Waits between attempts (resolving early when the caller stops). */
  sleep(ms: number): Promise<void>;
  /** True once the caller stops: no further attempt. */
  stopped(): boolean;
  /** Called before each retry. */
  onRetry?(): void;
}

/** 1 s, 2 s, 4 s, 8 s: five attempts at most. */
export const DEFAULT_BACKOFF_MS: readonly number[] = [1000, 2000, 4000, 8000];
export const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_RETRY_AFTER_MS = 60_000;

export function signatureOf(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Attempts until sent or given up; records each attempt in `progress`. */
export async function postWebhook(webhook: Webhook, body: string, event: string, progress: DeliveryProgress, policy: RetryPolicy): Promise<'sent' | 'failed'> {
  const headers: Record<string, string> = {
    'content-type': 'application/json', 'user-agent': `spanpulse/${version}`, 'x-spanpulse-delivery': progress.deliveryId, 'x-spanpulse-event': event,
  };
  if (webhook.secret !== '') headers['x-spanpulse-signature'] = signatureOf(body, webhook.secret);
  const { backoffMs, timeoutMs } = policy;
  for (let attempt = 0; ; attempt++) {
    let retryAfterMs = 0;
    progress.attempts = attempt + 1;
    progress.at = new Date();
    try {
      const response = await fetch(webhook.url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), policy.signal]) });
      await response.arrayBuffer().catch(() => undefined);
      progress.lastStatus = response.status;
      if (response.status >= 200 && response.status < 300) {
        progress.lastError = null;
        return 'sent';
      }
      progress.lastError = `answered ${response.status}`;
      const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
      if (!retryable) break;
      retryAfterMs = Math.min(MAX_RETRY_AFTER_MS, 1000 * Number(response.headers.get('retry-after') ?? 0)) || 0;
    } catch (error) {
      progress.lastStatus = null;
      progress.lastError = error instanceof Error ? `${error.name}: ${(error as { cause?: { message?: string } }).cause?.message ?? error.message}` : String(error);
    }
    if (attempt >= backoffMs.length || policy.stopped()) break;
    policy.onRetry?.();
    await policy.sleep(Math.max(backoffMs[attempt]!, retryAfterMs));
    if (policy.stopped()) break;
  }
  return 'failed';
}

/** A URL for logs: its query (often a token) left out. */
export function loggedUrl(url: string): string {
  return url.replace(/\?.*$/, '?…');
}
