/**
 * The NodeSDK end-to-end scenario, shared by the OTLP/HTTP and OTLP/gRPC runs: a real host app
 * (fixtures/sdkHostApp.cjs) exporting with the stock exporter of a protocol to a spanpulse on
 * port 0, seven requests from three users, and every document they produce checked in the store.
 */
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Store } from '../../collector/store/types.js';
import { startTestSpanpulse, type TestSpanpulse } from '../support/spanpulse.js';
import { dropDatabasesAfterAll, freshDatabase, mongodbUri, skipReason } from './store/mongodbSupport.js';

const hostApp = fileURLToPath(new URL('./fixtures/sdkHostApp.cjs', import.meta.url));

/** Runs the host app with OTEL_EXPORTER_OTLP_PROTOCOL `protocol` against `endpoint`, plays the scenario, stops it; resolves with its exit code. */
export async function runScenarioApp(endpoint: string, protocol: string, service: string, env: Record<string, string> = {}): Promise<number | null> {
  const child = spawn(process.execPath, [hostApp], {
    env: {
      PATH: process.env['PATH'],
      NODE_ENV: 'test', // Express logs the failing route's error otherwise
      OTEL_SERVICE_NAME: service,
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_BSP_SCHEDULE_DELAY: '200',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`host app exited early with ${code}: ${output}`)));
  });
  const base = `http://127.0.0.1:${port}`;
    const post = (path: string, session: string) =>
      fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-session': session }, body: '{"q":"hi"}' });
    const get = (path: string, session: string) => fetch(base + path, { headers: { 'x-session': session } });
    expect((await post('/api/agents/support/chat', 'alice')).status).toBe(200);
    expect((await post('/api/agents/support/chat', 'bob')).status).toBe(200);
    expect((await post('/api/agents/billing/chat', 'alice')).status).toBe(200);
    expect((await get('/api/orders/1', 'alice')).status).toBe(200);
    expect((await get('/api/orders/2', 'bob')).status).toBe(200);
    expect((await get('/api/fail', 'bob')).status).toBe(500);
    expect((await get('/nope', 'carol')).status).toBe(404);
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  return code as number | null;
}

/** The documents the scenario must have produced for `service`, played from `startedAt` on. */
export async function expectScenarioStored(store: Store, service: string, startedAt: Date): Promise<void> {
  const window = { from: new Date(startedAt.getTime() - 60_000), to: new Date(Date.now() + 60_000) };
  const requests = await store.findRequests({ ...window, serviceName: service, limit: 100 });
  expect(requests).toHaveLength(7);
  const byEndpoint = (endpoint: string) => requests.filter((r) => r.endpoint === endpoint);
  expect(byEndpoint('/api/agents/:agent/chat').map((r) => r.agentName).sort()).toEqual(['billing', 'support', 'support']);
  expect(byEndpoint('/api/agents/:agent/chat').every((r) => r.method === 'POST' && r.statusCode === 200)).toBe(true);
  expect(byEndpoint('/api/orders/:id')).toHaveLength(2);
  expect(byEndpoint('/api/fail')[0]).toMatchObject({ statusCode: 500, outcome: 'error', sessionId: 'bob' });
  const notFound = requests.find((r) => r.statusCode === 404)!;
  expect(notFound).toMatchObject({ outcome: 'client_error', sessionId: 'carol', ipAddress: '127.0.0.1' });
  expect(requests.every((r) => r.responseTime > 0 && r.responseTime < 10_000 && /^[0-9a-f]{32}$/.test(r.traceId))).toBe(true);

  expect(await store.findSession(service, 'alice')).toMatchObject({ requestCount: 3, isActive: true, userId: null });
  expect(await store.findSession(service, 'bob')).toMatchObject({ requestCount: 3 });
  expect(await store.countSessions({ ...window, serviceName: service })).toEqual({ sessions: 3, users: 3 });

  // Rollup queries select periods by their start, so widen the window to whole hours.
  const hourWindow = { from: new Date(Math.floor(window.from.getTime() / 3_600_000) * 3_600_000), to: window.to };
  const hours = await store.findRollups({ period: 'hour', level: 'service', serviceName: service, ...hourWindow });
  const sum = (key: 'requestCount' | 'successCount' | 'errorCount' | 'clientErrorCount' | 'activeUsers') =>
    hours.reduce((total, h) => total + h[key], 0);
  expect([sum('requestCount'), sum('successCount'), sum('errorCount'), sum('clientErrorCount')]).toEqual([7, 5, 1, 1]);
  expect(sum('activeUsers')).toBeGreaterThanOrEqual(3);

  const day = startedAt.toISOString().slice(0, 10);
  const agents = await store.findAgentDays({ fromDate: day, toDate: new Date().toISOString().slice(0, 10), serviceName: service });
  // Each chat is one request (agent from the route) plus one invocation span (agent from gen_ai.agent.name).
  expect(agents.map((a) => [a.agentName, a.requestCount, a.invocationCount, a.activeUsers, a.outputTokens]).sort()).toEqual([
    ['billing', 2, 1, 1, 42], ['support', 4, 2, 2, 84],
  ]);
  expect((await store.listServices()).map((s) => s.serviceName)).toContain(service);
}

/**
 * Defines `tests` once per store: a spanpulse on the embedded store, and one on a fresh MongoDB
 * database (skipped, with the reason, when the test server is not there). `collector()` is the
 * running spanpulse of the store the tests run under.
 */
export function onEachStore(file: string, tests: (store: 'sqlite' | 'mongodb', collector: () => TestSpanpulse) => void): void {
  dropDatabasesAfterAll();
  if (mongodbUri === null) console.warn(`[${file} on mongodb skipped] ${skipReason}`);
  for (const store of ['sqlite', 'mongodb'] as const) {
    describe.skipIf(store === 'mongodb' && mongodbUri === null)(`on ${store}`, () => {
      let sp: TestSpanpulse | undefined;
      beforeAll(async () => {
        sp = await startTestSpanpulse(store === 'mongodb' ? { mongoUri: mongodbUri!, mongoDatabase: freshDatabase() } : {});
      });
      afterAll(async () => {
        await sp?.stop();
      });
      tests(store, () => sp!);
    });
  }
}
