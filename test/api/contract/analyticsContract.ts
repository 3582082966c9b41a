/**
 * /api/status/analytics against the seeded traffic: every field, for named windows, an
 * explicit range, one service and a time zone.
 */
import { describe, expect, it } from 'vitest';
import { RELATIVE_ERROR } from '../../../collector/mapping/latencyHistogram.js';
import {
  agentsOnDays, dayOf, percentChange, performance, requestsIn, sessionsIn,
} from '../support/expectedFigures.js';
import { expectClose, expectPercentile, expectPerformance, TIME_PRECISION } from '../support/expectations.js';
import type { SeedRecord } from '../support/seedTraffic.js';
import type { SeededApi } from './useSeededApi.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const floorHour = (ms: number) => Math.floor(ms / HOUR) * HOUR;
const ceilHour = (ms: number) => Math.ceil(ms / HOUR) * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

function localHour(ms: number, timeZone: string): number {
  return Number(new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', hourCycle: 'h23' }).format(new Date(ms))) % 24;
}

/** Checks one analytics response against the records, for the asked range [askedFrom, askedTo). */
function expectAnalytics(body: any, records: readonly SeedRecord[], now: number, askedFrom: number, askedTo: number,
  service: string | undefined, timeZone = 'UTC'): void {
  const from = floorHour(askedFrom);
  const to = ceilHour(askedTo);
  const end = Math.min(to, now);
  const previousFrom = from - (to - from);
  expect(body.window).toMatchObject({ from: iso(from), to: iso(end), hours: (end - from) / HOUR, previousFrom: iso(previousFrom), previousTo: iso(from) });
  expect(body.service).toBe(service ?? null);
  expect(body.timeZone).toBe(timeZone);
  expect(body.percentileRelativeError).toBe(RELATIVE_ERROR);
  expect(body.usingRealData).toBe(true);
  expect(body.services).toEqual(['crm', 'shop']);

  const current = requestsIn(records, { from, to, service });
  const previous = requestsIn(records, { from: previousFrom, to: from, service });
  expect(current.length, 'the window has traffic').toBeGreaterThan(0);
  const perf = performance(current);
  const prev = performance(previous);
  expectPerformance(body, perf, 'window');
  expectPerformance(body.previous, prev, 'previous window');
  expect(body.inputTokens).toBe(current.reduce((n, r) => n + r.inputTokens, 0));
  expect(body.outputTokens).toBe(current.reduce((n, r) => n + r.outputTokens, 0));

  // Sessions are counted up to the next whole minute (shared by the requests of a minute).
  const usersEnd = Math.min(to, Math.ceil(end / 60_000) * 60_000);
  const users = sessionsIn(records, { from, to: usersEnd, service });
  const previousUsers = sessionsIn(records, { from: from - (usersEnd - from), to: from, service });
  expect(body.activeUsers).toBe(users.sessions);
  expect(body.uniqueUsers).toBe(users.users);
  expect(body.uniqueUsers).toBeLessThanOrEqual(body.activeUsers);
  expect(body.previous.activeUsers).toBe(previousUsers.sessions);

  expectClose(body.growth.requests, percentChange(current.length / (end - from), previous.length / (to - from)), 'growth.requests');
  expectClose(body.growth.users, percentChange(users.sessions, previousUsers.sessions), 'growth.users');
  expectClose(body.growth.avgResponseTime, percentChange(perf.avgResponseTime, prev.avgResponseTime), 'growth.avgResponseTime', TIME_PRECISION);
  expectClose(body.growth.p95ResponseTime, percentChange(body.p95ResponseTime, body.previous.p95ResponseTime), 'growth.p95ResponseTime');
  expectClose(body.growth.successRatePoints, perf.successRate === null || prev.successRate === null ? null : perf.successRate - prev.successRate,
    'growth.successRatePoints');

  const hours = Array.from({ length: 24 }, (_, hour) => ({ hour, requests: 0, errors: 0 }));
  for (const r of current) {
    const bucket = hours[localHour(floorHour(r.startMs), timeZone)]!;
    bucket.requests += 1;
    if (r.outcome === 'error') bucket.errors += 1;
  }
  expect(body.hourlyDistribution).toEqual(hours);

  const days: string[] = [];
  for (let t = Math.floor(from / DAY) * DAY; t < end; t += DAY) days.push(dayOf(t));
  expect(body.dailyTrend.map((d: any) => d.date)).toEqual(days);
  for (const day of body.dailyTrend) {
    const onDay = current.filter((r) => dayOf(r.startMs) === day.date);
    const expected = performance(onDay);
    expect(day.requests, day.date).toBe(onDay.length);
    expect(day.errors, day.date).toBe(onDay.filter((r) => r.outcome === 'error').length);
    expect(day.clientErrors, day.date).toBe(onDay.filter((r) => r.outcome === 'client_error').length);
    expectClose(day.avgResponseTime, expected.avgResponseTime, `${day.date} avg`, TIME_PRECISION);
    expectPercentile(day.p95ResponseTime, expected.p95ResponseTime, `${day.date} p95`);
    // Whole days inside the window carry the day's distinct sessions (from the daily documents); partly covered days null.
    const dayStartMs = Date.parse(`${day.date}T00:00:00Z`);
    const whole = dayStartMs >= from && dayStartMs + DAY <= to;
    const daySessions = new Set(records.filter((r) => r.kind === 'request' && r.session !== null && dayOf(r.startMs) === day.date &&
      (service === undefined || r.service === service)).map((r) => `${r.service}\u0000${r.session}`)).size;
    expect(day.activeUsers, `${day.date} activeUsers`).toBe(whole ? daySessions : onDay.length === 0 ? 0 : null);
  }

  const fromDate = dayOf(from);
  const toDate = dayOf(end - 1);
  expect(body.agentDays).toEqual({ fromDate, toDate });
  const agents = agentsOnDays(records, fromDate, toDate, service);
  expect(body.agents.map((a: any) => `${a.serviceName}/${a.agentName}`).sort()).toEqual(agents.map((a) => `${a.serviceName}/${a.agentName}`).sort());
  expect(body.trackedAgents).toBe(agents.length);
  for (const agent of agents) {
    const actual = body.agents.find((a: any) => a.serviceName === agent.serviceName && a.agentName === agent.agentName);
    const what = `agent ${agent.serviceName}/${agent.agentName}`;
    expectPerformance(actual, agent, what);
    expect(actual, what).toMatchObject({
      invocations: agent.invocations, activeUsers: agent.activeUsers, inputTokens: agent.inputTokens,
      outputTokens: agent.outputTokens, totalTokens: agent.inputTokens + agent.outputTokens,
    });
  }
}

export function analyticsContract(seeded: () => SeededApi): void {
  describe('GET /api/status/analytics', () => {
    it.each([
      ['1h', HOUR], ['24h', DAY], ['7d', 7 * DAY], ['30d', 30 * DAY], ['90d', 90 * DAY],
    ])('window=%s reports every figure of the whole hours covering the window', async (window, length) => {
      const { api, seed, now } = seeded();
      const { status, headers, body } = await api.getJson(`/api/status/analytics?window=${window}`);
      expect(status).toBe(200);
      expect(headers.get('cache-control')).toBe('no-store');
      expect(body.window.name).toBe(window);
      expectAnalytics(body, seed.records, now.getTime(), now.getTime() - length, now.getTime(), undefined);
    });

    it('has growth against the previous window, and none when there was nothing before', async () => {
      const { api } = seeded();
      const week = (await api.getJson('/api/status/analytics?window=7d')).body;
      // Traffic was seeded busier in the last two days, so the last week grew.
      expect(week.growth.requests).toBeGreaterThan(0);
      const quarter = (await api.getJson('/api/status/analytics?window=90d')).body;
      expect(quarter.growth).toEqual({ requests: null, users: null, avgResponseTime: null, p95ResponseTime: null, successRatePoints: null, cost: null });
    });

    it('filters by service and buckets hours in the asked time zone', async () => {
      const { api, seed, now } = seeded();
      const { status, body } = await api.getJson('/api/status/analytics?window=7d&service=crm&tz=Europe/Berlin');
      expect(status).toBe(200);
      expectAnalytics(body, seed.records, now.getTime(), now.getTime() - 7 * DAY, now.getTime(), 'crm', 'Europe/Berlin');
      expect(body.agents.every((a: any) => a.serviceName === 'crm')).toBe(true);
    });

    it('reads an explicit from/to range in the past, snapped outwards to whole hours', async () => {
      const { api, seed, now } = seeded();
      const from = floorHour(now.getTime() - 5 * DAY) + 10 * 60_000;
      const to = floorHour(now.getTime() - 2 * DAY) + 30 * 60_000;
      const { status, body } = await api.getJson(`/api/status/analytics?from=${iso(from)}&to=${iso(to)}&service=shop`);
      expect(status).toBe(200);
      expect(body.window.name).toBeNull();
      expectAnalytics(body, seed.records, now.getTime(), from, to, 'shop');
    });

    it('agrees with itself: the parts add up to the whole', async () => {
      const { api } = seeded();
      const all = (await api.getJson('/api/status/analytics?window=30d')).body;
      const shop = (await api.getJson('/api/status/analytics?window=30d&service=shop')).body;
      const crm = (await api.getJson('/api/status/analytics?window=30d&service=crm')).body;
      expect(shop.totalRequests + crm.totalRequests).toBe(all.totalRequests);
      expect(all.dailyTrend.reduce((n: number, d: any) => n + d.requests, 0)).toBe(all.totalRequests);
      expect(all.hourlyDistribution.reduce((n: number, d: any) => n + d.requests, 0)).toBe(all.totalRequests);
    });
  });
}
