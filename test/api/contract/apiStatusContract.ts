/**
 * /api/status/api-status against the seeded traffic: per endpoint the window's figures and
 * state, availability over 24 h / 7 / 30 / 90 days, the 90 daily values and the agents.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS, healthState } from '../../../api/stats/healthState.js';
import { dayOf, performance, requestsIn } from '../support/expectedFigures.js';
import { expectClose, expectPerformance } from '../support/expectations.js';
import type { SeedRecord } from '../support/seedTraffic.js';
import type { SeededApi } from './useSeededApi.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const floorHour = (ms: number) => Math.floor(ms / HOUR) * HOUR;
const ceilHour = (ms: number) => Math.ceil(ms / HOUR) * HOUR;

function availability(records: readonly SeedRecord[]): number | null {
  return records.length === 0 ? null : (100 * records.filter((r) => r.outcome !== 'error').length) / records.length;
}

function expectApiStatus(body: any, all: readonly SeedRecord[], now: number, windowMs: number, service?: string): void {
  const from = floorHour(now - windowMs);
  const to = ceilHour(now);
  const requests = all.filter((r) => r.kind === 'request' && (service === undefined || r.service === service));
  const keys = [...new Set(requests.map((r) => JSON.stringify([r.service, r.method, r.endpoint])))].sort();
  expect(body.endpoints.map((e: any) => JSON.stringify([e.serviceName, e.method, e.endpoint])).sort()).toEqual(keys);
  expect(body.thresholds).toEqual(DEFAULT_THRESHOLDS);
  expect(body.usingRealData).toBe(true);

  const days = Array.from({ length: 90 }, (_, i) => dayOf(Math.floor(now / DAY) * DAY - (89 - i) * DAY));
  expect(body.days).toEqual(days);
  for (const endpoint of body.endpoints) {
    const what = `${endpoint.serviceName} ${endpoint.method} ${endpoint.endpoint}`;
    const mine = requests.filter((r) => r.service === endpoint.serviceName && r.method === endpoint.method && r.endpoint === endpoint.endpoint);
    const inWindow = requestsIn(mine, { from, to });
    expectPerformance(endpoint, performance(inWindow), what);
    expect(endpoint.state, what).toBe(healthState(endpoint, DEFAULT_THRESHOLDS));

    expectClose(endpoint.availability24h, availability(requestsIn(mine, { from: floorHour(now - DAY), to })), `${what} 24h`);
    for (const n of [7, 30, 90]) {
      const since = days[90 - n]!;
      expectClose(endpoint[`availability${n}d`], availability(mine.filter((r) => dayOf(r.startMs) >= since)), `${what} ${n}d`);
    }
    expect(endpoint.dailyAvailability).toHaveLength(90);
    days.forEach((date, i) => {
      const onDay = mine.filter((r) => dayOf(r.startMs) === date);
      expect(endpoint.dailyRequests[i], `${what} ${date}`).toBe(onDay.length);
      expectClose(endpoint.dailyAvailability[i], availability(onDay), `${what} ${date}`);
    });

    const agents = [...new Set(inWindow.map((r) => r.agent))];
    expect(endpoint.agents.map((a: any) => a.agentName).sort(), what).toEqual([...agents].sort());
    for (const agent of endpoint.agents) {
      expectPerformance(agent, performance(inWindow.filter((r) => r.agent === agent.agentName)), `${what} agent ${agent.agentName}`);
    }
  }
  const count = (state: string) => body.endpoints.filter((e: any) => e.state === state).length;
  expect(body.summary).toEqual({
    endpoints: keys.length, operational: count('operational'), degraded: count('degraded'), down: count('down'), noData: count('no_data'),
  });
}

export function apiStatusContract(seeded: () => SeededApi): void {
  describe('GET /api/status/api-status', () => {
    it.each([['1h', HOUR], ['24h', DAY], ['7d', 7 * DAY], ['90d', 90 * DAY]])('window=%s: every endpoint, every figure', async (window, length) => {
      const { api, seed, now } = seeded();
      const { status, headers, body } = await api.getJson(`/api/status/api-status?window=${window}`);
      expect(status).toBe(200);
      expect(headers.get('cache-control')).toBe('no-store');
      expect(body.window.name).toBe(window);
      expectApiStatus(body, seed.records, now.getTime(), length);
    });

    it('names the state from error rate and latency: erroring endpoints degraded, very slow ones down', async () => {
      const { api } = seeded();
      const { body } = await api.getJson('/api/status/api-status?window=7d');
      const state = (service: string, method: string, endpoint: string) =>
        body.endpoints.find((e: any) => e.serviceName === service && e.method === method && e.endpoint === endpoint)?.state;
      expect(state('shop', 'GET', '/api/products')).toBe('operational');
      expect(state('shop', 'POST', '/api/orders')).toBe('degraded');
      expect(state('shop', 'GET', '/api/reports/:id')).toBe('down');
      expect(state('crm', 'GET', '/api/contacts/:id/summary')).toBe('degraded');
      // The route template is the endpoint: one row for every agent and report id.
      expect(body.endpoints.filter((e: any) => e.endpoint.startsWith('/api/reports'))).toHaveLength(1);
    });

    it('pages the endpoints with limit and offset; the summary and page.total count them all', async () => {
      const { api } = seeded();
      const all = (await api.getJson('/api/status/api-status?window=7d')).body;
      const key = (e: any) => `${e.serviceName} ${e.method} ${e.endpoint}`;
      expect(all.page).toEqual({ offset: 0, limit: 200, total: all.endpoints.length });
      const pages = [];
      for (let offset = 0; offset < all.page.total; offset += 2) {
        const { body } = await api.getJson(`/api/status/api-status?window=7d&limit=2&offset=${offset}`);
        expect(body.summary).toEqual(all.summary);
        expect(body.page).toEqual({ offset, limit: 2, total: all.page.total });
        pages.push(...body.endpoints);
      }
      expect(pages.map(key)).toEqual(all.endpoints.map(key));
      for (const bad of ['limit=0', 'limit=1001', 'offset=-1', 'limit=abc']) {
        const { status, body } = await api.getJson(`/api/status/api-status?${bad}`);
        expect(status, bad).toBe(400);
        expect(body.error).toMatch(/limit|offset/);
      }
    });

    it('filters by service; idle endpoints in a short window are no_data but keep their history', async () => {
      const { api, seed, now } = seeded();
      const { body } = await api.getJson('/api/status/api-status?window=7d&service=crm');
      expectApiStatus(body, seed.records, now.getTime(), 7 * 86_400_000, 'crm');
      const old = (await api.getJson(`/api/status/api-status?from=${new Date(now.getTime() - 15 * DAY).toISOString()}&to=${new Date(now.getTime() - 14 * DAY).toISOString()}`)).body;
      const reports = old.endpoints.find((e: any) => e.endpoint === '/api/reports/:id');
      expect(reports).toMatchObject({ state: 'no_data', totalRequests: 0, errorRate: null, p95ResponseTime: null });
      expect(reports.availability24h).not.toBeNull();
    });
  });
}
