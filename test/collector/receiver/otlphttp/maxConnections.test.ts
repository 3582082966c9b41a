/**
 * receivers.otlp.protocols.http.max_connections: past it, a new connection is closed as it
 * arrives (counted in /metrics); once one closes, requests are served again.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { paddedRequest } from '../../../support/paddedSpans.js';
import { eventually, partialPost, sampleOf } from '../../../support/partialPost.js';
import { startTestSpanpulse, type TestSpanpulse } from '../../../support/spanpulse.js';

let sp: TestSpanpulse;
beforeAll(async () => {
  sp = await startTestSpanpulse({ http: { max_connections: 5 } });
});
afterAll(async () => {
  await sp?.stop();
});

it('closes connections past max_connections and serves again once one is free', async () => {
  const port = Number(new URL(sp.otlpUrl).port);
  const metric = (series: string) => sampleOf(sp.telemetry.toPrometheus(), series);
  const open = (): Promise<Socket> => new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', () => {});
  });
  const held = await Promise.all(Array.from({ length: 5 }, open));
  await eventually(() => metric('spanpulse_receiver_http_connections') === 5);
  expect(metric('spanpulse_receiver_http_connections_limit')).toBe(5);

  const extra = await open();
  await new Promise((resolve) => extra.once('close', resolve));
  expect(metric('spanpulse_receiver_refused_connections_total{transport="http"}')).toBe(1);

  // With node's http client: fetch (undici) keeps trying to connect instead of failing.
  const over = partialPost(sp.otlpUrl, 1000, 0);
  over.finish();
  expect(await over.answer).toMatchObject({ error: expect.stringMatching(/ECONNRESET|EPIPE/) });

  held.pop()!.destroy();
  await eventually(() => metric('spanpulse_receiver_http_connections') === 4);
  expect((await sp.post(paddedRequest('served', 1, 1000))).status).toBe(200);
  for (const socket of held) socket.destroy();
});
