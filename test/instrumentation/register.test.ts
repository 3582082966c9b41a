/**
 * End to end: a real Express app (ES module + Express 5, CommonJS + Express 4) started with
 * `node --import dist/instrumentation/register.js`, driven over HTTP like a browser would,
 * then stopped with SIGTERM. The batch delay is set far beyond the test, so every span the
 * receiver decodes was delivered by the shutdown flush.
 *
 * Build first: npx tsc -p . (the tests run the compiled register, as users do).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind, StatusCode, type Span } from '../../collector/pdata/Span.js';
import { CookieJar } from './support/CookieJar.js';
import { CJS_EXPRESS4_APP, ESM_EXPRESS5_APP, startHostApp, type Exit, type HostApp } from './support/hostApp.js';
import { startTraceSink, type TraceSink } from './support/traceSink.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const SESSION_COOKIE = /^spanpulse_sid=([^;]*); Path=\/; HttpOnly; SameSite=Lax(; Secure)?$/;

const variants = [
  { name: 'ES module app on Express 5, http/protobuf', entry: ESM_EXPRESS5_APP, express: '5.', protocol: 'http/protobuf', contentType: 'application/x-protobuf' },
  { name: 'CommonJS app on Express 4, http/json', entry: CJS_EXPRESS4_APP, express: '4.', protocol: 'http/json', contentType: 'application/json' },
] as const;

const attr = (span: Span, key: string): unknown => span.attributes.get(key);
const sessionCookies = (response: Response): string[] => response.headers.getSetCookie().filter((line) => line.startsWith('spanpulse_sid='));

describe.each(variants)('$name', (variant) => {
  let sink: TraceSink;
  let app: HostApp;
  let exit: Exit;
  const jarA = new CookieJar();
  const jarB = new CookieJar();
  const seen: Record<string, Response> = {};
  const firstCookieOfA: string[] = [];
  const laterCookiesOfA: string[] = [];
  const cookiesOfB: string[][] = [];

  beforeAll(async () => {
    sink = await startTraceSink();
    app = await startHostApp({
      entry: variant.entry,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_EXPORTER_OTLP_PROTOCOL: variant.protocol, OTEL_BSP_SCHEDULE_DELAY: '600000' },
    });
    const url = (path: string): string => app.baseUrl + path;

    firstCookieOfA.push(...sessionCookies(await jarA.fetch(url('/ping'))));
    for (const path of ['/ping', '/ping', '/api/agents/support/chat']) laterCookiesOfA.push(...sessionCookies(await jarA.fetch(url(path))));
    for (let i = 0; i < 2; i++) cookiesOfB.push(sessionCookies(await jarB.fetch(url('/ping'))));
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
  });

  afterAll(async () => {
    app?.child.kill('SIGKILL');
    await sink?.close();
  });

  const serverSpans = (): Span[] => sink.spans.filter((span) => span.kind === SpanKind.SERVER);
  const serverSpanOf = (route: string): Span => {
    const span = serverSpans().find((s) => attr(s, 'http.route') === route);
    if (!span) throw new Error(`no server span for ${route}`);
    return span;
  };

  it('runs the intended Express and exporter protocol', () => {
    expect(app.expressVersion.startsWith(variant.express)).toBe(true);
    expect(new Set(sink.contentTypes)).toEqual(new Set([variant.contentType]));
  });

  it('flushes every span on SIGTERM, then dies by SIGTERM as it would have without us', () => {
    expect(exit).toEqual({ code: null, signal: 'SIGTERM' });
    // 4 (jar A) + 2 (jar B) + login, raw, script, oversized, forwarded, logout, 400, 404, 500
    expect(serverSpans()).toHaveLength(15);
    expect(sink.spans.every((span) => span.resource.get('service.name') === 'fixture-app')).toBe(true);
  });

  it('gives each cookie jar one session, and sets the cookie only when it is missing', () => {
    expect(firstCookieOfA).toHaveLength(1);
    expect(laterCookiesOfA).toEqual([]);
    expect(cookiesOfB.map((lines) => lines.length)).toEqual([1, 0]);
    const [, idA] = SESSION_COOKIE.exec(firstCookieOfA[0]!)!;
    const [, idB] = SESSION_COOKIE.exec(cookiesOfB[0]![0]!)!;
    expect(idA).toMatch(UUID);
    expect(idB).toMatch(UUID);
    expect(idA).not.toBe(idB);
    // Jar A: 3 pings + chat + logout; jar B: 2 pings.
    expect(serverSpans().filter((span) => attr(span, 'session.id') === idA)).toHaveLength(5);
    expect(serverSpans().filter((span) => attr(span, 'session.id') === idB)).toHaveLength(2);
  });

  it('puts a session id on every server span, always a UUID', () => {
    expect(serverSpans()).toHaveLength(15);
    for (const span of serverSpans()) expect(attr(span, 'session.id')).toMatch(UUID);
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

  it('replaces a malformed or oversized cookie value with a fresh id and never records it', () => {
    for (const key of ['script', 'oversized']) {
      const [line] = sessionCookies(seen[key]!);
      expect(line).toMatch(SESSION_COOKIE);
      expect(SESSION_COOKIE.exec(line!)![1]).toMatch(UUID);
    }
    const recorded = serverSpans().map((span) => String(attr(span, 'session.id')));
    expect(recorded.some((id) => id.includes('script') || id.includes('aaaa'))).toBe(false);
  });

  it('marks the cookie Secure only when the request came over HTTPS', () => {
    expect(sessionCookies(seen['forwardedHttps']!)[0]).toMatch(/; Secure$/);
    expect(sessionCookies(seen['login']!)[0]).not.toMatch(/Secure/);
  });

  it('attributes the request to the agent named by the helper, with accumulated tokens, on the server span only', () => {
    const chat = serverSpanOf('/api/agents/:agent/chat');
    expect(attr(chat, 'gen_ai.agent.name')).toBe('support');
    expect(attr(chat, 'gen_ai.usage.input_tokens')).toBe(15);
    expect(attr(chat, 'gen_ai.usage.output_tokens')).toBe(5);
    const otherSpansWithAgent = sink.spans.filter((span) => span.kind !== SpanKind.SERVER && span.attributes.has('gen_ai.agent.name'));
    expect(otherSpansWithAgent).toEqual([]);
    // The Express layer spans exist: the helper had to look past them.
    expect(sink.spans.some((span) => span.traceId === chat.traceId && span.kind !== SpanKind.SERVER)).toBe(true);
  });

  it('records the user id set by the helper', () => {
    expect(attr(serverSpanOf('/login/:user'), 'user.id')).toBe('u42');
    expect(serverSpans().filter((span) => span.attributes.has('user.id'))).toHaveLength(1);
  });

  it('tells client errors from server errors', () => {
    const status = (span: Span) => ({ http: attr(span, 'http.response.status_code'), otel: span.statusCode });
    expect(status(serverSpanOf('/bad-request'))).toEqual({ http: 400, otel: StatusCode.UNSET });
    expect(status(serverSpanOf('/fail'))).toEqual({ http: 500, otel: StatusCode.ERROR });
    const notFound = serverSpans().filter((span) => attr(span, 'http.response.status_code') === 404);
    expect(notFound.map((span) => ({ ...status(span), route: attr(span, 'http.route'), path: attr(span, 'url.path') }))).toEqual([
      { http: 404, otel: StatusCode.UNSET, route: undefined, path: '/no/such/page' },
    ]);
  });

  it('names every matched request by its Express route', () => {
    const routes = new Set(serverSpans().map((span) => attr(span, 'http.route')));
    expect(routes).toEqual(new Set(['/ping', '/api/agents/:agent/chat', '/login/:user', '/raw-cookies', '/logout', '/bad-request', '/fail', undefined]));
  });
});

describe.each(variants)('$name with its own SIGTERM handler', (variant) => {
  it('keeps the app behaviour (its handler runs, its exit code stands) and still delivers the spans', async () => {
    const sink = await startTraceSink();
    try {
      const app = await startHostApp({
        entry: variant.entry,
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_EXPORTER_OTLP_PROTOCOL: variant.protocol, OTEL_BSP_SCHEDULE_DELAY: '600000', FIXTURE_OWN_SIGTERM: '1' },
      });
      const response = await fetch(`${app.baseUrl}/api/agents/billing/chat`);
      expect(response.status).toBe(200);
      await response.arrayBuffer();
      expect(await app.stop('SIGTERM')).toEqual({ code: 7, signal: null });
      expect(app.stdout()).toContain('app handled SIGTERM');
      const agents = sink.spans.filter((span) => span.kind === SpanKind.SERVER).map((span) => attr(span, 'gen_ai.agent.name'));
      expect(agents).toEqual(['billing']);
    } finally {
      await sink.close();
    }
  });
});
