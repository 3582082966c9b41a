/**
 * The OTLP exporter's retry policy, with waits that never hold the process open and that end
 * as soon as the app starts to stop.
 *
 * When an export fails with a retryable error (collector down, 429, 503) the stock exporter
 * (0.223) waits 1-5 s between up to five retries on a plain, ref'd timer. An app that has
 * finished (its own SIGTERM handler closed its server) then stayed up about 7 s, up to
 * OTEL_EXPORTER_OTLP_TIMEOUT, only for those waits. Same policy here (five retries, backoff
 * from 1 s by x1.5 up to 5 s with ±20 % jitter, the server's Retry-After honoured, never past
 * the export deadline), but the wait timers are unref'd and `stopRetrying()` ends them: at
 * shutdown a collector that is down now gets one more attempt per batch, not a wait.
 */
import type { ExportResponse, IExporterTransport } from '@opentelemetry/otlp-exporter-base';

const MAX_RETRIES = 5;
const INITIAL_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 5000;
const BACKOFF_MULTIPLIER = 1.5;
const JITTER = 0.2;

export class ShutdownAwareRetryingTransport implements IExporterTransport {
  private stopping = false;
  private readonly waits = new Set<() => void>();

  constructor(private readonly inner: IExporterTransport) {}

  async send(data: Uint8Array, timeoutMillis: number): Promise<ExportResponse> {
    const deadline = Date.now() + timeoutMillis;
    let result = await this.inner.send(data, timeoutMillis);
    let backoff = INITIAL_BACKOFF_MS;
    for (let retries = 0; result.status === 'retryable' && retries < MAX_RETRIES && !this.stopping; retries++) {
      const delay = result.retryInMillis ?? Math.min(backoff * (1 + (Math.random() * 2 - 1) * JITTER), MAX_BACKOFF_MS);
      backoff *= BACKOFF_MULTIPLIER;
      if (delay > deadline - Date.now()) break;
      if (!(await this.wait(delay))) break;
      // The wait may end at or past the deadline on a busy event loop; a timeout of 0 would
      // mean none to the HTTP transport, and a negative one makes it throw.
      const left = deadline - Date.now();
      if (left < 1) break;
      result = await this.inner.send(data, left);
    }
    return result;
  }

  /** From now on nothing is retried, and retries being waited for are given up. */
  stopRetrying(): void {
    this.stopping = true;
    for (const giveUp of [...this.waits]) giveUp();
  }

  shutdown(): void {
    this.stopRetrying();
    this.inner.shutdown();
  }

  /** Resolves true after `ms`, or false when retrying stops first. */
  private wait(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const finish = (waited: boolean): void => {
        clearTimeout(timer);
        this.waits.delete(giveUp);
        resolve(waited);
      };
      const giveUp = (): void => finish(false);
      const timer = setTimeout(() => finish(true), ms);
      timer.unref();
      this.waits.add(giveUp);
    });
  }
}
