/**
 * Access to the status API end to end, on the real collector in a child process with
 * SPANPULSE_API_TOKEN set. Public pages (the default): status routes and pages are open; the
 * exports, the SLA report and its page need `Authorization: Bearer <token>` (scheme in any
 * case) and answer 401 with a Bearer challenge otherwise. `public: false`: every /api/status*
 * route and page needs it too, the pages send a person to the sign-in page, whose cookie
 * (HttpOnly, SameSite=Strict, not the token) then opens them. /healthz and /readyz stay open;
 * /metrics follows `metrics_public`. Neither the token nor the cookie is ever in the logs, at
 * debug level, also when the config is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, ConfigError } from '../../../collector/config/loadConfig.js';
import { startCollectorProcess, type CollectorProcess } from '../../../bench/collectorProcess.js';
import { API_TOKEN, startAccessCollector } from '../support/accessCollector.js';

const STATUS_ROUTES = ['/api/status', '/api/status/analytics?window=24h', '/api/status/api-status?window=24h'];
const ADMIN_ROUTES = ['/api/status/export?report=daily&window=24h', '/api/status/export?report=sla&format=csv'];
const PAGES = ['/status', '/status/analytics', '/status/api-status'];

const get = (base: string, path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers, redirect: 'manual' });
const bearer = (scheme = 'Bearer', token = API_TOKEN) => ({ authorization: `${scheme} ${token}` });

async function expect401(response: Response, what: string): Promise<void> {
  expect(response.status, what).toBe(401);
  expect(response.headers.get('www-authenticate'), what).toBe('Bearer realm="spanpulse"');
  const body = (await response.json()) as { error: string };
  expect(body.error, what).toMatch(/missing or wrong token: send Authorization: Bearer <SPANPULSE_API_TOKEN>/);
}

function expectSignInRedirect(response: Response, path: string): void {
  expect(response.status, path).toBe(303);
  expect(response.headers.get('location'), path).toBe(`/status/sign-in?next=${encodeURIComponent(path)}`);
}

/** Every log line is JSON, and neither secret is in any of them. */
function expectNoSecretsLogged(collector: CollectorProcess, secrets: string[]): void {
  const logs = collector.logs();
  expect(logs).toContain('"msg":"spanpulse started"');
  for (const line of logs.trim().split('\n')) expect(() => JSON.parse(line), line).not.toThrow();
  for (const secret of secrets) expect(logs.includes(secret), 'a secret is in the logs').toBe(false);
}

describe('public status pages with an API token', () => {
  let collector: CollectorProcess;
  beforeAll(async () => {
    collector = await startAccessCollector({});
  });
  afterAll(async () => {
    await collector?.remove();
  });

  it('status routes, pages and health stay open', async () => {
    for (const path of [...STATUS_ROUTES, ...PAGES, '/healthz', '/readyz', '/metrics']) {
      expect((await get(collector.apiUrl, path)).status, path).toBe(200);
    }
  });

  it('exports and the SLA report need the token: 401 without it, with a wrong one or another scheme', async () => {
    for (const path of ADMIN_ROUTES) {
      await expect401(await get(collector.apiUrl, path), `${path} without a token`);
      await expect401(await get(collector.apiUrl, path, bearer('Bearer', 'wrong')), `${path} wrong token`);
      await expect401(await get(collector.apiUrl, path, bearer('Bearer', API_TOKEN.slice(0, -1))), `${path} a prefix of the token`);
      await expect401(await get(collector.apiUrl, path, bearer('Bearer', `${API_TOKEN}x`)), `${path} the token and more`);
      await expect401(await get(collector.apiUrl, path, bearer('Basic', Buffer.from(`admin:${API_TOKEN}`).toString('base64'))), `${path} Basic`);
      await expect401(await get(collector.apiUrl, path, { authorization: API_TOKEN }), `${path} no scheme`);
      // A bad parameter is not even looked at without the token.
      await expect401(await get(collector.apiUrl, `${path}&format=xlsx`), `${path} bad parameter, no token`);
    }
  });

  it('the token opens them, the scheme in any case', async () => {
    for (const path of ADMIN_ROUTES) {
      for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
        const response = await get(collector.apiUrl, path, bearer(scheme));
        expect(response.status, `${scheme} ${path}`).toBe(200);
        expect(response.headers.get('content-disposition'), path).toMatch(/^attachment; filename="spanpulse-/);
        expect(await response.text(), path).toMatch(/shop/);
      }
    }
    expect((await get(collector.apiUrl, `${ADMIN_ROUTES[0]}&format=xlsx`, bearer())).status).toBe(400);
  });

  it('sessions name users: they need the token, which opens them', async () => {
    for (const path of ['/api/status/sessions?window=24h', '/api/status/sessions/session-1', '/api/status/sessions/nobody']) {
      await expect401(await get(collector.apiUrl, path), `${path} without a token`);
      await expect401(await get(collector.apiUrl, path, bearer('Bearer', 'wrong')), `${path} wrong token`);
    }
    const list = await get(collector.apiUrl, '/api/status/sessions?window=24h', bearer());
    expect(list.status).toBe(200);
    expect(((await list.json()) as { sessions: Array<{ sessionId: string }> }).sessions.map((s) => s.sessionId).sort()).toEqual(['session-0', 'session-1', 'session-2']);
    expect((await get(collector.apiUrl, '/api/status/sessions/session-1', bearer())).status).toBe(200);
    expect((await get(collector.apiUrl, '/api/status/sessions/nobody', bearer())).status).toBe(404);
  });

  it('the SLA page sends a person without the token to the sign-in page', async () => {
    expectSignInRedirect(await get(collector.apiUrl, '/status/sla'), '/status/sla');
    const page = await get(collector.apiUrl, '/status/sla', bearer());
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<title>SLA report/);
  });

  it('never logs the token', async () => {
    expectNoSecretsLogged(collector, [API_TOKEN]);
  });
});

describe('private status pages (public: false, metrics_public: false)', () => {
  let collector: CollectorProcess;
  let cookie = '';
  beforeAll(async () => {
    collector = await startAccessCollector({ public: false, metrics_public: false });
  });
  afterAll(async () => {
    await collector?.remove();
  });

  it('every /api/status* route and page needs the token; health stays open, /metrics needs it too', async () => {
    for (const path of [...STATUS_ROUTES, ...ADMIN_ROUTES, '/api/status/no-such-route', '/metrics']) {
      await expect401(await get(collector.apiUrl, path), path);
      expect((await get(collector.apiUrl, path, bearer('bearer'))).status, path).toBe(path.includes('no-such') ? 404 : 200);
    }
    for (const path of [...PAGES, '/status/sla']) {
      expectSignInRedirect(await get(collector.apiUrl, path), path);
      expect((await get(collector.apiUrl, path, bearer())).status, path).toBe(200);
    }
    for (const path of ['/healthz', '/readyz', '/status/sign-in', '/status/assets/common.css', '/status/assets/sign-in.js']) {
      expect((await get(collector.apiUrl, path)).status, path).toBe(200);
    }
  });

  it('the sign-in page refuses a wrong token and trades the right one for an HttpOnly SameSite=Strict cookie', async () => {
    const signIn = (token: string, next: string) => fetch(`${collector.apiUrl}/status/sign-in?next=${encodeURIComponent(next)}`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }),
    });
    const wrong = await signIn('wrong', '/status/analytics');
    expect(wrong.status).toBe(303);
    expect(wrong.headers.get('location')).toBe('/status/sign-in?failed=1&next=%2Fstatus%2Fanalytics');
    expect(wrong.headers.get('set-cookie')).toBeNull();
    // Only a status page is a place to go back to: no open redirect.
    expect((await signIn(API_TOKEN, 'https://evil.example/')).headers.get('location')).toBe('/status');
    expect((await signIn(API_TOKEN, '//evil.example/status')).headers.get('location')).toBe('/status');

    const right = await signIn(API_TOKEN, '/status/analytics');
    expect(right.status).toBe(303);
    expect(right.headers.get('location')).toBe('/status/analytics');
    expect(right.headers.get('cache-control')).toBe('no-store');
    const setCookie = right.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^spanpulse_api=[0-9a-f]{64}; Path=\/; HttpOnly; SameSite=Strict$/);
    cookie = setCookie.split(';')[0]!;
    expect(cookie).not.toContain(API_TOKEN);

    for (const path of [...STATUS_ROUTES, ...ADMIN_ROUTES, '/metrics', ...PAGES, '/status/sla']) {
      expect((await get(collector.apiUrl, path, { cookie })).status, path).toBe(200);
    }
    // A forged or altered cookie is nothing.
    const altered = cookie.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    await expect401(await get(collector.apiUrl, STATUS_ROUTES[0]!, { cookie: altered }), 'altered cookie');
    await expect401(await get(collector.apiUrl, STATUS_ROUTES[0]!, { cookie: `spanpulse_api=${API_TOKEN}` }), 'the token as the cookie');
  });

  it('never logs the token nor the cookie', async () => {
    expect(cookie).not.toBe('');
    expectNoSecretsLogged(collector, [API_TOKEN, cookie.split('=')[1]!]);
  });
});

describe('configuration', () => {
  it('private pages or /metrics without a token are refused at start, naming the key', () => {
    const problems = (yaml: string) => {
      try {
        parseConfig(yaml, 'test', {});
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    expect(problems('extensions: {status_api: {public: false}}')).toEqual([expect.stringMatching(/^extensions\.status_api\.public: false needs a token/)]);
    expect(problems('extensions: {status_api: {metrics_public: false}}')).toEqual([expect.stringMatching(/^extensions\.status_api\.metrics_public: false needs a token/)]);
    expect(problems('extensions: {status_api: {public: false, metrics_public: false, auth: {bearer_token: secret}}}')).toEqual([]);
  });

  it('a refused config does not print the token', async () => {
    const failure = await startCollectorProcess('receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}, grpc: {endpoint: ""}}}}', {
      env: { SPANPULSE_API_TOKEN: API_TOKEN },
      statusApi: { auth: { bearer_token: '${env:SPANPULSE_API_TOKEN}', scheme: 'bearer' }, public: 'nope' },
    }).then(() => null, (error: Error) => error.message);
    expect(failure).toMatch(/collector exited before start-up/);
    expect(failure).not.toContain(API_TOKEN);
  });
});
