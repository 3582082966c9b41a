/**
 * The OTLP exporter spanpulse builds (the official exporter with ShutdownAwareRetryingTransport
 * swapped in) against a real HTTP server that answers 503 with Retry-After: it retries as the
 * stock exporter does, and stopRetrying() ends a retry wait at once.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createTraceExporter } from '../../instrumentation/createTraceExporter.js';
import { makeSpans, serverSpan } from '../support/otelSpans.js';

/** A collector stand-in that answers the first `unavailable` requests 503 with `Retry-After: retryAfter`, then 200. */
async function flakyCollector(unavailable: number, retryAfter: string): Promise<{ server: Server; url: string; requests: () => number }> {
  let requests = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      requests += 1;
      if (requests <= unavailable) response.writeHead(503, { 'Retry-After': retryAfter }).end();
      else response.writeHead(200, { 'Content-Type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, requests: () => requests };
}

describe('createTraceExporter against a collector answering 503', () => {
  const servers: Server[] = [];
  const endpoint = process.env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'];
  afterEach(async () => {
    if (endpoint === undefined) delete process.env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'];
    else process.env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] = endpoint;
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  const spans = makeSpans([serverSpan({ route: '/retry', status: 200, startMs: Date.now() - 1000, durationMs: 3 })]);
  const exportOnce = (exporter: ReturnType<typeof createTraceExporter>['exporter']) =>
    new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));

  it('retries after the server-given delay until the export succeeds', async () => {
    const collector = await flakyCollector(2, '1');
    servers.push(collector.server);
    process.env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] = collector.url;
    const { exporter } = createTraceExporter('http/protobuf');
    expect((await exportOnce(exporter)).code).toBe(ExportResultCode.SUCCESS);
    expect(collector.requests()).toBe(3);
  }, 10_000);

  it('gives up a retry wait as soon as retrying stops', async () => {
    const collector = await flakyCollector(Infinity, '8'); // within the 10 s export timeout, beyond the test's
    servers.push(collector.server);
    process.env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] = collector.url;
    const traceExporter = createTraceExporter('http/protobuf');
    const result = exportOnce(traceExporter.exporter);
    while (collector.requests() === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    traceExporter.stopRetrying();
    expect((await result).code).toBe(ExportResultCode.FAILED);
    expect(collector.requests()).toBe(1);
  }, 4_000);
});
