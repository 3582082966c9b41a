/**
 * /api/status/sessions and /api/status/sessions/:id against the seeded traffic (sessions over
 * 16 days, agents by route and attribute, tokens on server spans or on their invoke_agent
 * child): every session of a window paged through by cursor with its figures from the records;
 * a timeline; parameter errors; and retention removing a session's older requests.
 */
import { describe, expect, it } from 'vitest';
import { pinnedNow, RETENTION, startApiHarness, type SpanpulseFactory } from '../support/apiHarness.js';
import { seedTraffic, type SeedRecord } from '../support/seedTraffic.js';
import type { SeededApi } from './useSeededApi.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface ExpectedSession {
  serviceName: string;
  sessionId: string;
  requests: number;
  errors: number;
  clientErrors: number;
  agents: string[];
  inputTokens: number;
  outputTokens: number;
  firstMs: number;
  lastMs: number;
  /** Start times of its requests, in order. */
  starts: number[];
}

/** Per session: its requests, and tokens from the request or, when it has one, its invoke_agent child (the record after it). */
function expectedSessions(records: readonly SeedRecord[]): Map<string, ExpectedSession> {
  const sessions = new Map<string, ExpectedSession>();
  records.forEach((record, i) => {
    if (record.kind !== 'request' || record.session === null) return;
    const key = `${record.service}/${record.session}`;
    let s = sessions.get(key);
    if (s === undefined) {
      s = { serviceName: record.service, sessionId: record.session, requests: 0, errors: 0, clientErrors: 0, agents: [], inputTokens: 0, outputTokens: 0, firstMs: Infinity, lastMs: -Infinity, starts: [] };
      sessions.set(key, s);
    }
    const child = records[i + 1]?.kind === 'invocation' ? records[i + 1]! : null;
    s.requests += 1;
    if (record.outcome === 'error') s.errors += 1;
    if (record.outcome === 'client_error') s.clientErrors += 1;
    if (record.agent !== null && !s.agents.includes(record.agent)) s.agents = [...s.agents, record.agent].sort();
    s.inputTokens += record.inputTokens + (child?.inputTokens ?? 0);
    s.outputTokens += record.outputTokens + (child?.outputTokens ?? 0);
    s.firstMs = Math.min(s.firstMs, record.startMs);
    s.lastMs = Math.max(s.lastMs, record.startMs + record.durationMs);
    s.starts.push(record.startMs);
  });
  for (const s of sessions.values()) s.starts.sort((a, b) => a - b);
  return sessions;
}

async function allPages(get: (path: string) => Promise<{ status: number; body: any }>, path: string): Promise<{ sessions: any[]; pages: number }> {
  const sessions: any[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const { status, body } = await get(`${path}${cursor === null ? '' : `&cursor=${cursor}`}`);
    expect(status).toBe(200);
    sessions.push(...body.sessions);
    cursor = body.nextCursor;
    pages += 1;
    expect(pages).toBeLessThan(100);
  } while (cursor !== null);
  return { sessions, pages };
}

export function sessionsContract(seeded: () => SeededApi): void {
  describe('GET /api/status/sessions', () => {
    it('pages through every session of the window, latest activity first, with figures from its requests', async () => {
      const { api, seed, now } = seeded();
      const expected = expectedSessions(seed.records);
      const from = Math.floor((now.getTime() - 2 * DAY) / HOUR) * HOUR;
      const inWindow = [...expected.values()].filter((s) => s.lastMs >= from);
      expect(inWindow.length, 'sessions in the window').toBeGreaterThan(10);

      const { sessions, pages } = await allPages(api.getJson, '/api/status/sessions?window=7d&limit=7');
      const { sessions: twoDays } = await allPages(api.getJson, `/api/status/sessions?from=${new Date(from).toISOString()}&limit=7`);
      expect(pages).toBeGreaterThan(1);
      expect(twoDays.map((s) => `${s.serviceName}/${s.sessionId}`).sort()).toEqual(inWindow.map((s) => `${s.serviceName}/${s.sessionId}`).sort());
      const times = sessions.map((s) => Date.parse(s.lastActivity));
      expect(times).toEqual([...times].sort((a, b) => b - a));
      expect(new Set(sessions.map((s) => `${s.serviceName}/${s.sessionId}`)).size).toBe(sessions.length);
      for (const s of sessions) {
        const e = expected.get(`${s.serviceName}/${s.sessionId}`)!;
        expect(s, s.sessionId).toMatchObject({
          requests: e.requests, errors: e.errors, clientErrors: e.clientErrors, agents: e.agents, inputTokens: e.inputTokens,
          outputTokens: e.outputTokens, totalTokens: e.inputTokens + e.outputTokens, modelCalls: 0, cost: null,
          firstActivity: new Date(e.firstMs).toISOString(),
          retained: { requests: e.requests, complete: true, removedByRetention: 0 },
        });
        expect(Date.parse(s.lastActivity)).toBe(Math.floor(e.lastMs));
        expect(s.durationMs).toBe(Date.parse(s.lastActivity) - Date.parse(s.firstActivity));
      }
    });

    it('filters by service and by agent', async () => {
      const { api, seed } = seeded();
      const expected = [...expectedSessions(seed.records).values()];
      const crm = await allPages(api.getJson, '/api/status/sessions?window=30d&service=crm&limit=50');
      expect(crm.sessions.map((s) => s.sessionId).sort()).toEqual(expected.filter((s) => s.serviceName === 'crm').map((s) => s.sessionId).sort());
      const agent = expected.flatMap((s) => s.agents)[0]!;
      const byAgent = await allPages(api.getJson, `/api/status/sessions?window=30d&agent=${encodeURIComponent(agent)}&limit=3`);
      expect(byAgent.sessions.map((s) => `${s.serviceName}/${s.sessionId}`).sort())
        .toEqual(expected.filter((s) => s.agents.includes(agent)).map((s) => `${s.serviceName}/${s.sessionId}`).sort());
    });

    it.each([
      ['/api/status/sessions?window=2h', /unknown window "2h"/],
      ['/api/status/sessions?limit=0', /limit must be a whole number from 1 to 200/],
      ['/api/status/sessions?limit=201', /limit must be a whole number from 1 to 200/],
      ['/api/status/sessions?cursor=abc', /cursor must be a nextCursor value/],
      [`/api/status/sessions?cursor=${Buffer.from('{"a":1}').toString('base64url')}`, /cursor must be a nextCursor value/],
      [`/api/status/sessions?cursor=${Buffer.from('[1.5,"shop","s"]').toString('base64url')}`, /cursor must be a nextCursor value/],
      ['/api/status/sessions?cursor=%2F%2F', /cursor must be a nextCursor value/],
      ['/api/status/sessions?service=nope', /unknown service "nope"/],
      ['/api/status/sessions?agent=', /agent must be an agent name/],
      ['/api/status/sessions?offset=3', /unknown parameter "offset"/],
      ['/api/status/sessions?limit=3&limit=4', /given once/],
      ['/api/status/sessions/s-shop-1?window=24h', /unknown parameter "window"; allowed: service, limit/],
      ['/api/status/sessions/s-shop-1?limit=0', /limit must be a whole number/],
      ['/api/status/sessions/s-shop-1?service=nope', /unknown service "nope"/],
    ])('%s is a 400 that says what is wrong', async (path, message) => {
      const { status, body } = await seeded().api.getJson(path);
      expect(status).toBe(400);
      expect(body.error).toMatch(message);
    });
  });

  describe('GET /api/status/sessions/:id', () => {
    it("lists the session's requests in order with their figures; an unknown id is a 404", async () => {
      const { api, seed } = seeded();
      const longest = [...expectedSessions(seed.records).values()].sort((a, b) => b.requests - a.requests)[0]!;
      const { status, body } = await api.getJson(`/api/status/sessions/${encodeURIComponent(longest.sessionId)}`);
      expect(status).toBe(200);
      expect(body.session).toMatchObject({ serviceName: longest.serviceName, sessionId: longest.sessionId, requests: longest.requests, inputTokens: longest.inputTokens });
      expect(body.requests.map((r: any) => Date.parse(r.time))).toEqual(longest.starts);
      expect(body.requests.reduce((n: number, r: any) => n + r.inputTokens, 0)).toBe(longest.inputTokens);
      expect(body.requests[0]).toEqual(expect.objectContaining({ method: expect.any(String), route: expect.any(String), statusCode: expect.any(Number), durationMs: expect.any(Number) }));
      expect(body.more).toBe(false);
      const first = await api.getJson(`/api/status/sessions/${encodeURIComponent(longest.sessionId)}?service=${longest.serviceName}&limit=2`);
      expect(first.body.requests.map((r: any) => Date.parse(r.time))).toEqual(longest.starts.slice(0, 2));
      expect(first.body.more).toBe(true);

      for (const path of ['/api/status/sessions/nobody', `/api/status/sessions/${encodeURIComponent(longest.sessionId)}?service=${longest.serviceName === 'shop' ? 'crm' : 'shop'}`]) {
        const missing = await api.getJson(path);
        expect(missing.status, path).toBe(404);
        expect(missing.body.error).toMatch(/no session/);
      }
    });
  });
}

export function sessionRetentionContract(factory: SpanpulseFactory): void {
  describe('sessions after retention removed their older requests', () => {
    it('counts the retained requests and says how many were removed', async () => {
      const now = pinnedNow();
      const retention = { ...RETENTION, apiMetricsMs: DAY };
      const api = await startApiHarness(factory, now, undefined, retention);
      try {
        const seed = seedTraffic({ now, hours: 72, seed: 7 });
        await api.send(seed.specs);
        await api.spanpulse.store.deleteExpired(now, retention);
        const cutoff = now.getTime() - DAY;
        const expected = [...expectedSessions(seed.records).values()].filter((s) => s.firstMs < cutoff && s.lastMs >= cutoff)
          .sort((a, b) => b.requests - a.requests)[0]!;
        const kept = expected.starts.filter((start) => start >= cutoff);
        const { body } = await api.getJson(`/api/status/sessions/${encodeURIComponent(expected.sessionId)}`);
        expect(body.session).toMatchObject({
          requests: expected.requests,
          retained: { requests: kept.length, complete: false, removedByRetention: expected.requests - kept.length, rawFrom: new Date(cutoff).toISOString() },
        });
        expect(kept.length).toBeLessThan(expected.requests);
        expect(body.requests.map((r: any) => Date.parse(r.time))).toEqual(kept);
      } finally {
        await api.close();
      }
    }, 120_000);
  });
}
