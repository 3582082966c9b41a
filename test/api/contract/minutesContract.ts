/**
 * /api/status/minutes: the last 60 UTC minutes of requests, errors and p95, from the seeded
 * traffic and from spans of known minutes sent to a spanpulse of its own (endpoints split by
 * agent summed up, services apart, quiet minutes as zero, the minute retention honoured).
 */
import { describe, expect, it } from 'vitest';
import { serverSpan } from '../../support/otelSpans.js';
import { pinnedNow, RETENTION, startApiHarness, type SpanpulseFactory } from '../support/apiHarness.js';
import { nearestRank, requestsIn } from '../support/expectedFigures.js';
import { expectPercentile } from '../support/expectations.js';
import type { SeedRecord } from '../support/seedTraffic.js';
import type { SeededApi } from './useSeededApi.js';

const MINUTE = 60_000;

interface Expected {
  start: string;
  requests: number;
  errors: number;
  p95: number | null;
}

/** Per minute from `from`, the slow and obvious way. */
function expectedMinutes(records: readonly SeedRecord[], from: number, count: number, keep: (r: SeedRecord) => boolean): Expected[] {
  return Array.from({ length: count }, (_, i) => {
    const start = from + i * MINUTE;
    const inMinute = requestsIn(records, { from: start, to: start + MINUTE }).filter(keep);
    return {
      start: new Date(start).toISOString(),
      requests: inMinute.length,
      errors: inMinute.filter((r) => r.outcome === 'error').length,
      p95: nearestRank(inMinute.map((r) => r.durationMs), 0.95),
    };
  });
}

function expectMinutes(actual: any[], expected: Expected[], what: string): void {
  expect(actual.map((m) => [m.start, m.requests, m.errors]), what).toEqual(expected.map((m) => [m.start, m.requests, m.errors]));
  actual.forEach((m, i) => expectPercentile(m.p95ResponseTime, expected[i]!.p95, `${what} p95 of ${m.start}`));
}

export function minutesContract(seeded: () => SeededApi): void {
  describe('GET /api/status/minutes', () => {
    it('lists the last 60 UTC minutes of the platform, the minute in progress last', async () => {
      const { api, seed, now } = seeded();
      const to = Math.floor(now.getTime() / MINUTE) * MINUTE + MINUTE;
      const { status, headers, body } = await api.getJson('/api/status/minutes');
      expect(status).toBe(200);
      expect(headers.get('cache-control')).toBe('no-store');
      expect(body).toMatchObject({ from: new Date(to - 60 * MINUTE).toISOString(), to: new Date(to).toISOString(), service: null, method: null, route: null, usingRealData: true });
      const expected = expectedMinutes(seed.records, to - 60 * MINUTE, 60, () => true);
      expectMinutes(body.minutes, expected, 'platform');
      // The seed has busy and quiet minutes in the last hour, so both cases are checked.
      expect(expected.some((m) => m.requests > 0) && expected.some((m) => m.requests === 0)).toBe(true);
    });

    it('narrows to a service and to one endpoint of it', async () => {
      const { api, seed, now } = seeded();
      const from = Math.floor(now.getTime() / MINUTE) * MINUTE - 59 * MINUTE;
      const crm = await api.getJson('/api/status/minutes?service=crm');
      expect(crm.body.service).toBe('crm');
      expectMinutes(crm.body.minutes, expectedMinutes(seed.records, from, 60, (r) => r.service === 'crm'), 'crm');
      const chat = await api.getJson(`/api/status/minutes?${new URLSearchParams({ service: 'shop', method: 'POST', route: '/api/agents/:agent/chat' })}`);
      expect(chat.body).toMatchObject({ service: 'shop', method: 'POST', route: '/api/agents/:agent/chat' });
      expectMinutes(chat.body.minutes, expectedMinutes(seed.records, from, 60,
        (r) => r.service === 'shop' && r.method === 'POST' && r.endpoint === '/api/agents/:agent/chat'), 'shop chat');
    });

    it.each([
      ['/api/status/minutes?window=1h', /unknown parameter "window"; allowed: service, method, route/],
      ['/api/status/minutes?service=nope', /unknown service "nope"; known services: crm, shop/],
      ['/api/status/minutes?method=get&route=/api/products', /method must be an upper-case HTTP method/],
      ['/api/status/minutes?route=/a&route=/b', /given once/],
    ])('%s is a 400 that says what is allowed', async (path, message) => {
      const { status, body } = await seeded().api.getJson(path);
      expect(status).toBe(400);
      expect(body.error).toMatch(message);
    });
  });
}

export function minutesOfKnownSpansContract(factory: SpanpulseFactory): void {
  describe('GET /api/status/minutes on spans of known minutes', () => {
    it('sums agents and services per minute, shows quiet minutes as zero, and stops at the minute retention', async () => {
      const now = pinnedNow();
      // 30 minutes kept: the answer starts at the first whole minute inside them.
      const api = await startApiHarness(factory, now, undefined, { ...RETENTION, minuteMetricsMs: 30 * MINUTE });
      try {
        const minute = Math.floor(now.getTime() / MINUTE) * MINUTE;
        const chat = (minutesAgo: number, second: number, durationMs: number, status: number, agent: string) => serverSpan({
          service: 'shop', method: 'POST', route: '/api/chat', status, startMs: minute - minutesAgo * MINUTE + second * 1000, durationMs, agent,
        });
        await api.send([
          chat(3, 1, 100, 200, 'alpha'), chat(3, 2, 200, 500, 'beta'), chat(3, 3, 300, 200, 'beta'),
          chat(0, 1, 40, 503, 'alpha'),
          serverSpan({ service: 'shop', method: 'GET', route: '/api/chat', status: 200, startMs: minute - 3 * MINUTE, durationMs: 7 }),
          serverSpan({ service: 'blog', route: '/posts', status: 200, startMs: minute - 3 * MINUTE + 500, durationMs: 5000 }),
          // Outside the 30 minutes kept: not in any answer.
          serverSpan({ service: 'blog', route: '/posts', status: 500, startMs: minute - 40 * MINUTE, durationMs: 5 }),
        ]);
        const from = Math.ceil((now.getTime() - 30 * MINUTE) / MINUTE) * MINUTE;
        const count = (minute + MINUTE - from) / MINUTE;
        const series = (figures: Record<number, [number, number, number]>) => Array.from({ length: count }, (_, i) => {
          const minutesAgo = (minute - from) / MINUTE - i;
          const [requests, errors, p95] = figures[minutesAgo] ?? [0, 0, null];
          return { start: new Date(from + i * MINUTE).toISOString(), requests, errors, p95 };
        });

        const platform = (await api.getJson('/api/status/minutes')).body;
        expect(platform.from).toBe(new Date(from).toISOString());
        expect(platform.minutes).toHaveLength(count);
        expectMinutes(platform.minutes, series({ 3: [5, 1, 5000], 0: [1, 1, 40] }), 'platform');
        const shop = (await api.getJson('/api/status/minutes?service=shop')).body;
        expectMinutes(shop.minutes, series({ 3: [4, 1, 300], 0: [1, 1, 40] }), 'shop');
        const postChat = (await api.getJson('/api/status/minutes?service=shop&method=POST&route=/api/chat')).body;
        expectMinutes(postChat.minutes, series({ 3: [3, 1, 300], 0: [1, 1, 40] }), 'POST /api/chat');
        // A route without a method: every method of it; without a service: every service's.
        const anyChat = (await api.getJson('/api/status/minutes?route=/api/chat')).body;
        expectMinutes(anyChat.minutes, series({ 3: [4, 1, 300], 0: [1, 1, 40] }), 'any /api/chat');
        const unknown = (await api.getJson('/api/status/minutes?service=shop&method=GET&route=/nothing')).body;
        expectMinutes(unknown.minutes, series({}), 'an endpoint without requests');
      } finally {
        await api.close();
      }
    });
  });
}
