/**
 * Binding an HTTP server to a `host:port` endpoint as written in otel-config.yaml, and
 * turning the bound address back into a URL (port 0 picks a free port, so callers need it).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export function splitHostPort(endpoint: string): { host: string; port: number } {
  const colon = endpoint.lastIndexOf(':');
  const host = endpoint.slice(0, colon).replace(/^\[|\]$/g, '');
  return { host: host || '0.0.0.0', port: Number(endpoint.slice(colon + 1)) };
}

/**
 * Listens on `endpoint`; resolves with the bound address, rejects on EADDRINUSE and the like.
 * `backlog`: connections the kernel queues before they are accepted (node's default 511; the
 * kernel caps it at net.core.somaxconn).
 */
export async function listen(server: Server, endpoint: string, backlog?: number): Promise<AddressInfo> {
  const { host, port } = splitHostPort(endpoint);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, ...(backlog === undefined ? {} : { backlog }) }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}

/** http://host:port (or https) of a bound address; a wildcard address is reached through loopback. */
export function urlOf(address: AddressInfo, scheme: 'http' | 'https' = 'http'): string {
  const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}
