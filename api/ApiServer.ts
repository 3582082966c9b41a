/**
 * The status API and pages bound to their address: the `status_api` extension as a
 * lifecycle Component (collector/lifecycle/Component.ts). The app itself is built by
 * createApiApp, which does not listen.
 */
import { createServer, type RequestListener, type Server, type ServerOptions } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Component } from '../collector/lifecycle/Component.js';
import { listen } from '../collector/net/listen.js';
import { httpsServerOptions, readTlsMaterial, type TlsOptions } from '../collector/net/TlsOptions.js';
import { reloadHttpsServerTls } from '../collector/net/tlsReload.js';
import { createApiApp, type ApiOptions } from './createApiApp.js';

export class ApiServer implements Component {
  readonly name = 'extension/status_api';
  private server: Server | HttpsServer | undefined;
  private stopTlsReloads: () => void = () => {};
  private bound: AddressInfo | undefined;

  /** `tls`: https (and mTLS with a client CA); null for plain http. */
  constructor(private readonly endpoint: string, private readonly options: ApiOptions, private readonly tls: TlsOptions | null = null) {}

  get scheme(): 'http' | 'https' {
    return this.tls === null ? 'http' : 'https';
  }

  /** The bound address, once started. */
  get address(): AddressInfo | undefined {
    return this.bound;
  }

  async start(): Promise<void> {
    if (this.server !== undefined) return;
    const app = createApiApp(this.options);
    // As the OTLP receiver's defaults: a client trickling its request is cut off (408). Idle
    // connections stay well past the pages' 5 s poll: with Node's default of 5 s, a poll could
    // be sent on a connection the server was closing at that moment (ECONNRESET in the page).
    const timeouts = { headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1000, keepAliveTimeout: 65_000 };
    const server = this.tls === null ? createServer(timeouts, app) : this.httpsServer(this.tls, timeouts, app);
    this.server = server;
    this.bound = await listen(server, this.endpoint);
  }

  private httpsServer(tls: TlsOptions, timeouts: ServerOptions, app: RequestListener): HttpsServer {
    const server = createHttpsServer({ ...httpsServerOptions(readTlsMaterial(tls)), ...timeouts }, app);
    this.stopTlsReloads = reloadHttpsServerTls(this.name, tls, server);
    return server;
  }

  /** Closes the listener and every connection (pages poll; nothing here needs flushing). */
  async shutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    this.stopTlsReloads();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}
