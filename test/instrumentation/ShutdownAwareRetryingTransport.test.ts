/**
 * The retry policy of ShutdownAwareRetryingTransport, against a scripted inner transport (the
 * HTTP transport it wraps in the app is exercised end to end in collectorFaults.test.ts).
 */
import type { ExportResponse, IExporterTransport } from '@opentelemetry/otlp-exporter-base';
import { describe, expect, it } from 'vitest';
import { ShutdownAwareRetryingTransport } from '../../instrumentation/ShutdownAwareRetryingTransport.js';

/** Answers each send with the next scripted response (the last one repeats) and counts sends. */
class ScriptedTransport implements IExporterTransport {
  sends = 0;
  readonly timeouts: number[] = [];
  constructor(private readonly script: ExportResponse[]) {}
  async send(_data: Uint8Array, timeoutMillis: number): Promise<ExportResponse> {
    this.timeouts.push(timeoutMillis);
    return this.script[Math.min(this.sends++, this.script.length - 1)]!;
  }
  shutdown(): void {}
}

const retryable = (retryInMillis?: number): ExportResponse => ({ status: 'retryable', retryInMillis, error: new Error('503') });
const body = new Uint8Array([1]);

describe('ShutdownAwareRetryingTransport', () => {
  it('retries a retryable answer after the server-given delay and returns the success', async () => {
    const inner = new ScriptedTransport([retryable(5), retryable(5), { status: 'success' }]);
    expect(await new ShutdownAwareRetryingTransport(inner).send(body, 10_000)).toEqual({ status: 'success' });
    expect(inner.sends).toBe(3);
  });

  it('backs off about a second before the first retry when the server names no delay, within the deadline', async () => {
    const inner = new ScriptedTransport([retryable(), { status: 'success' }]);
    const started = Date.now();
    expect(await new ShutdownAwareRetryingTransport(inner).send(body, 10_000)).toEqual({ status: 'success' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(790); // 1 s minus 20 % jitter, minus timer rounding
    expect(inner.timeouts[0]).toBe(10_000);
    expect(inner.timeouts[1]).toBeLessThanOrEqual(10_000 - 790);
  });

  it('gives up instead of sending with no time left when the wait overran the deadline', async () => {
    const inner = new ScriptedTransport([retryable(20), { status: 'success' }]);
    const pending = new ShutdownAwareRetryingTransport(inner).send(body, 40);
    // A busy event loop during the 20 ms wait: the retry timer fires past the 40 ms deadline.
    setTimeout(() => {
      const busyUntil = Date.now() + 60;
      while (Date.now() < busyUntil);
    }, 5);
    expect((await pending).status).toBe('retryable');
    expect(inner.timeouts).toEqual([40]);
  });

  it('does not retry a permanent failure', async () => {
    const failure: ExportResponse = { status: 'failure', error: new Error('400') };
    const inner = new ScriptedTransport([failure]);
    expect(await new ShutdownAwareRetryingTransport(inner).send(body, 10_000)).toBe(failure);
    expect(inner.sends).toBe(1);
  });

  it('gives up after five retries', async () => {
    const inner = new ScriptedTransport([retryable(1)]);
    expect((await new ShutdownAwareRetryingTransport(inner).send(body, 10_000)).status).toBe('retryable');
    expect(inner.sends).toBe(6);
  });

  it('never waits past the export deadline', async () => {
    const inner = new ScriptedTransport([retryable(60_000)]);
    expect((await new ShutdownAwareRetryingTransport(inner).send(body, 1_000)).status).toBe('retryable');
    expect(inner.sends).toBe(1);
  });

  it('ends a retry wait when retrying stops, and retries nothing afterwards', async () => {
    const inner = new ScriptedTransport([retryable(600_000)]);
    const transport = new ShutdownAwareRetryingTransport(inner);
    const pending = transport.send(body, 3_600_000);
    await new Promise((resolve) => setImmediate(resolve));
    transport.stopRetrying();
    expect((await pending).status).toBe('retryable');
    expect(inner.sends).toBe(1);
    expect((await transport.send(body, 3_600_000)).status).toBe('retryable');
    expect(inner.sends).toBe(2);
  });
});
