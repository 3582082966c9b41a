/**
 * The host app must not notice a broken collector: with the collector down (connection
 * refused) or hanging (accepts, never answers) every request is still served, and a signal
 * still stops the process the way it would without spanpulse.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ESM_EXPRESS5_APP, startHostApp, type Exit } from './support/hostApp.js';

const REQUESTS = 40;

async function serveRequests(baseUrl: string): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const response = await fetch(`${baseUrl}/api/agents/a${i % 3}/chat`);
    await response.arrayBuffer();
    statuses.push(response.status);
  }
  return statuses;
}

/** A port nothing listens on: bound once, then released. */
async function refusedEndpoint(): Promise<string> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/**
 * Starts the ES module fixture app under spanpulse with `env`, sends it REQUESTS requests, then
 * `signal`; the process is killed afterwards whatever happened.
 */
async function serveThenStop(env: Record<string, string>, signal: NodeJS.Signals): Promise<{ statuses: number[]; exit: Exit; stderr: string }> {
  const app = await startHostApp({ entry: ESM_EXPRESS5_APP, env });
  try {
    const statuses = await serveRequests(app.baseUrl);
    const exit = await app.stop(signal);
    return { statuses, exit, stderr: app.stderr() };
  } finally {
    app.child.kill('SIGKILL');
  }
}

describe('collector refusing connections', () => {
  it('serves every request, reports the export problem once, and exits on SIGTERM by the signal', async () => {
    // Export often and give up quickly, so failures happen while requests are served.
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: await refusedEndpoint(), OTEL_BSP_SCHEDULE_DELAY: '20', OTEL_EXPORTER_OTLP_TIMEOUT: '500' };
    const { statuses, exit, stderr } = await serveThenStop(env, 'SIGTERM');
    expect(statuses).toEqual(Array(REQUESTS).fill(200));
    expect(exit).toEqual({ code: null, signal: 'SIGTERM' });
    expect(stderr.match(/spanpulse: cannot export spans to http:\/\/127\.0\.0\.1:\d+\/v1\/traces/g)).toHaveLength(1);
  });

  // The exporter would wait 1 + 1.5 + 2.25 + 3.4 + 5 s between its retries; an app that has
  // closed its server must not stay up for them (the test timeout is the guard; the flush
  // deadline is set beyond it, so only not retrying can pass).
  it('lets an app with its own SIGTERM handler exit by itself without waiting for export retries', async () => {
    const { statuses, exit } = await serveThenStop({
      OTEL_EXPORTER_OTLP_ENDPOINT: await refusedEndpoint(),
      OTEL_BSP_SCHEDULE_DELAY: '20',
      OTEL_EXPORTER_OTLP_TIMEOUT: '600000',
      SPANPULSE_SHUTDOWN_TIMEOUT_MS: '20000',
      FIXTURE_OWN_SIGTERM: '1',
    }, 'SIGTERM');
    expect(statuses).toEqual(Array(REQUESTS).fill(200));
    expect(exit).toEqual({ code: 7, signal: null });
  }, 5_000);
});

describe('collector that accepts connections and never answers', () => {
  let silent: Server;
  const sockets: Socket[] = [];
  let endpoint: string;

  beforeAll(async () => {
    silent = createTcpServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  // Export timeouts far beyond the test timeout: if a stuck export could hold the process,
  // these tests would time out instead of passing.
  const HANG_GUARD_MS = 30_000;
  const env = (): Record<string, string> => ({
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_BSP_SCHEDULE_DELAY: '20',
    OTEL_EXPORTER_OTLP_TIMEOUT: '600000',
    OTEL_BSP_EXPORT_TIMEOUT: '600000',
  });

  it('serves every request and exits on SIGINT by the signal', async () => {
    const { statuses, exit } = await serveThenStop(env(), 'SIGINT');
    expect(statuses).toEqual(Array(REQUESTS).fill(200));
    expect(exit).toEqual({ code: null, signal: 'SIGINT' });
  }, HANG_GUARD_MS);

  it('lets an app with its own SIGTERM handler finish and exit by itself while an export hangs', async () => {
    const { statuses, exit } = await serveThenStop({ ...env(), FIXTURE_OWN_SIGTERM: '1' }, 'SIGTERM');
    expect(statuses).toEqual(Array(REQUESTS).fill(200));
    expect(sockets.length).toBeGreaterThan(0); // the exports did reach the silent collector
    expect(exit).toEqual({ code: 7, signal: null });
  }, HANG_GUARD_MS);
});

// A listening socket whose backlog is full and which never accepts: the kernel drops further
// SYNs, so a connect neither succeeds nor fails (a collector behind a firewall that drops
// packets). Node always accepts, so the listener is a few lines of Python.
const BLACKHOLE = `
import socket, time
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(0)
port = s.getsockname()[1]
fill = []
for i in range(4):
    c = socket.socket(); c.setblocking(False)
    try: c.connect(('127.0.0.1', port))
    except BlockingIOError: pass
    fill.append(c)
time.sleep(0.3)
print(port, flush=True)
time.sleep(3600)
`;
const havePython = spawnSync('python3', ['--version']).status === 0;

describe.skipIf(!havePython)('collector whose connects never complete (needs python3)', () => {
  let blackhole: ChildProcess;
  let endpoint: string;

  beforeAll(async () => {
    blackhole = spawn('python3', ['-c', BLACKHOLE], { stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise<string>((resolve) => blackhole.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())));
    endpoint = `http://127.0.0.1:${port}`;
  });

  afterAll(() => {
    blackhole?.kill('SIGKILL');
  });

  // The OS gives up on such a connect after about two minutes; the app must not wait for it.
  it('lets an app with its own SIGTERM handler exit by itself within the flush deadline', async () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: '20', SPANPULSE_SHUTDOWN_TIMEOUT_MS: '1000', FIXTURE_OWN_SIGTERM: '1' };
    const { statuses, exit } = await serveThenStop(env, 'SIGTERM');
    expect(statuses).toEqual(Array(REQUESTS).fill(200));
    expect(exit).toEqual({ code: 7, signal: null });
  }, 4_000);
});
