/**
 * Reading stored alert events and silences back into the contract's types (alertTypes.ts),
 * for both backends: each passes how it stores times (SQLite: epoch milliseconds; MongoDB:
 * dates) and has already turned the deliveries back into an array.
 */
import type { AlertMetric } from '../alerts/alertMetrics.js';
import type { AlertDelivery, AlertEvent, AlertEventState, Silence } from './alertTypes.js';
import { nullableNumber, nullableString, type TimeOf } from './storedValues.js';

type Stored = Record<string, unknown>;

export function alertEventOf(doc: Stored, deliveries: readonly Stored[], timeOf: TimeOf): AlertEvent {
  return {
    rule: String(doc['rule']),
    groupKey: String(doc['groupKey']),
    seq: Number(doc['seq']),
    state: String(doc['state']) as AlertEventState,
    at: timeOf(doc['at']),
    metric: String(doc['metric']) as AlertMetric,
    service: nullableString(doc['service']),
    endpoint: nullableString(doc['endpoint']),
    agent: nullableString(doc['agent']),
    // Events stored before groups per model have neither.
    provider: nullableString(doc['provider']),
    model: nullableString(doc['model']),
    comparison: doc['comparison'] === 'below' ? 'below' : 'above',
    threshold: Number(doc['threshold']),
    value: nullableNumber(doc['value']),
    peakValue: nullableNumber(doc['peakValue']),
    since: timeOf(doc['since']),
    firingSince: doc['firingSince'] === null || doc['firingSince'] === undefined ? null : timeOf(doc['firingSince']),
    deliveries: deliveries.map((d): AlertDelivery => ({
      url: String(d['url']),
      deliveryId: String(d['deliveryId']),
      outcome: String(d['outcome']) as AlertDelivery['outcome'],
      attempts: Number(d['attempts']),
      lastStatus: nullableNumber(d['lastStatus']),
      lastError: nullableString(d['lastError']),
      at: timeOf(d['at']),
    })),
  };
}

/** `from` and `to` are stored as `fromTime` / `toTime` (SQL keywords otherwise). */
export function silenceOf(doc: Stored, timeOf: TimeOf): Silence {
  return {
    id: String(doc['id'] ?? doc['_id']),
    rule: nullableString(doc['rule']),
    service: nullableString(doc['service']),
    endpoint: nullableString(doc['endpoint']),
    agent: nullableString(doc['agent']),
    from: timeOf(doc['fromTime']),
    to: timeOf(doc['toTime']),
    comment: String(doc['comment'] ?? ''),
  };
}
