import { describe, expect, it } from 'vitest';
import { quantile } from '../../../collector/mapping/latencyHistogram.js';
import { lastDays } from '../../../api/stats/availability.js';
import { endpointStatuses } from '../../../api/stats/endpointStatuses.js';
import { DEFAULT_THRESHOLDS } from '../../../api/stats/healthState.js';
import { range, rollupOf } from '../rollupOf.js';

const now = new Date('2025-03-31T10:30:00Z');
const days = lastDays(now, 90);

describe('endpointStatuses', () => {
  const chat = { endpoint: '/api/agents/:agent/chat', method: 'POST' };
  const health = { endpoint: '/health', method: 'GET' };
  const statuses = endpointStatuses({
    window: [
      rollupOf({ ...chat, start: '2025-03-31T09:00:00Z', agentName: 'support', times: range(90, 10), errors: 9, clientErrors: 3 }),
      rollupOf({ ...chat, start: '2025-03-31T10:00:00Z', agentName: null, times: range(10, 10) }),
      rollupOf({ ...health, start: '2025-03-31T10:00:00Z', times: [1, 2, 3] }),
    ],
    last24h: [
      rollupOf({ ...chat, start: '2025-03-30T11:00:00Z', times: range(100), errors: 2 }),
      rollupOf({ ...chat, start: '2025-03-31T10:00:00Z', times: range(100), errors: 0 }),
    ],
    daily: [
      rollupOf({ ...chat, period: 'day', start: '2025-01-01T00:00:00Z', times: range(100), errors: 100 }),
      rollupOf({ ...chat, period: 'day', start: '2025-03-10T00:00:00Z', times: range(100), errors: 10 }),
      rollupOf({ ...chat, period: 'day', start: '2025-03-30T00:00:00Z', agentName: 'support', times: range(50), errors: 1 }),
      rollupOf({ ...chat, period: 'day', start: '2025-03-30T00:00:00Z', agentName: null, times: range(50), errors: 1 }),
      rollupOf({ ...chat, period: 'day', start: '2025-03-31T00:00:00Z', times: range(100), errors: 0 }),
      rollupOf({ ...chat, period: 'day', start: '2025-03-31T00:00:00Z', serviceName: 'crm', times: range(4), errors: 4 }),
    ],
    days,
  }, DEFAULT_THRESHOLDS);

  it('keys endpoints by service, method and route, sorted', () => {
    expect(statuses.map((s) => [s.serviceName, s.method, s.endpoint])).toEqual([
      ['crm', 'POST', '/api/agents/:agent/chat'], ['shop', 'POST', '/api/agents/:agent/chat'], ['shop', 'GET', '/health'],
    ]);
  });

  it('derives the window figures and the state from the window rollups', () => {
    const [, shopChat, shopHealth] = statuses;
    expect(shopChat).toMatchObject({ state: 'degraded', totalRequests: 100, errorRate: 9, clientErrorRate: 3, successRate: 91 });
    expect(shopChat!.avgResponseTime).toBeCloseTo((40_950 + 550) / 100, 9);
    expect(shopHealth).toMatchObject({ state: 'operational', totalRequests: 3, errorRate: 0, availability24h: null });
    expect(statuses[0]).toMatchObject({ state: 'no_data', totalRequests: 0, errorRate: null, p95ResponseTime: null });
  });

  it('computes 24 h availability from hourly and 7/30/90-day availability from daily rollups', () => {
    const shopChat = statuses[1]!;
    expect(shopChat.availability24h).toBe(99);
    expect(shopChat.availability7d).toBe(99);
    expect(shopChat.availability30d).toBe(96);
    // 2025-01-01 is the first of the 90 days; a day earlier it would drop out.
    expect(shopChat.availability90d).toBe(72);
    expect(shopChat.dailyAvailability).toHaveLength(90);
    expect(shopChat.dailyRequests).toHaveLength(90);
    expect(days.at(-1)).toBe('2025-03-31');
    expect([shopChat.dailyAvailability.at(-1), shopChat.dailyRequests.at(-1)]).toEqual([100, 100]);
    expect([shopChat.dailyAvailability.at(-2), shopChat.dailyRequests.at(-2)]).toEqual([98, 100]);
    expect([shopChat.dailyAvailability[0], shopChat.dailyRequests[0]]).toEqual([0, 100]);
    expect(shopChat.dailyAvailability.filter((a) => a === null)).toHaveLength(86);
    expect(shopChat.dailyRequests.filter((n) => n === 0)).toHaveLength(86);
    expect(statuses[0]!.availability24h).toBeNull();
    expect(statuses[0]!.availability7d).toBe(0);
  });

  it('splits the window by agent, unnamed requests as agentName null', () => {
    const agents = statuses[1]!.agents;
    expect(agents.map((a) => [a.agentName, a.totalRequests, a.errorRate])).toEqual([['support', 90, 10], [null, 10, 0]]);
    expect(agents[1]!.p95ResponseTime).toBe(quantile(rollupOf({ start: 'x', times: range(10, 10) }).latencyHistogram, 0.95));
  });
});
