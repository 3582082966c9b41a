/**
 * Slow clients: 300 connections trickling a byte a second (half still in their headers, half
 * in their bodies) do not stop a normal client from being served, and each is cut off by
 * read_header_timeout or read_timeout (408, connection closed), counted by kind in /metrics.
 * Timeouts are shortened (2 s / 4 s) so the test is short; what it shows is who gets served
 * and who gets cut off, not how fast.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { paddedRequest } from '../../../support/paddedSpans.js';
import { eventually, sampleOf } from '../../../support/partialPost.js';
import { startTestSpanpulse, type TestSpanpulse } from '../../../support/spanpulse.js';

const TRICKLERS = 300;

let sp: TestSpanpulse;
beforeAll(async () => {
  sp = await startTestSpanpulse({ http: { read_header_timeout: '2s', read_timeout: '4s' } });
});
afterAll(async () => {
  await sp?.stop();
});

interface Trickler {
  socket: Socket;
  /** What it still has to send, a byte at a time. */
  rest: Buffer;
  answer: string;
  closed: boolean;
}

function trickler(port: number, upfront: Buffer, rest: Buffer): Trickler {
  const socket = connect(port, '127.0.0.1');
  const t: Trickler = { socket, rest, answer: '', closed: false };
  socket.write(upfront);
  socket.on('data', (chunk: Buffer) => (t.answer += chunk.toString()));
  socket.on('error', () => {});
  socket.on('close', () => (t.closed = true));
  return t;
}

it('a normal client is served while 300 connections trickle, and the tricklers are cut off by the read timeouts', async () => {
  const port = Number(new URL(sp.otlpUrl).port);
  const body = paddedRequest('trickled', 1, 2000);
  const head = `POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Length: ${body.length}\r\n\r\n`;
  const inHeaders = Array.from({ length: TRICKLERS / 2 }, () => trickler(port, Buffer.alloc(0), Buffer.from(head)));
  const inBody = Array.from({ length: TRICKLERS / 2 }, () => trickler(port, Buffer.from(head), body));
  const everyone = [...inHeaders, ...inBody];
  const drip = setInterval(() => {
    for (const t of everyone) {
      if (t.closed || t.rest.length === 0) continue;
      t.socket.write(t.rest.subarray(0, 1));
      t.rest = t.rest.subarray(1);
    }
  }, 1000);
  try {
    await eventually(() => sampleOf(sp.telemetry.toPrometheus(), 'spanpulse_receiver_http_connections')! >= TRICKLERS);

    // The normal client, one request after the other, while the tricklers hold their connections.
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      statuses.push((await sp.post(paddedRequest('prompt', 5, 5000, Date.now() - 60_000 + i * 10))).status);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(statuses).toEqual(Array(10).fill(200));

    await eventually(() => everyone.every((t) => t.closed), 30_000);
  } finally {
    clearInterval(drip);
    for (const t of everyone) t.socket.destroy();
  }
  // Cut off before they had sent all, with a 408.
  for (const t of everyone) {
    expect(t.rest.length).toBeGreaterThan(0);
    expect(t.answer).toBe('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
  }
  const prometheus = sp.telemetry.toPrometheus();
  expect(sampleOf(prometheus, 'spanpulse_receiver_refused_requests_total{reason="read_header_timeout",transport="http"}')).toBe(TRICKLERS / 2);
  expect(sampleOf(prometheus, 'spanpulse_receiver_refused_requests_total{reason="read_timeout",transport="http"}')).toBe(TRICKLERS / 2);
  expect((await sp.store.listServices()).map((s) => s.serviceName)).toEqual(['prompt']);
});
