/**
 * End to end: a real NodeSDK (http + express instrumentation) in a child process exports
 * to spanpulse on port 0 over OTLP/HTTP, as http/protobuf and as http/json, and the
 * sessions, agents, API metrics and rollups it produced are checked in the store, on the
 * embedded store and on MongoDB (the test server of test/mongodbServer.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { startTestSpanpulse, type TestSpanpulse } from '../support/spanpulse.js';
import { dropDatabasesAfterAll, freshDatabase, mongodbUri, skipReason } from './store/mongodbSupport.js';

const hostApp = fileURLToPath(new URL('./fixtures/sdkHostApp.cjs', import.meta.url));

let sp: TestSpanpulse;
dropDatabasesAfterAll();
if (mongodbUri === null) console.warn(`[sdkEndToEnd on mongodb skipped] ${skipReason}`);

async function runHostApp(protocol: string, service: string, drive: (base: string) => Promise<void>): Promise<number | null> {
  const child = spawn(process.execPath, [hostApp], {
    env: {
      PATH: process.env['PATH'],
      NODE_ENV: 'test', // Express logs the failing route's error otherwise
      OTEL_SERVICE_NAME: service,
      OTEL_EXPORTER_OTLP_ENDPOINT: sp.otlpUrl,
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_BSP_SCHEDULE_DELAY: '200',
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
  await drive(`http://127.0.0.1:${port}`);
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  return code as number | null;
}

describe.each([
  ['sqlite', {}],
  ['mongodb', { mongoUri: mongodbUri ?? '' }],
] as const)('on %s', (store, options) => {
  beforeAll(async () => {
    if (store === 'mongodb' && mongodbUri === null) return;
    sp = await startTestSpanpulse(store === 'mongodb' ? { ...options, mongoDatabase: freshDatabase() } : {});
  });
  afterAll(async () => {
    await sp?.stop();
  });

  describe.skipIf(store === 'mongodb' && mongodbUri === null).each(['http/protobuf', 'http/json'])('NodeSDK exporting %s', (protocol) => {
    const service = `e2e-${store}-${protocol.replace('/', '-')}`;
    it('produces sessions, agents, API metrics and rollups', async () => {
      const startedAt = new Date();
      const code = await runHostApp(protocol, service, async (base) => {
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
      });
      expect(code).toBe(0);

      const window = { from: new Date(startedAt.getTime() - 60_000), to: new Date(Date.now() + 60_000) };
      const requests = await sp.store.findRequests({ ...window, serviceName: service, limit: 100 });
      expect(requests).toHaveLength(7);
      const byEndpoint = (endpoint: string) => requests.filter((r) => r.endpoint === endpoint);
      expect(byEndpoint('/api/agents/:agent/chat').map((r) => r.agentName).sort()).toEqual(['billing', 'support', 'support']);
      expect(byEndpoint('/api/agents/:agent/chat').every((r) => r.method === 'POST' && r.statusCode === 200)).toBe(true);
      expect(byEndpoint('/api/orders/:id')).toHaveLength(2);
      expect(byEndpoint('/api/fail')[0]).toMatchObject({ statusCode: 500, outcome: 'error', sessionId: 'bob' });
      const notFound = requests.find((r) => r.statusCode === 404)!;
      expect(notFound).toMatchObject({ outcome: 'client_error', sessionId: 'carol', ipAddress: '127.0.0.1' });
      expect(requests.every((r) => r.responseTime > 0 && r.responseTime < 10_000 && /^[0-9a-f]{32}$/.test(r.traceId))).toBe(true);

      expect(await sp.store.findSession(service, 'alice')).toMatchObject({ requestCount: 3, isActive: true, userId: null });
      expect(await sp.store.findSession(service, 'bob')).toMatchObject({ requestCount: 3 });
      expect(await sp.store.countSessions({ ...window, serviceName: service })).toEqual({ sessions: 3, users: 3 });

      // Rollup queries select periods by their start, so widen the window to whole hours.
      const hourWindow = { from: new Date(Math.floor(window.from.getTime() / 3_600_000) * 3_600_000), to: window.to };
      const hours = await sp.store.findRollups({ period: 'hour', level: 'service', serviceName: service, ...hourWindow });
      const sum = (key: 'requestCount' | 'successCount' | 'errorCount' | 'clientErrorCount' | 'activeUsers') =>
        hours.reduce((total, h) => total + h[key], 0);
      expect([sum('requestCount'), sum('successCount'), sum('errorCount'), sum('clientErrorCount')]).toEqual([7, 5, 1, 1]);
      expect(sum('activeUsers')).toBeGreaterThanOrEqual(3);

      const day = startedAt.toISOString().slice(0, 10);
      const agents = await sp.store.findAgentDays({ fromDate: day, toDate: new Date().toISOString().slice(0, 10), serviceName: service });
      // Each chat is one request (agent from the route) plus one invocation span (agent from gen_ai.agent.name).
      expect(agents.map((a) => [a.agentName, a.requestCount, a.invocationCount, a.activeUsers, a.outputTokens]).sort()).toEqual([
        ['billing', 2, 1, 1, 42], ['support', 4, 2, 2, 84],
      ]);
      expect((await sp.store.listServices()).map((s) => s.serviceName)).toContain(service);
    });
  });
});
