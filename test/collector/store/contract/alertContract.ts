/** Contract: alert transitions (state and history), their deliveries and silences (collector/store/alertTypes.ts). */
import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../../../collector/store/alertTypes.js';
import type { Retention } from '../../../../collector/store/types.js';
import { at } from './records.js';
import { useStore, type StoreFactory } from './useStore.js';

const group = JSON.stringify(['shop', null, null]);

function event(seq: number, state: AlertEvent['state'], hour: number, overrides: Partial<AlertEvent> = {}): AlertEvent {
  return {
    rule: 'high-error-rate', groupKey: group, seq, state, at: at(hour), metric: 'error_rate', service: 'shop', endpoint: null, agent: null,
    provider: null, model: null, comparison: 'above', threshold: 5, value: 12.5, peakValue: 12.5, since: at(hour), firingSince: state === 'firing' || state === 'resolved' ? at(hour) : null,
    deliveries: [], ...overrides,
  };
}

export function alertContract(createStore: StoreFactory): void {
  describe('alert events', () => {
    const store = useStore(createStore);

    it('takes transition n of a rule and group once; the latest is the current state', async () => {
      expect(await store().currentAlertEvents()).toEqual([]);
      expect(await store().addAlertEvents([])).toEqual([]);
      expect(await store().addAlertEvents([event(1, 'pending', 10)])).toEqual([true]);
      const other = event(1, 'pending', 11, { groupKey: JSON.stringify(['shop', 'GET /a', null]), endpoint: 'GET /a' });
      expect(await store().addAlertEvents([event(1, 'cancelled', 10), other])).toEqual([false, true]);
      expect(await store().addAlertEvents([event(2, 'firing', 11)])).toEqual([true]);
      const current = await store().currentAlertEvents();
      expect(current.sort((a, b) => a.groupKey.localeCompare(b.groupKey))).toEqual([event(2, 'firing', 11), other].sort((a, b) => a.groupKey.localeCompare(b.groupKey)));
    });

    it('keeps the provider and model of a group per model; the same rule and transition of two models are two events', async () => {
      const ofModel = (model: string) => event(1, 'firing', 10, {
        rule: 'model-tokens', metric: 'tokens', groupKey: JSON.stringify(['shop', null, null, 'openai', model]), provider: 'openai', model,
      });
      expect(await store().addAlertEvents([ofModel('gpt-4o'), ofModel('gpt-4o-mini')])).toEqual([true, true]);
      expect(await store().addAlertEvents([ofModel('gpt-4o')])).toEqual([false]);
      const current = (await store().currentAlertEvents()).sort((a, b) => String(a.model).localeCompare(String(b.model)));
      expect(current).toEqual([ofModel('gpt-4o'), ofModel('gpt-4o-mini')]);
    });

    it('notes values and deliveries on an event, and finds events by time and state, newest first', async () => {
      await store().addAlertEvents([event(1, 'firing', 10)]);
      await store().updateAlertValues([{ key: { rule: 'high-error-rate', groupKey: group, seq: 1 }, value: 20, peakValue: 30 }]);
      await store().updateAlertValues([]);
      const delivery = { url: 'http://127.0.0.1:9/hook', deliveryId: 'd1', outcome: 'sent' as const, attempts: 2, lastStatus: 200, lastError: null, at: at(10, 1) };
      await store().setAlertDeliveries({ rule: 'high-error-rate', groupKey: group, seq: 1 }, [delivery]);
      await store().addAlertEvents([event(2, 'resolved', 12, { value: 1 })]);
      expect(await store().findAlertEvents(at(0), ['firing', 'resolved'])).toEqual([
        event(2, 'resolved', 12, { value: 1 }),
        event(1, 'firing', 10, { value: 20, peakValue: 30, deliveries: [delivery] }),
      ]);
      expect(await store().findAlertEvents(at(11), ['firing', 'resolved'])).toHaveLength(1);
      expect(await store().findAlertEvents(at(0), ['pending'])).toEqual([]);
    });

    it('retention deletes old events but the latest of each rule and group', async () => {
      await store().addAlertEvents([event(1, 'firing', 1)]);
      await store().addAlertEvents([event(2, 'resolved', 2)]);
      const retention: Retention = { apiMetricsMs: 1, minuteMetricsMs: 1, hourlyMetricsMs: 3_600_000, dailyMetricsMs: 1, agentMetricsMs: 1, sessionsMs: 1 };
      await store().deleteExpired(at(48), retention);
      expect(await store().findAlertEvents(at(0), ['firing', 'resolved'])).toEqual([event(2, 'resolved', 2)]);
      expect(await store().currentAlertEvents()).toEqual([event(2, 'resolved', 2)]);
      expect(await store().addAlertEvents([event(3, 'pending', 49)])).toEqual([true]);
    });
  });

  describe('silences', () => {
    const store = useStore(createStore);

    it('lists the silences that end after a time, by start; deletes by id', async () => {
      const base = { rule: null, service: 'shop', endpoint: null, agent: null, comment: 'deploy' };
      await store().addSilence({ ...base, id: 'later', from: at(12), to: at(14) });
      await store().addSilence({ ...base, id: 'now', rule: 'slow-p95', endpoint: 'GET /a', agent: 'bot', from: at(10), to: at(13) });
      await store().addSilence({ ...base, id: 'past', from: at(1), to: at(2) });
      expect(await store().listSilences(at(11))).toEqual([
        { ...base, id: 'now', rule: 'slow-p95', endpoint: 'GET /a', agent: 'bot', from: at(10), to: at(13) },
        { ...base, id: 'later', from: at(12), to: at(14) },
      ]);
      expect(await store().deleteSilence('now')).toBe(true);
      expect(await store().deleteSilence('now')).toBe(false);
      expect((await store().listSilences(at(0))).map((s) => s.id)).toEqual(['past', 'later']);
    });
  });
}
