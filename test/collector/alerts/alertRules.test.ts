/**
 * The shipped rules and no_data, end to end: real spans through the receiver into the store,
 * the evaluator stepped with a clock the test moves, the state read back through the status
 * API. Each default rule pends, fires and resolves at the evaluation where it should; `for`
 * and `min_requests` are honoured. On SQLite and on MongoDB.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EvaluationSummary } from '../../../collector/alerts/AlertEvaluator.js';
import { startTestSpanpulse, type TestSpanpulse } from '../../support/spanpulse.js';
import { dropDatabasesAfterAll } from '../store/mongodbSupport.js';
import { BACKENDS, evaluateAfterSend, ManualClock, MINUTE, send, shippedRule } from './alertHarness.js';

dropDatabasesAfterAll();

describe.each(BACKENDS)('alert rules on $name', ({ options }) => {
  let spanpulse: TestSpanpulse | undefined;
  afterEach(async () => {
    await spanpulse?.stop();
    spanpulse = undefined;
  });

  async function start(clock: ManualClock, ...rules: Record<string, unknown>[]): Promise<TestSpanpulse> {
    spanpulse = await startTestSpanpulse({ ...options(), now: clock.now, alerts: { evaluation_interval: '1h', rules } });
    return spanpulse;
  }
  const states = (summary: EvaluationSummary) => summary.transitions.map((t) => [t.state, t.service, t.endpoint]);
  const active = async (sp: TestSpanpulse) => ((await (await fetch(`${sp.apiUrl}/api/status`)).json()) as { alerts: { active: unknown[] } }).alerts.active;

  it('high-error-rate: no verdict under 20 requests, pending, firing after 2 min, resolved', async () => {
    const clock = new ManualClock(40);
    const sp = await start(clock, shippedRule('high-error-rate'));
    const minute = async (count: number, errors: number) => {
      await send(sp, { count, errors, atMs: clock.now().getTime() - 20_000 });
      return evaluateAfterSend(() => sp.alerts!.evaluate());
    };
    expect(states(await minute(10, 4))).toEqual([]); // 10 requests in the window: fewer than min_requests
    clock.advance(MINUTE);
    const pending = await minute(10, 4);
    expect(pending.transitions).toMatchObject([{ state: 'pending', rule: 'high-error-rate', service: 'shop', value: 40, comparison: 'above', threshold: 5 }]);
    expect(await active(sp)).toEqual([{
      rule: 'high-error-rate', metric: 'error_rate', state: 'pending', silenced: false, service: 'shop', endpoint: null, agent: null, provider: null, model: null,
      value: 40, threshold: 5, comparison: 'above', since: clock.now().toISOString(),
    }]);
    clock.advance(MINUTE);
    expect(states(await minute(10, 4))).toEqual([]); // held 1 min of the 2
    clock.advance(MINUTE);
    expect(states(await minute(10, 4))).toEqual([['firing', 'shop', null]]);
    expect(await active(sp)).toMatchObject([{ state: 'firing', since: clock.now().toISOString() }]);
    clock.advance(MINUTE);
    // 16 errors of 340 requests in the 5 minutes: 4.7 %.
    const resolved = await minute(300, 0);
    expect(resolved.transitions).toMatchObject([{ state: 'resolved', value: (100 * 16) / 340, peakValue: 40 }]);
    expect(await active(sp)).toEqual([]);
    const history = await (await fetch(`${sp.apiUrl}/api/status/alerts?window=24h`)).json();
    expect(history.incidents).toEqual([{
      rule: 'high-error-rate', metric: 'error_rate', service: 'shop', endpoint: null, agent: null, provider: null, model: null,
      startsAt: new Date(clock.now().getTime() - MINUTE).toISOString(), endsAt: clock.now().toISOString(), durationMs: MINUTE,
      peakValue: 40, notifications: { sent: 0, failed: 0 },
    }]);
  });

  it('slow-p95: per endpoint, firing after 5 min, resolved once the window is fast', async () => {
    const clock = new ManualClock(40);
    const sp = await start(clock, shippedRule('slow-p95'));
    const minute = async (slow: number, fastOnSlow = 0) => {
      const atMs = clock.now().getTime() - 20_000;
      await send(sp, { route: '/slow', count: slow, durationMs: 1500, atMs }, { route: '/slow', count: fastOnSlow, durationMs: 10, atMs: atMs + 1000 },
        { route: '/fast', count: 25, durationMs: 10, atMs });
      return evaluateAfterSend(() => sp.alerts!.evaluate());
    };
    expect(states(await minute(25))).toEqual([['pending', 'shop', 'GET /slow']]);
    for (let i = 1; i <= 4; i++) {
      clock.advance(MINUTE);
      expect(states(await minute(25))).toEqual([]);
    }
    clock.advance(MINUTE);
    const firing = await minute(25);
    expect(firing.transitions).toMatchObject([{ state: 'firing', endpoint: 'GET /slow' }]);
    // Within the histogram's relative error of the true 1500 ms.
    expect(Math.abs(firing.transitions[0]!.value! - 1500) / 1500).toBeLessThan(0.05);
    clock.advance(MINUTE);
    expect(states(await minute(0, 2000))).toEqual([['resolved', 'shop', 'GET /slow']]);
  });

  it('low-active-users: fewer than 5 sessions in 30 min, firing after 15 min, resolved when more come', async () => {
    const clock = new ManualClock(50);
    const sp = await start(clock, shippedRule('low-active-users'));
    await send(sp, { count: 3, atMs: clock.now().getTime() - 20_000 });
    expect((await evaluateAfterSend(() => sp.alerts!.evaluate())).transitions).toMatchObject([{ state: 'pending', service: 'shop', value: 3, comparison: 'below' }]);
    clock.advance(14 * MINUTE);
    expect(states(await sp.alerts!.evaluate())).toEqual([]);
    clock.advance(MINUTE);
    expect(states(await sp.alerts!.evaluate())).toEqual([['firing', 'shop', null]]);
    clock.advance(MINUTE);
    await send(sp, { count: 6, atMs: clock.now().getTime() - 20_000 });
    expect((await evaluateAfterSend(() => sp.alerts!.evaluate())).transitions).toMatchObject([{ state: 'resolved', value: 9, peakValue: 3 }]);
  });

  it('no_data: fires for the service that stopped sending, resolves when it sends again', async () => {
    const clock = new ManualClock(40);
    const sp = await start(clock, { name: 'silent', metric: 'no_data', window: '5m', per: 'service' });
    const both = async (...services: string[]) => {
      await send(sp, ...services.map((service) => ({ service, count: 2, atMs: clock.now().getTime() - 20_000 })));
      return evaluateAfterSend(() => sp.alerts!.evaluate());
    };
    expect(states(await both('a', 'b'))).toEqual([]);
    clock.advance(3 * MINUTE);
    expect(states(await both('b'))).toEqual([]);
    clock.advance(3 * MINUTE);
    const firing = await both('b');
    expect(firing.transitions).toMatchObject([{ state: 'firing', service: 'a', comparison: 'above', threshold: 5 * MINUTE }]);
    expect(firing.transitions[0]!.value).toBeGreaterThan(6 * MINUTE);
    clock.advance(MINUTE);
    expect(states(await both('a', 'b'))).toEqual([['resolved', 'a', null]]);
  });
});
