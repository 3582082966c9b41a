/**
 * End to end: a real Express app (ES module + Express 5, CommonJS + Express 4) started with
 * `node --import instrumentation/dist/register.js`, driven over HTTP like a browser would,
 * stopped with SIGTERM, and its spans read back from a real spanpulse collector (port 0,
 * embedded store): what the store and /api/status show is what a user would see.
 * The batch delay is set far beyond the test, so everything stored was delivered by the
 * shutdown flush.
 *
 * Build first: npm run build (the tests run the compiled register, as users do).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiMetric } from '../../collector/store/types.js';
import { startTestSpanpulse, type TestSpanpulse } from '../support/spanpulse.js';
import { CookieJar } from './support/CookieJar.js';
import { CJS_EXPRESS4_APP, ESM_EXPRESS5_APP, startHostApp, type Exit, type HostApp } from './support/hostApp.js';
import { startRecordingProxy, type RecordingProxy } from './support/recordingProxy.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const SESSION_COOKIE = /^spanpulse_sid=([^;]*); Path=\/; HttpOnly; SameSite=Lax(; Secure)?$/;
const SERVICE = 'fixture-app';

// The ES module variant also turns Express layer spans on: then the span active in a handler
// is a layer span, and the helpers must still find the request's server span.
const variants = [
  {
    name: 'ES module app on Express 5, http/protobuf, all layer spans',
    entry: ESM_EXPRESS5_APP,
    express: '5.',
    env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', SPANPULSE_EXPRESS_LAYER_SPANS: 'all' },
    contentType: 'application/x-protobuf',
    layerSpans: true,
  },
  {
    name: 'CommonJS app on Express 4, http/json, default layer spans (none)',
    entry: CJS_EXPRESS4_APP,
    express: '4.',
    env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
    contentType: 'application/json',
    layerSpans: false,
  },
] as const;

const sessionCookies = (response: Response): string[] => response.headers.getSetCookie().filter((line) => line.startsWith('spanpulse_sid='));
const sessionIdIn = (line: string): string => SESSION_COOKIE.exec(line)?.[1] ?? `(not a session cookie: ${line})`;

/** Starts a collector with a recording proxy in front of it. */
async function startCollector(): Promise<{ collector: TestSpanpulse; proxy: RecordingProxy }> {
  const collector = await startTestSpanpulse();
  return { collector, proxy: await startRecordingProxy(collector.otlpUrl) };
}


describe.each(variants)('$name', (variant) => {
  let collector: TestSpanpulse;
  let proxy: RecordingProxy;
  let app: HostApp;
  let exit: Exit;
  let requests: ApiMetric[];
  const jarA = new CookieJar();
  const jarB = new CookieJar();
  const seen: Record<string, Response> = {};
  const firstCookieOfA: string[] = [];
  const laterCookiesOfA: string[] = [];
  const cookiesOfB: string[][] = [];

  beforeAll(async () => {
    ({ collector, proxy } = await startCollector());
    app = await startHostApp({
      entry: variant.entry,
      env: { ...variant.env, OTEL_EXPORTER_OTLP_ENDPOINT: proxy.url, OTEL_BSP_SCHEDULE_DELAY: '600000' },
    });
    const url = (path: string): string => app.baseUrl + path;

    firstCookieOfA.push(...sessionCookies(await jarA.fetch(url('/ping'))));
    for (const path of ['/ping', '/ping', '/api/agents/support/chat']) laterCookiesOfA.push(...sessionCookies(await jarA.fetch(url(path))));
    for (const path of ['/ping', '/api/ask']) cookiesOfB.push(sessionCookies(await jarB.fetch(url(path))));
    seen['feedback'] = await fetch(url('/api/feedback'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"agent":"critic"}' });
    seen['login'] = await new CookieJar().fetch(url('/login/u42'));
    seen['raw'] = await new CookieJar().fetch(url('/raw-cookies'));
    seen['script'] = await fetch(url('/ping'), { headers: { cookie: 'spanpulse_sid=<script>alert(1)</script>' } });
    seen['oversized'] = await fetch(url('/ping'), { headers: { cookie: `other=1; spanpulse_sid=${'a'.repeat(5000)}` } });
    seen['forwardedHttps'] = await fetch(url('/ping'), { headers: { 'x-forwarded-proto': 'https' } });
    seen['logout'] = await jarA.fetch(url('/logout'));
    seen['400'] = await fetch(url('/bad-request'));
    seen['404'] = await fetch(url('/no/such/page'));
    seen['500'] = await fetch(url('/fail'));
    for (const response of Object.values(seen)) await response.arrayBuffer();
    exit = await app.stop('SIGTERM');
    requests = await collector.recentRequests(SERVICE);
  });

  afterAll(async () => {
    app?.child.kill('SIGKILL');
    await proxy?.close();
    await collector?.stop();
  });

  const requestsTo = (endpoint: string): ApiMetric[] => requests.filter((r) => r.endpoint === endpoint);
  const idOfA = (): string => sessionIdIn(firstCookieOfA[0] ?? '');
  const idOfB = (): string => sessionIdIn(cookiesOfB[0]?.[0] ?? '');

  it('runs the intended Express and exporter protocol', () => {
    expect(app.expressVersion.startsWith(variant.express)).toBe(true);
    expect(proxy.contentTypes.length).toBeGreaterThan(0);
    expect(new Set(proxy.contentTypes)).toEqual(new Set([variant.contentType]));
  });

  it('flushes every span on SIGTERM, then dies by SIGTERM as it would have without us', () => {
    expect(exit).toEqual({ code: null, signal: 'SIGTERM' });
    // 4 (jar A) + 2 (jar B) + feedback, login, raw, script, oversized, forwarded, logout, 400, 404, 500
    expect(requests).toHaveLength(16);
  });

  it('gives each cookie jar one session, and sets the cookie only when it is missing', async () => {
    expect(firstCookieOfA).toHaveLength(1);
    expect(laterCookiesOfA).toEqual([]);
    expect(cookiesOfB.map((lines) => lines.length)).toEqual([1, 0]);
    expect(idOfA()).toMatch(UUID);
    expect(idOfB()).toMatch(UUID);
    expect(idOfA()).not.toBe(idOfB());
    // Jar A: 3 pings + chat + logout; jar B: ping + ask.
    expect((await collector.store.findSession(SERVICE, idOfA()))?.requestCount).toBe(5);
    expect((await collector.store.findSession(SERVICE, idOfB()))?.requestCount).toBe(2);
    // Every other request came without a usable cookie: a session of its own each.
    const distinct = new Set(requests.map((r) => r.sessionId));
    expect(distinct.size).toBe(16 - 4 - 1);
    const now = Date.now();
    expect(await collector.store.countSessions({ from: new Date(now - 3_600_000), to: new Date(now + 60_000), serviceName: SERVICE })).toMatchObject({
      sessions: distinct.size,
    });
  });

  it('puts a session id on every request, always a UUID', () => {
    expect(requests).toHaveLength(16);
    for (const request of requests) expect(request.sessionId).toMatch(UUID);
  });

  it('appends its cookie to the cookies the app sets, never replacing them', () => {
    const login = seen['login']!.headers.getSetCookie();
    expect(login.filter((line) => !line.startsWith('spanpulse_sid='))).toEqual(['app_pref=dark; Path=/', 'app_lang=en; Path=/']);
    expect(sessionCookies(seen['login']!)).toHaveLength(1);
    const raw = seen['raw']!.headers.getSetCookie();
    expect(raw.slice(0, 2)).toEqual(['raw_a=1', 'raw_b=2']);
    expect(raw).toHaveLength(3);
    expect(raw[2]).toMatch(SESSION_COOKIE);
  });

  it('leaves the session cookie alone when the app manages it itself', () => {
    expect(seen['logout']!.headers.getSetCookie()).toEqual([expect.stringMatching(/^spanpulse_sid=; Path=\/; Expires=Thu, 01 Jan 1970/)]);
  });

  it('replaces a malformed or oversized cookie value with a fresh id and never stores it', () => {
    for (const key of ['script', 'oversized']) {
      const [line] = sessionCookies(seen[key]!);
      expect(sessionIdIn(line ?? '')).toMatch(UUID);
    }
    // Stored whole or truncated, a sent value would be a prefix of itself; a pattern such as
    // /aaaa/ would also match the hex of a random UUID.
    const sent = ['<script>alert(1)</script>', 'a'.repeat(5000)];
    expect(requests.filter((r) => sent.some((value) => value.startsWith(String(r.sessionId))))).toEqual([]);
  });

  it('marks the cookie Secure only when the request came over HTTPS', () => {
    expect(sessionCookies(seen['forwardedHttps']!)[0]).toMatch(/; Secure$/);
    expect(sessionCookies(seen['login']!)[0]).not.toMatch(/Secure/);
  });

  it('attributes requests to the agent named by the helper, with accumulated tokens', () => {
    const pick = (r: ApiMetric) => ({ agentName: r.agentName, inputTokens: r.inputTokens, outputTokens: r.outputTokens, sessionId: r.sessionId });
    expect(requestsTo('/api/agents/:agent/chat').map(pick)).toEqual([{ agentName: 'support', inputTokens: 15, outputTokens: 5, sessionId: idOfA() }]);
    // No agent in this path: only the helper can have named it.
    expect(requestsTo('/api/ask').map(pick)).toEqual([{ agentName: 'planner', inputTokens: 7, outputTokens: 1, sessionId: idOfB() }]);
    // Named from a request 'end' listener: the request's context reached the app's listeners.
    expect(requestsTo('/api/feedback').map(pick)).toEqual([{ agentName: 'critic', inputTokens: 4, outputTokens: 2, sessionId: expect.stringMatching(UUID) }]);
    expect(requests.filter((r) => r.agentName !== null)).toHaveLength(3);
  });

  it('sets the agent on the server span only, never on another span', async () => {
    const days = await collector.store.findAgentDays({ fromDate: '2000-01-01', toDate: '2999-12-31', serviceName: SERVICE });
    const pick = (d: (typeof days)[number]) => ({ agent: d.agentName, requests: d.requestCount, invocations: d.invocationCount, users: d.activeUsers });
    expect(days.map(pick).sort((a, b) => a.agent.localeCompare(b.agent))).toEqual([
      { agent: 'critic', requests: 1, invocations: 0, users: 1 },
      { agent: 'planner', requests: 1, invocations: 0, users: 1 },
      { agent: 'support', requests: 1, invocations: 0, users: 1 },
    ]);
  });

  it(variant.layerSpans ? 'exports Express layer spans when asked (the helper looked past them)' : 'exports only server spans by default', () => {
    // The collector ignores spans that are neither requests nor agent invocations: layer spans.
    const ignored = collector.telemetry.snapshot().spansIgnored;
    if (variant.layerSpans) expect(ignored).toBeGreaterThan(0);
    else expect(ignored).toBe(0);
  });

  it('records the user id set by the helper, on the request and its session', async () => {
    const [login] = requestsTo('/login/:user');
    expect(login?.userId).toBe('u42');
    expect(requests.filter((r) => r.userId !== null)).toHaveLength(1);
    expect((await collector.store.findSession(SERVICE, login!.sessionId!))?.userId).toBe('u42');
  });

  it('tells client errors from server errors', () => {
    const pick = (r: ApiMetric) => ({ endpoint: r.endpoint, statusCode: r.statusCode, outcome: r.outcome });
    expect(requestsTo('/bad-request').map(pick)).toEqual([{ endpoint: '/bad-request', statusCode: 400, outcome: 'client_error' }]);
    expect(requestsTo('/fail').map(pick)).toEqual([{ endpoint: '/fail', statusCode: 500, outcome: 'error' }]);
    expect(requests.filter((r) => r.statusCode === 404).map((r) => r.outcome)).toEqual(['client_error']);
    expect(requests.filter((r) => r.outcome !== 'success')).toHaveLength(3);
  });

  it('names every matched request by its Express route', () => {
    const matched = new Set(requests.filter((r) => r.statusCode !== 404).map((r) => r.endpoint));
    expect(matched).toEqual(new Set(['/ping', '/api/agents/:agent/chat', '/api/ask', '/api/feedback', '/login/:user', '/raw-cookies', '/logout', '/bad-request', '/fail']));
  });

  it('shows the app, its agents and real data on /api/status', async () => {
    const status = await (await fetch(`${collector.apiUrl}/api/status`)).json();
    expect(status.usingRealData).toBe(true);
    expect(status.services.map((s: { serviceName: string }) => s.serviceName)).toEqual([SERVICE]);
    expect(status.agents.map((a: { agentName: string }) => a.agentName).sort()).toEqual(['critic', 'planner', 'support']);
  });
});

describe.each(variants)('$name with its own SIGTERM handler', (variant) => {
  it('keeps the app behaviour (its handler runs, its exit code stands) and still delivers the spans', async () => {
    const { collector, proxy } = await startCollector();
    try {
      const app = await startHostApp({
        entry: variant.entry,
        env: { ...variant.env, OTEL_EXPORTER_OTLP_ENDPOINT: proxy.url, OTEL_BSP_SCHEDULE_DELAY: '600000', FIXTURE_OWN_SIGTERM: '1' },
      });
      const response = await fetch(`${app.baseUrl}/api/ask`);
      expect(response.status).toBe(200);
      await response.arrayBuffer();
      expect(await app.stop('SIGTERM')).toEqual({ code: 7, signal: null });
      expect(app.stdout()).toContain('app handled SIGTERM');
      expect((await collector.recentRequests(SERVICE)).map((r) => r.agentName)).toEqual(['planner']);
    } finally {
      await proxy.close();
      await collector.stop();
    }
  });
});
