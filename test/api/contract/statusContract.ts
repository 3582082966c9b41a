/**
 * /api/status against the seeded traffic: services, agents, active users, the last hour's
 * performance, the collector and the host.
 */
import { describe, expect, it } from 'vitest';
import { RELATIVE_ERROR } from '../../../collector/mapping/latencyHistogram.js';
import { DEFAULT_THRESHOLDS, healthState } from '../../../api/stats/healthState.js';
import { SESSION_INACTIVITY_MS } from '../support/apiHarness.js';
import { dayOf, performance, requestsIn, sessionsIn } from '../support/expectedFigures.js';
import { expectPerformance } from '../support/expectations.js';
import type { SeededApi } from './useSeededApi.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export function statusContract(seeded: () => SeededApi, backend: string): void {
  describe('GET /api/status', () => {
    it('reports services, agents, users now and the last hour from real spans', async () => {
      const { api, seed, now } = seeded();
      const t = now.getTime();
      const { status, headers, body } = await api.getJson('/api/status');
      expect(status).toBe(200);
      expect(headers.get('cache-control')).toBe('no-store');
      expect(body).toMatchObject({
        timestamp: now.toISOString(),
        usingRealData: true,
        percentileRelativeError: RELATIVE_ERROR,
        sessionInactivityMs: SESSION_INACTIVITY_MS,
        store: { backend, reachable: true, error: null },
      });
      expect(body.store.pingMs).toBeGreaterThanOrEqual(0);
      // This harness runs no alerts extension: no alerts field, so pages ask for no alert history.
      expect(body).not.toHaveProperty('alerts');
      expect(body.collector).toMatchObject({ version: 'test', spansAccepted: seed.records.length });
      expect(body.activeUsers).toBe(sessionsIn(seed.records, { from: t - SESSION_INACTIVITY_MS, to: t }).sessions);

      const hourFrom = Math.floor((t - HOUR) / HOUR) * HOUR;
      const lastHour = performance(requestsIn(seed.records, { from: hourFrom, to: t }));
      expect(body.apiPerformance).toMatchObject({ from: new Date(hourFrom).toISOString(), to: now.toISOString() });
      expectPerformance(body.apiPerformance, lastHour, 'last hour', ['p95']);
      const state = healthState(body.apiPerformance, DEFAULT_THRESHOLDS);
      expect(body.status).toBe(state === 'no_data' ? 'operational' : state);
      expect(body.reasons.length > 0).toBe(body.status !== 'operational');

      expect(body.services.map((s: any) => s.serviceName)).toEqual(['crm', 'shop']);
      for (const service of body.services) {
        const mine = seed.records.filter((r) => r.service === service.serviceName);
        const lastSeen = Math.max(...mine.map((r) => r.startMs + r.durationMs));
        expect(service.spanCount).toBe(mine.length);
        expect(Date.parse(service.lastSeen)).toBeCloseTo(lastSeen, -1);
        expect(service.state).toBe(t - lastSeen <= 5 * 60_000 ? 'receiving' : 'stale');
      }

      const today = dayOf(t);
      const yesterday = dayOf(t - DAY);
      const recent = seed.records.filter((r) => r.agent !== null && (dayOf(r.startMs) === today || dayOf(r.startMs) === yesterday));
      const names = [...new Set(recent.map((r) => `${r.service}/${r.agent}`))].sort();
      expect(body.agents.map((a: any) => `${a.serviceName}/${a.agentName}`).sort()).toEqual(names);
      expect(body.trackedAgents).toBe(names.length);
      for (const agent of body.agents) {
        const mine = recent.filter((r) => r.service === agent.serviceName && r.agent === agent.agentName);
        const onToday = mine.filter((r) => dayOf(r.startMs) === today);
        const what = `agent ${agent.serviceName}/${agent.agentName}`;
        expectPerformance(agent, performance(onToday), what, ['p95']);
        expect(agent.activeUsers, what).toBe(new Set(onToday.filter((r) => r.session !== null).map((r) => r.session)).size);
        expect(agent.totalTokens, what).toBe(onToday.reduce((n, r) => n + r.inputTokens + r.outputTokens, 0));
        expect(Date.parse(agent.lastSeen)).toBeCloseTo(Math.max(...mine.map((r) => r.startMs + r.durationMs)), -1);
        const expectedState = healthState(agent, DEFAULT_THRESHOLDS);
        expect(agent.state, what).toBe(expectedState === 'no_data' ? 'idle' : expectedState);
      }
    });

    it('describes the collector host', async () => {
      const { api } = seeded();
      const { system } = (await api.getJson('/api/status')).body;
      expect(system.cpu.cores).toBeGreaterThan(0);
      expect(system.cpu.hostUsagePercent).toBeGreaterThanOrEqual(0);
      expect(system.cpu.hostUsagePercent).toBeLessThanOrEqual(100);
      expect(system.memory.totalBytes).toBeGreaterThan(system.memory.freeBytes);
      expect(system.memory.processRssBytes).toBeGreaterThan(0);
      expect(system.loadAverage).toHaveLength(3);
    });
  });
}
