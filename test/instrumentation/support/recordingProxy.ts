/**
 * A pass-through HTTP proxy in front of the collector that keeps every export request it
 * forwards (headers and body), so tests can see what the instrumentation sent: which OTLP
 * encoding it chose, which headers, which resource.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedExport {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface RecordingProxy {
  url: string;
  /** The content type of every export request, in arrival order. */
  contentTypes: string[];
  exports: RecordedExport[];
  close(): Promise<void>;
}

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const contentTypes: string[] = [];
  const exports: RecordedExport[] = [];
  const server = createServer((incoming, outgoing) => {
    contentTypes.push(incoming.headers['content-type'] ?? '');
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => exports.push({ headers: incoming.headers, body: Buffer.concat(chunks) }));
    const forwarded = httpRequest(new URL(incoming.url ?? '/', target), { method: incoming.method, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    forwarded.on('error', () => outgoing.destroy());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    contentTypes,
    exports,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
