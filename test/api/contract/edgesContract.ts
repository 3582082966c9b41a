/**
 * What surrounds the figures: parameter errors, health endpoints, an empty store ("no data
 * yet", never invented numbers), new spans showing up, and a store that went away.
 */
import { describe, expect, it } from 'vitest';
import { pinnedNow, startApiHarness, type SpanpulseFactory } from '../support/apiHarness.js';
import { serverSpan } from '../../support/otelSpans.js';
import type { SeededApi } from './useSeededApi.js';

export function parameterContract(seeded: () => SeededApi): void {
  describe('parameter errors', () => {
    it.each([
      ['/api/status/analytics?window=2h', /unknown window "2h"; allowed: 1h, 24h, 7d, 30d, 90d/],
      ['/api/status/analytics?from=2025-01-02&to=2025-01-01', /must be before to/],
      ['/api/status/analytics?from=2001-01-01', /beyond the retention/],
      ['/api/status/analytics?service=nope', /unknown service "nope"; known services: crm, shop/],
      ['/api/status/analytics?tz=Nowhere/Land', /unknown time zone/],
      ['/api/status/api-status?tz=UTC', /unknown parameter "tz"; allowed: window, from, to, service/],
      ['/api/status/api-status?window=7d&window=30d', /given once/],
    ])('%s is a 400 that says what is allowed', async (path, message) => {
      const { status, headers, body } = await seeded().api.getJson(path);
      expect(status).toBe(400);
      expect(headers.get('cache-control')).toBe('no-store');
      expect(body.error).toMatch(message);
    });

    it('answers unknown API paths with a JSON 404', async () => {
      const { status, body } = await seeded().api.getJson('/api/status/nope');
      expect(status).toBe(404);
      expect(body.error).toMatch(/no such endpoint/);
    });
  });

  describe('health of spanpulse itself', () => {
    it('/healthz, /readyz and /metrics', async () => {
      const { api, seed } = seeded();
      expect((await api.getJson('/healthz')).body).toEqual({ status: 'ok' });
      const ready = await api.getJson('/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body.status).toBe('ready');
      const metrics = await fetch(`${api.url}/metrics`);
      expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0.0.4/);
      expect(await metrics.text()).toContain(`spanpulse_spans_accepted_total ${seed.records.length}\n`);
      for (const path of ['/healthz', '/readyz', '/metrics']) expect((await fetch(`${api.url}${path}`)).headers.get('cache-control'), path).toBe('no-store');
    });

    it('serves the pages and chart.js from the process itself, not from a CDN', async () => {
      const { api } = seeded();
      for (const path of ['/status', '/status/analytics', '/status/api-status']) {
        const page = await fetch(`${api.url}${path}`);
        expect(page.headers.get('content-type'), path).toMatch(/^text\/html/);
        expect(await page.text(), path).not.toMatch(/https?:\/\//);
      }
      const chart = await fetch(`${api.url}/status/assets/chart.umd.min.js`);
      expect(chart.status).toBe(200);
      expect(chart.headers.get('content-type')).toMatch(/javascript/);
      expect(chart.headers.get('cache-control')).toBe('public, max-age=3600');
      expect((await chart.text()).length).toBeGreaterThan(100_000);
      expect((await fetch(`${api.url}/status/assets/%2e%2e/%2e%2e/package.json`)).status).toBe(404);
      expect((await fetch(`${api.url}/`, { redirect: 'manual' })).headers.get('location')).toBe('/status');
    });
  });
}

export function lifecycleContract(factory: SpanpulseFactory): void {
  describe('from an empty store to live data, and a store that goes away', () => {
    it('says "no data" until spans arrive, then shows them without a restart', async () => {
      const now = pinnedNow();
      const api = await startApiHarness(factory, now);
      try {
        const status = (await api.getJson('/api/status')).body;
        expect(status).toMatchObject({ status: 'no_data', usingRealData: false, services: [], agents: [], trackedAgents: 0, activeUsers: 0 });
        expect(status.apiPerformance).toMatchObject({ totalRequests: 0, successRate: null, avgResponseTime: null, p95ResponseTime: null });
        const analytics = (await api.getJson('/api/status/analytics')).body;
        expect(analytics).toMatchObject({
          usingRealData: false, totalRequests: 0, activeUsers: 0, successRate: null, avgResponseTime: null,
          p50ResponseTime: null, p95ResponseTime: null, p99ResponseTime: null, agents: [], services: [],
        });
        expect(analytics.dailyTrend.every((d: any) => d.requests === 0 && d.p95ResponseTime === null)).toBe(true);
        expect((await api.getJson('/api/status/api-status')).body).toMatchObject({ usingRealData: false, endpoints: [], summary: { endpoints: 0 } });

        const t = now.getTime();
        await api.send([
          serverSpan({ service: 'fresh', route: '/hello', status: 200, startMs: t - 60_000, durationMs: 12.5, sessionId: 'a' }),
          serverSpan({ service: 'fresh', route: '/hello', status: 500, startMs: t - 30_000, durationMs: 40, sessionId: 'b' }),
        ]);
        const after = (await api.getJson('/api/status')).body;
        expect(after).toMatchObject({ usingRealData: true, activeUsers: 2, services: [{ serviceName: 'fresh', state: 'receiving', spanCount: 2 }] });
        expect(after.apiPerformance).toMatchObject({ totalRequests: 2, successRate: 50, errorRate: 50, avgResponseTime: 26.25 });
        // 50 % errors is above the degraded limit (5 %) but not above the down limit (50 %).
        expect(after.status).toBe('degraded');
        expect(after.reasons).toEqual(['error rate in the last hour 50.0 % is above 5 %']);
      } finally {
        await api.close();
      }
    });

    it('keeps /api/status answering when the store is gone; /readyz stays ready while the spool accepts; the data endpoints say 503', async () => {
      const api = await startApiHarness(factory, pinnedNow());
      try {
        await api.spanpulse.store.shutdown();
        const status = await api.getJson('/api/status');
        expect(status.status).toBe(200);
        expect(status.body).toMatchObject({ status: 'down', store: { reachable: false, pingMs: null }, services: [], activeUsers: null, apiPerformance: null });
        expect(status.body.reasons[0]).toMatch(/^store unreachable/);
        const ready = await api.getJson('/readyz');
        // Spans are still taken (into the spool), so an orchestrator keeps routing them here.
        expect(ready.status).toBe(200);
        expect(ready.body).toMatchObject({ status: 'ready', storeError: expect.stringMatching(/store unreachable/), spool: { accepting: true } });
        const analytics = await api.getJson('/api/status/analytics');
        expect(analytics.status).toBe(503);
        expect(analytics.headers.get('retry-after')).toBe('2');
        expect(analytics.body.error).toEqual(expect.any(String));
        expect((await api.getJson('/healthz')).status).toBe(200);
      } finally {
        await api.close();
      }
    });
  });
}
