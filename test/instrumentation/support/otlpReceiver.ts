/**
 * A minimal OTLP/HTTP endpoint for exporter tests: decodes every protobuf request with the
 * collector's own decoder and keeps the spans of each request. Answers 200 unless the test
 * holds requests (to play a collector that is slow or never answers) or sets a status.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Span } from '../../../collector/pdata/Span.js';
import { decodeProtobufTraces } from '../../../collector/receiver/otlphttp/decodeProtobufTraces.js';

export interface OtlpReceiver {
  /** The traces URL, for OTEL_EXPORTER_OTLP_TRACES_ENDPOINT. */
  url: string;
  /** Decoded spans of every request, in arrival order. */
  requests: Span[][];
  /** While true, requests are received but not answered. */
  hold: boolean;
  /** Status of the next answers; default 200. */
  status: number;
  /** Answers every held request now. */
  release(): void;
  /** Resolves once `count` requests arrived (rejects after `timeoutMs`). */
  waitForRequests(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const held: ServerResponse[] = [];
  const receiver: OtlpReceiver = {
    url: '',
    requests: [],
    hold: false,
    status: 200,
    release() {
      for (const response of held.splice(0)) response.writeHead(receiver.status, { 'content-type': 'application/x-protobuf' }).end();
    },
    async waitForRequests(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (receiver.requests.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} export requests, got ${receiver.requests.length}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      receiver.requests.push(decodeProtobufTraces(Buffer.concat(chunks)));
      if (receiver.hold) held.push(response);
      else response.writeHead(receiver.status, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
  return receiver;
}
