/**
 * Cardinality limits through a real collector and store: past the configured number of
 * services, endpoints per service and agents per service, new values are counted under
 * `(other)` (never dropped: every total stays exact), values already admitted keep their own
 * rows, and a restarted collector starts from the values its store already has.
 */
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { OVERFLOW } from '../../../collector/pipeline/CardinalityLimits.js';
import { makeSpans, otlpProtobuf, serverSpan } from '../../support/otelSpans.js';
import { startTestSpanpulse, type TestSpanpulse } from '../../support/spanpulse.js';

const running: TestSpanpulse[] = [];
afterEach(async () => { await Promise.all(running.splice(0).map((sp) => sp.stop())); });

const start = async (env: Record<string, string> = {}) => {
  const sp = await startTestSpanpulse({ spanpulse: { limits: { services: 2, endpoints_per_service: 3, agents_per_service: 2 } }, env });
  running.push(sp);
  return sp;
};
const t0 = Date.now() - 30 * 60_000;
const hour = { period: 'hour' as const, from: new Date(t0 - 3_600_000), to: new Date(Date.now() + 3_600_000) };

describe('cardinality limits', () => {
  it('counts new endpoints, agents and services past the limits under (other), with exact totals', async () => {
    const sp = await start();
    const spans = makeSpans(Array.from({ length: 40 }, (_, i) => serverSpan({
      service: `svc-${i % 4}`, route: `/r/${i % 10}`, status: 200, startMs: t0 + i * 10, durationMs: 2, agent: `agent-${i % 5}`,
    })));
    expect((await sp.post(otlpProtobuf(spans))).status).toBe(200);

    const services = (await sp.store.listServices()).map((s) => [s.serviceName, s.spanCount]);
    expect(services).toEqual([[OVERFLOW, 20], ['svc-0', 10], ['svc-1', 10]]);
    const endpoints = await sp.store.findRollups({ ...hour, level: 'endpoint' });
    for (const serviceName of ['svc-0', 'svc-1', OVERFLOW]) {
      const own = endpoints.filter((r) => r.serviceName === serviceName);
      expect(new Set(own.filter((r) => r.endpoint !== OVERFLOW).map((r) => r.endpoint)).size, serviceName).toBeLessThanOrEqual(3);
      expect(new Set(own.filter((r) => r.agentName !== null && r.agentName !== OVERFLOW).map((r) => r.agentName)).size).toBeLessThanOrEqual(2);
    }
    expect(endpoints.reduce((n, r) => n + r.requestCount, 0)).toBe(40);
    expect(endpoints.some((r) => r.endpoint === OVERFLOW)).toBe(true);
    const metrics = await (await fetch(`${sp.apiUrl}/metrics`)).text();
    expect(metrics).toMatch(/^spanpulse_cardinality_overflow_total\{dimension="service"\} 20$/m);
  });

  it('starts from the values the store already has after a restart', async () => {
    const first = await start();
    const dataDir = first.dataDir;
    const post = (sp: TestSpanpulse, routes: string[], offset: number) => sp.post(otlpProtobuf(makeSpans(routes.map((route, i) =>
      serverSpan({ service: 'shop', route, status: 200, startMs: t0 + offset + i, durationMs: 1 })))));
    expect((await post(first, ['/a', '/b', '/c'], 0)).status).toBe(200);
    await first.shutdown();
    running.splice(0);

    const second = await startTestSpanpulse({ spanpulse: { limits: { endpoints_per_service: 3 } }, env: { SPANPULSE_DATA_DIR: dataDir } });
    running.push(second);
    expect((await post(second, ['/d', '/a'], 100)).status).toBe(200);
    const rows = await second.store.findRollups({ ...hour, level: 'endpoint', serviceName: 'shop' });
    expect(Object.fromEntries(rows.map((r) => [r.endpoint, r.requestCount]))).toEqual({ '/a': 2, '/b': 1, '/c': 1, [OVERFLOW]: 1 });
    await second.stop();
    running.splice(0);
    rmSync(dataDir, { recursive: true, force: true });
  });
});
