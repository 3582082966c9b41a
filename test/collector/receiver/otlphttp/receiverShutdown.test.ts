/**
 * Shutdown with a keep-alive client mid-request: the request in flight is answered and stored,
 * and its connection is closed after that answer instead of staying open (and taking new
 * requests) until the receiver's 10 s deadline cuts it. The test timeout is below that
 * deadline, so only a prompt close can pass.
 */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { makeSpans, otlpProtobuf, serverSpan } from '../../../support/otelSpans.js';
import { startTestSpanpulse } from '../../../support/spanpulse.js';

describe('OTLP receiver shutdown', () => {
  it('answers the request in flight, stores it, and closes its keep-alive connection right after', async () => {
    const sp = await startTestSpanpulse();
    const body = otlpProtobuf(makeSpans([serverSpan({ service: 'shutdown-test', route: '/in-flight', status: 200, startMs: Date.now() - 1000, durationMs: 5 })]));
    const url = new URL(sp.otlpUrl);
    const socket = connect(Number(url.port), url.hostname);
    await new Promise((resolve) => socket.once('connect', resolve));
    let received = '';
    socket.setEncoding('latin1').on('data', (chunk: string) => (received += chunk));
    const ended = new Promise((resolve) => socket.once('close', resolve));

    socket.write(
      `POST /v1/traces HTTP/1.1\r\nHost: ${url.host}\r\nConnection: keep-alive\r\n` +
        `Content-Type: application/x-protobuf\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    socket.write(body.subarray(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopped = sp.shutdown();
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.write(body.subarray(10));

    await ended;
    expect(received).toMatch(/^HTTP\/1\.1 200 /);
    expect(received.toLowerCase()).toContain('connection: close');
    await stopped;
    expect(sp.telemetry.snapshot().spansAccepted).toBe(1);
    await sp.stop();
  }, 5_000);
});
