/**
 * An OTLP/HTTP endpoint for tests that keeps every span it receives in memory: the real
 * collector receiver (createOtlpHttpHandler, with the real protobuf and JSON decoders) in
 * front of a consumer that only collects. Used where a test needs every decoded span rather
 * than the store's documents.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Span } from '../../../collector/pdata/Span.js';
import { createOtlpHttpHandler } from '../../../collector/receiver/otlphttp/OtlpHttpReceiver.js';
import { Telemetry } from '../../../collector/telemetry/Telemetry.js';

export interface TraceSink {
  /** Base URL for OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  spans: Span[];
  /** Content types of the export requests received, in order. */
  contentTypes: string[];
  close(): Promise<void>;
}

export async function startTraceSink(): Promise<TraceSink> {
  const spans: Span[] = [];
  const contentTypes: string[] = [];
  const handler = createOtlpHttpHandler(
    { maxRequestBodySize: 20 * 1024 * 1024, bearerToken: '' },
    {
      consumeTraces: async (received) => {
        spans.push(...received);
        return { rejectedSpans: 0, errorMessage: '' };
      },
    },
    new Telemetry(),
  );
  const server = createServer((request, response) => {
    contentTypes.push(request.headers['content-type'] ?? '');
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    contentTypes,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
