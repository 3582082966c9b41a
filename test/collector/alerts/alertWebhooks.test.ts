/**
 * Webhooks against a real local HTTP receiver: the JSON body and its HMAC signature, retries
 * with the same delivery id after failures, outcomes kept with the event and in /metrics, and
 * no second notification after a restart on the same store. On SQLite and on MongoDB.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startTestSpanpulse, type TestSpanpulse, type TestSpanpulseOptions } from '../../support/spanpulse.js';
import { dropDatabasesAfterAll } from '../store/mongodbSupport.js';
import { BACKENDS, eventually, HookReceiver, ManualClock, MINUTE, send } from './alertHarness.js';

dropDatabasesAfterAll();
const SECRET = 'webhook-secret-of-the-test';
const RULE = { name: 'errors', metric: 'error_rate', above: 5, window: '1m', for: '0s', per: 'service', min_requests: 1 };

describe.each(BACKENDS)('alert webhooks on $name', ({ options }) => {
  const receiver = new HookReceiver();
  const dataDir = mkdtempSync(join(tmpdir(), 'spanpulse-alert-hooks-'));
  let spanpulse: TestSpanpulse | undefined;
  afterEach(async () => {
    await spanpulse?.stop();
    spanpulse = undefined;
  });
  afterAll(async () => {
    await receiver.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('signs the body, retries with one delivery id, keeps the outcome, and sends nothing twice after a restart', async () => {
    const url = await receiver.start();
    const clock = new ManualClock(30);
    // One data directory (SQLite) or database (MongoDB) for both runs.
    const store: TestSpanpulseOptions = { ...options(), env: { SPANPULSE_DATA_DIR: dataDir } };
    const start = async () => (spanpulse = await startTestSpanpulse({
      ...store, now: clock.now, alerts: { evaluation_interval: '1h', rules: [RULE], webhooks: [{ url, secret: SECRET }] },
    }));
    let sp = await start();
    receiver.failNext(503, 500);
    await send(sp, { count: 10, errors: 5, atMs: clock.now().getTime() - 20_000 });
    expect((await sp.alerts!.evaluate()).transitions).toMatchObject([{ state: 'firing' }]);
    await eventually(() => receiver.accepted.length === 1, 30_000, 'the firing notification');
    expect(receiver.received).toHaveLength(3);
    const ids = new Set(receiver.received.map((hook) => hook.headers['x-spanpulse-delivery']));
    expect(ids.size).toBe(1);
    const [hook] = receiver.accepted;
    const expected = `sha256=${createHmac('sha256', SECRET).update(hook!.body).digest('hex')}`;
    expect(hook!.headers['x-spanpulse-signature']).toBe(expected);
    expect(hook!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(hook!.body)).toEqual({
      status: 'firing', rule: 'errors', metric: 'error_rate', value: 50, threshold: 5, comparison: 'above',
      service: 'shop', endpoint: null, agent: null, provider: null, model: null, startsAt: clock.now().toISOString(), endsAt: null,
      link: `${sp.apiUrl}/status`, text: `[FIRING] errors: error rate 50 % above 5 % on service shop since ${clock.now().toISOString()}`,
    });
    await eventually(async () => {
      const { incidents } = await (await fetch(`${sp.apiUrl}/api/status/alerts`)).json();
      return incidents[0]?.notifications.sent === 1;
    }, 10_000, 'the outcome in the store');
    const metrics = await (await fetch(`${sp.apiUrl}/metrics`)).text();
    expect(metrics).toContain('spanpulse_alert_webhook_deliveries_total{outcome="sent"} 1');
    expect(metrics).toContain('spanpulse_alert_webhook_retries_total 2');
    expect(metrics).toContain('spanpulse_alerts{state="firing"} 1');

    // A restart reads the state back: still firing, nothing to send.
    await sp.stop();
    clock.advance(MINUTE);
    sp = await start();
    await send(sp, { count: 10, errors: 5, atMs: clock.now().getTime() - 20_000 });
    expect((await sp.alerts!.evaluate()).transitions).toEqual([]);
    clock.advance(MINUTE);
    await send(sp, { count: 100, atMs: clock.now().getTime() - 20_000 });
    expect((await sp.alerts!.evaluate()).transitions).toMatchObject([{ state: 'resolved' }]);
    await eventually(() => receiver.accepted.length === 2, 30_000, 'the resolved notification');
    expect(receiver.payloads().map((p) => p['status'])).toEqual(['firing', 'resolved']);
    expect(receiver.payloads()[1]).toMatchObject({ endsAt: clock.now().toISOString(), value: 0, startsAt: new Date(clock.now().getTime() - 2 * MINUTE).toISOString() });
    expect(receiver.received).toHaveLength(4);
  });
});
