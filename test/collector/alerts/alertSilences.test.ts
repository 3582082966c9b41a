/**
 * Silences through the API: refused (403) while no SPANPULSE_API_TOKEN is configured, 401
 * without it when it is; created with `for` or from/to, listed with the alerts, removed. A
 * silence stops the notification but not the state or the history. On SQLite and on MongoDB.
 */
import { describe, expect, it } from 'vitest';
import type { TestSpanpulse } from '../../support/spanpulse.js';
import { dropDatabasesAfterAll } from '../store/mongodbSupport.js';
import { BACKENDS, eventually, ManualClock, MINUTE, send, useAlertSpanpulse } from './alertHarness.js';

dropDatabasesAfterAll();
const TOKEN = 'admin-token-of-the-test';
const RULE = { name: 'errors', metric: 'error_rate', above: 5, window: '1m', for: '0s', per: 'service', min_requests: 1 };

describe.each(BACKENDS)('silences on $name', ({ options }) => {
  const { receiver, start } = useAlertSpanpulse();

  const post = (sp: TestSpanpulse, body: unknown, token?: string) => fetch(`${sp.apiUrl}/api/status/silences`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) }, body: JSON.stringify(body),
  });

  it('cannot be changed without a configured token', async () => {
    const sp = await start({ ...options(), alerts: { rules: [RULE] } });
    expect((await post(sp, { for: '2h', comment: 'deploy' })).status).toBe(403);
    expect((await post(sp, { for: '2h', comment: 'deploy' }, 'anything')).status).toBe(403);
    expect((await fetch(`${sp.apiUrl}/api/status/silences/x`, { method: 'DELETE' })).status).toBe(403);
    expect((await (await fetch(`${sp.apiUrl}/api/status/alerts`)).json()).silences).toEqual([]);
  });

  it('with the token: created, listed, covering a firing alert without notifying, removed', async () => {
    const url = await receiver.start();
    const clock = new ManualClock(30);
    const sp = await start({
      ...options(), now: clock.now, statusApi: { auth: { bearer_token: TOKEN } },
      alerts: { evaluation_interval: '1h', rules: [RULE], webhooks: [{ url, secret: '' }] },
    });
    expect((await post(sp, { for: '2h', comment: 'deploy' })).status).toBe(401);
    expect((await post(sp, { for: '2h', comment: 'deploy' }, 'wrong')).status).toBe(401);
    const bad = await post(sp, { for: '2h', comment: 'deploy', color: 'red' }, TOKEN);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/color: unknown field/);
    expect((await post(sp, { comment: 'forever' }, TOKEN)).status).toBe(400);
    expect((await post(sp, { rule: 'nope', for: '1h', comment: 'x' }, TOKEN)).status).toBe(400);

    const created = await post(sp, { rule: 'errors', service: 'shop', for: '2h', comment: 'deploy of 1.2' }, TOKEN);
    expect(created.status).toBe(201);
    const silence = await created.json();
    expect(silence).toEqual({
      id: expect.any(String), rule: 'errors', service: 'shop', endpoint: null, agent: null,
      from: clock.now().toISOString(), to: new Date(clock.now().getTime() + 2 * 3_600_000).toISOString(), comment: 'deploy of 1.2',
    });
    const later = await post(sp, { service: 'other', from: new Date(clock.now().getTime() + 3_600_000).toISOString(),
      to: new Date(clock.now().getTime() + 7_200_000).toISOString(), comment: 'window' }, TOKEN);
    expect(later.status).toBe(201);

    await send(sp, { count: 10, errors: 5, atMs: clock.now().getTime() - 20_000 });
    expect((await sp.alerts!.evaluate()).transitions).toMatchObject([{ state: 'firing', deliveries: [{ outcome: 'silenced' }] }]);
    const status = await (await fetch(`${sp.apiUrl}/api/status`)).json();
    expect(status.alerts.active).toMatchObject([{ rule: 'errors', state: 'firing', silenced: true }]);
    const listed = await (await fetch(`${sp.apiUrl}/api/status/alerts`)).json();
    expect(listed.silences.map((s: { id: string }) => s.id)).toEqual([silence.id, (await later.json()).id]);
    expect(listed.incidents).toMatchObject([{ rule: 'errors', endsAt: null, notifications: { sent: 0, failed: 0 } }]);
    expect(await (await fetch(`${sp.apiUrl}/metrics`)).text()).toContain('spanpulse_alert_webhook_deliveries_total{outcome="silenced"} 1');

    const removed = await fetch(`${sp.apiUrl}/api/status/silences/${silence.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(removed.status).toBe(204);
    expect((await fetch(`${sp.apiUrl}/api/status/silences/${silence.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
    expect((await (await fetch(`${sp.apiUrl}/api/status`)).json()).alerts.active).toMatchObject([{ silenced: false }]);

    // Unsilenced, the resolution is notified.
    clock.advance(MINUTE);
    await send(sp, { count: 50, atMs: clock.now().getTime() - 20_000 });
    expect((await sp.alerts!.evaluate()).transitions).toMatchObject([{ state: 'resolved' }]);
    await eventually(() => receiver.accepted.length === 1, 30_000, 'the resolved notification');
    expect(receiver.payloads()).toMatchObject([{ status: 'resolved', rule: 'errors' }]);
  });
});
