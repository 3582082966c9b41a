/** A webhook receiver on 127.0.0.1 for tests of alert notifications and scheduled reports. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedHook {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on 127.0.0.1: records what it gets; `failNext` answers the next requests with an error status. */
export class HookReceiver {
  readonly received: ReceivedHook[] = [];
  /** Requests answered 2xx. */
  readonly accepted: ReceivedHook[] = [];
  private failures: number[] = [];
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const hook = { headers: req.headers, body: Buffer.concat(chunks).toString() };
        this.received.push(hook);
        const status = this.failures.shift() ?? 200;
        if (status < 300) this.accepted.push(hook);
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  failNext(...statuses: number[]): void {
    this.failures.push(...statuses);
  }

  /** The accepted bodies, parsed. */
  payloads(): Array<Record<string, unknown>> {
    return this.accepted.map((hook) => JSON.parse(hook.body) as Record<string, unknown>);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (this.server === undefined) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
