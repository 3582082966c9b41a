/**
 * A store file of schema version 1 (spanpulse before the append-and-fold store) is upgraded
 * in place at start: every raw row and figure kept, repeated spans still recognised as
 * duplicates, new spans counted on top.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../../collector/store/alertTypes.js';
import { SCHEMA_VERSION } from '../../../collector/store/sqlite/schema.js';
import { SqliteStore } from '../../../collector/store/sqlite/SqliteStore.js';
import { at, day, modelCall, request } from './contract/records.js';

const dir = mkdtempSync(join(tmpdir(), 'spanpulse-upgrade-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite schema upgrade', () => {
  it('upgrades a version 1 file keeping its rows and figures, and goes on counting exactly', async () => {
    const path = join(dir, 'v1.db');
    const old = [request({ timestamp: at(10, 1), responseTime: 10, sessionId: 's1' }), request({ timestamp: at(10, 2), responseTime: 30, sessionId: 's1' })];
    const v1 = new Database(path);
    v1.exec(readFileSync(new URL('./fixtures/schemaV1.sql', import.meta.url), 'utf8'));
    const insert = v1.prepare(`INSERT INTO api_metrics (traceId, spanId, serviceName, endpoint, method, statusCode, responseTime, timestamp,
      sessionId, userId, agentName, ipAddress, userAgent, outcome, inputTokens, outputTokens) VALUES (?, ?, 'shop', '/api/items', 'GET', 200, ?, ?,
      's1', NULL, NULL, NULL, NULL, 'success', 0, 0)`);
    for (const r of old) insert.run(r.traceId, r.spanId, r.responseTime, r.timestamp.getTime());
    v1.prepare(`INSERT INTO hourly_metrics VALUES ('shop', ?, '', '', '', 2, 2, 0, 0, 40, 10, 30, '{"1":2}', 0, 0, 1)`).run(at(10).getTime());
    v1.prepare(`INSERT INTO services VALUES ('shop', ?, ?, 2)`).run(at(10, 1).getTime(), at(10, 2).getTime());
    v1.close();

    const store = new SqliteStore({ path });
    await store.start();
    try {
      const all = { from: at(0), to: at(24) };
      expect((await store.findRequests({ ...all, limit: 10 })).map((r) => r.spanId).sort()).toEqual(old.map((r) => r.spanId).sort());
      expect(await store.findRollups({ ...all, period: 'hour', level: 'service' })).toMatchObject([{ requestCount: 2, totalResponseTime: 40, activeUsers: 1 }]);
      expect(await store.write(old)).toEqual({ stored: 0, duplicates: 2, rejected: [] });
      expect(await store.write([request({ timestamp: at(10, 3), responseTime: 60, sessionId: 's2' })])).toMatchObject({ stored: 1 });
      expect(await store.findRollups({ ...all, period: 'hour', level: 'service' })).toMatchObject([{ requestCount: 3, totalResponseTime: 100, activeUsers: 2 }]);
      expect(await store.listServices()).toMatchObject([{ serviceName: 'shop', spanCount: 3 }]);
      expect(await store.findAgentDays({ fromDate: day(0), toDate: day(0) })).toEqual([]);
    } finally {
      await store.shutdown();
    }
    const upgraded = new Database(path, { readonly: true });
    expect(upgraded.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(upgraded.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name LIKE '%_v1'").get()).toEqual({ n: 0 });
    upgraded.close();
  });

  it('upgrades a version 2 file (no model-call tables) keeping its rows, and counts model calls afterwards', async () => {
    const path = join(dir, 'v2.db');
    const first = new SqliteStore({ path });
    await first.start();
    const kept = request({ timestamp: at(10, 1), sessionId: 's1' });
    await first.write([kept]);
    await first.shutdown();
    // What version 2 had: everything but the tables version 3 added.
    const v2 = new Database(path);
    v2.exec(`DROP TABLE model_calls; DROP TABLE model_metrics; DROP TABLE genai_pending; DELETE FROM fold_state WHERE rawTable = 'model_calls';
      ALTER TABLE api_metrics DROP COLUMN conversationId; ALTER TABLE agent_invocations DROP COLUMN conversationId`);
    v2.pragma('user_version = 2');
    v2.close();

    const store = new SqliteStore({ path });
    await store.start();
    try {
      expect(await store.write([kept])).toEqual({ stored: 0, duplicates: 1, rejected: [] });
      const withConversation = request({ timestamp: at(10, 3), conversationId: 'conv-9' });
      await store.write([withConversation]);
      expect((await store.findRequests({ from: at(0), to: at(24), limit: 10 })).map((r) => r.conversationId)).toEqual(['conv-9', null]);
      expect(await store.write([modelCall({ timestamp: at(10, 2), costNanos: 5 })])).toEqual({ stored: 1, duplicates: 0, rejected: [] });
      expect((await store.findModelDays({ fromDate: day(0), toDate: day(0) })).map((d) => [d.callCount, d.costNanos])).toEqual([[1, 5]]);
      expect(await store.listServices()).toMatchObject([{ serviceName: 'shop', spanCount: 3 }]);
    } finally {
      await store.shutdown();
    }
    const upgraded = new Database(path, { readonly: true });
    expect(upgraded.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    upgraded.close();
  });

  it('upgrades a version 3 file (alert events without provider and model): its alerts go on, groups per model are stored', async () => {
    const path = join(dir, 'v3.db');
    const firing = (rule: string, groupKey: string, seq: number, more: Partial<AlertEvent> = {}): AlertEvent => ({
      rule, groupKey, seq, state: 'firing', at: at(10), metric: 'tokens', service: 'shop', endpoint: null, agent: null, provider: null, model: null,
      comparison: 'above', threshold: 100, value: 150, peakValue: 150, since: at(10), firingSince: at(10), deliveries: [], ...more,
    });
    const old = firing('shop-tokens', JSON.stringify(['shop', null, null]), 1);
    const first = new SqliteStore({ path });
    await first.start();
    await first.addAlertEvents([old]);
    await first.shutdown();
    // What version 3 had: alert_events without the columns version 4 added.
    const v3 = new Database(path);
    v3.exec('ALTER TABLE alert_events DROP COLUMN provider; ALTER TABLE alert_events DROP COLUMN model');
    v3.pragma('user_version = 3');
    v3.close();

    const store = new SqliteStore({ path });
    await store.start();
    try {
      expect(await store.currentAlertEvents()).toEqual([old]);
      // The stored firing alert is the state its next transition follows: number 2 of the same group.
      expect(await store.addAlertEvents([{ ...old, seq: 1, state: 'resolved' }])).toEqual([false]);
      const perModel = firing('model-tokens', JSON.stringify(['shop', null, null, 'openai', 'gpt-4o']), 1, { provider: 'openai', model: 'gpt-4o' });
      expect(await store.addAlertEvents([{ ...old, seq: 2, state: 'resolved', at: at(11) }, perModel])).toEqual([true, true]);
      expect((await store.currentAlertEvents()).sort((a, b) => a.rule.localeCompare(b.rule))).toEqual([perModel, { ...old, seq: 2, state: 'resolved', at: at(11) }]);
    } finally {
      await store.shutdown();
    }
    const upgraded = new Database(path, { readonly: true });
    expect(upgraded.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    upgraded.close();
  });
});
