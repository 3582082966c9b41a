/** Table tests of the backend-neutral batch aggregation shared by the SQLite and MongoDB stores. */
import { describe, expect, it } from 'vitest';
import { addToHistogram, type LatencyHistogram } from '../../../collector/mapping/latencyHistogram.js';
import {
  aggregateRecords, endTime, firstOfEachId, RecordAggregator, type DeltaSink, rollupKey,
} from '../../../collector/store/recordAggregation.js';
import { dayKey, periodStart } from '../../../collector/time/utcTime.js';
import { at, day, invocation, modelCall, request, sameIds } from './contract/records.js';

function histogramOf(...values: number[]): LatencyHistogram {
  const histogram: LatencyHistogram = {};
  for (const value of values) addToHistogram(histogram, value);
  return histogram;
}

describe('firstOfEachId', () => {
  const a = request();
  const b = invocation();
  it.each([
    ['no records', [], [], 0],
    ['distinct ids', [a, b], [a, b], 0],
    ['a repeat keeps the first', [a, sameIds(a, { responseTime: 99 }), b, a], [a, b], 2],
  ] as const)('%s', (_name, input, unique, duplicates) => {
    expect(firstOfEachId(input)).toEqual({ unique, duplicates });
  });
});

describe('time helpers', () => {
  it.each([
    ['hour', at(10, 59, 59.999), at(10)],
    ['hour', at(10), at(10)],
    ['day', at(23, 59), at(0)],
    ['day', at(24), at(24)],
  ] as const)('%s start of %s', (period, time, start) => {
    expect(periodStart(period, time)).toEqual(start);
  });

  it('formats UTC dates and span end times', () => {
    expect(dayKey(at(23, 59))).toBe(day(0));
    expect(dayKey(at(24))).toBe(day(1));
    expect(endTime(request({ timestamp: at(10), responseTime: 1500 }))).toEqual(at(10, 0, 1.5));
  });
});

describe('aggregateRecords', () => {
  it('returns nothing for no records', () => {
    expect(aggregateRecords([])).toEqual({ minutes: [], rollups: [], agentDays: [], modelDays: [], sessions: [], services: [], rollupPresence: [], agentPresence: [] });
  });

  it('groups requests into service-level and endpoint-level deltas per hour and day', () => {
    const { rollups } = aggregateRecords([
      request({ timestamp: at(10), responseTime: 10, inputTokens: 1, outputTokens: 2 }),
      request({ timestamp: at(10, 30), responseTime: 30, outcome: 'error', statusCode: 500 }),
      request({ timestamp: at(11), responseTime: 20, method: 'POST', agentName: 'support', outcome: 'client_error', statusCode: 404 }),
    ]);
    const byKey = new Map(rollups.map((r) => [rollupKey(r), r]));
    const get = (period: 'hour' | 'day', start: Date, endpoint: string | null, method: string | null, agentName: string | null) =>
      byKey.get(rollupKey({ serviceName: 'shop', period, start, endpoint, method, agentName }));

    expect(rollups).toHaveLength(7);
    expect(get('hour', at(10), null, null, null)).toEqual({
      serviceName: 'shop', period: 'hour', start: at(10), endpoint: null, method: null, agentName: null,
      requestCount: 2, successCount: 1, errorCount: 1, clientErrorCount: 0, totalResponseTime: 40, minResponseTime: 10,
      maxResponseTime: 30, latencyHistogram: histogramOf(10, 30), inputTokens: 1, outputTokens: 2, activeUsers: 0,
    });
    expect(get('hour', at(10), '/api/items', 'GET', null)).toMatchObject({ requestCount: 2, totalResponseTime: 40 });
    expect(get('hour', at(11), '/api/items', 'POST', 'support')).toMatchObject({ requestCount: 1, clientErrorCount: 1 });
    expect(get('day', at(0), null, null, null)).toMatchObject({ requestCount: 3, minResponseTime: 10, maxResponseTime: 30, latencyHistogram: histogramOf(10, 30, 20) });
    expect(get('day', at(0), '/api/items', 'GET', null)).toMatchObject({ requestCount: 2 });
    expect(get('day', at(0), '/api/items', 'POST', 'support')).toMatchObject({ requestCount: 1 });
  });

  it('gives agent invocations agent days, sessions and services, but no rollups', () => {
    const deltas = aggregateRecords([invocation({ sessionId: 's1', timestamp: at(10), responseTime: 100, outcome: 'error' })]);
    expect(deltas.rollups).toEqual([]);
    expect(deltas.rollupPresence).toEqual([]);
    expect(deltas.agentDays).toEqual([{
      serviceName: 'shop', agentName: 'support', date: day(0), invocationCount: 1, lastSeen: at(10, 0, 0.1), requestCount: 1,
      successCount: 0, errorCount: 1, clientErrorCount: 0, totalResponseTime: 100, minResponseTime: 100, maxResponseTime: 100,
      latencyHistogram: histogramOf(100), inputTokens: 0, outputTokens: 0, activeUsers: 0,
    }]);
    expect(deltas.agentPresence).toEqual([{ serviceName: 'shop', agentName: 'support', date: day(0), sessionId: 's1' }]);
    expect(deltas.sessions).toMatchObject([{ sessionId: 's1', requestCount: 0, startTime: at(10), lastActivity: at(10, 0, 0.1) }]);
    expect(deltas.services).toEqual([{ serviceName: 'shop', firstSeen: at(10), lastSeen: at(10, 0, 0.1), spanCount: 1 }]);
  });

  it('lists each session once per period and per agent day, and never a missing session', () => {
    const { rollupPresence, agentPresence } = aggregateRecords([
      request({ sessionId: 's1', timestamp: at(10) }),
      request({ sessionId: 's1', timestamp: at(10, 30), agentName: 'x' }),
      request({ sessionId: 's1', timestamp: at(11) }),
      request({ sessionId: null, timestamp: at(11), agentName: 'x' }),
      invocation({ sessionId: 's1', agentName: 'x', timestamp: at(12) }),
    ]);
    expect(rollupPresence).toHaveLength(3);
    expect(rollupPresence).toEqual(expect.arrayContaining([
      { serviceName: 'shop', period: 'hour', start: at(10), sessionId: 's1' },
      { serviceName: 'shop', period: 'day', start: at(0), sessionId: 's1' },
      { serviceName: 'shop', period: 'hour', start: at(11), sessionId: 's1' },
    ]));
    expect(agentPresence).toEqual([{ serviceName: 'shop', agentName: 'x', date: day(0), sessionId: 's1' }]);
  });

  it('merges a session: earliest start, latest end, last non-null user fields in batch order', () => {
    const { sessions } = aggregateRecords([
      request({ sessionId: 's1', timestamp: at(12), responseTime: 1000, userId: 'u1', ipAddress: '10.0.0.1' }),
      request({ sessionId: 's1', timestamp: at(9), responseTime: 10, userAgent: 'A' }),
      invocation({ sessionId: 's1', timestamp: at(11), responseTime: 5000, userId: 'u2' }),
      request({ sessionId: 's1', timestamp: at(10), responseTime: 10 }),
      request({ sessionId: 's1', serviceName: 'blog', timestamp: at(10) }),
    ]);
    expect(sessions).toEqual([
      { serviceName: 'shop', sessionId: 's1', userId: 'u2', ipAddress: '10.0.0.1', userAgent: 'A', startTime: at(9),
        lastActivity: at(12, 0, 1), requestCount: 3 },
      { serviceName: 'blog', sessionId: 's1', userId: null, ipAddress: null, userAgent: null, startTime: at(10),
        lastActivity: at(10, 0, 0.01), requestCount: 1 },
    ]);
  });

  it('tracks services: first start, last end, span count', () => {
    const { services } = aggregateRecords([
      request({ timestamp: at(10), responseTime: 10 }),
      invocation({ timestamp: at(8), responseTime: 10 }),
      request({ timestamp: at(9), responseTime: 3 * 3_600_000 }),
      request({ serviceName: 'blog', timestamp: at(1) }),
    ]);
    expect(services).toEqual([
      { serviceName: 'shop', firstSeen: at(8), lastSeen: at(12), spanCount: 3 },
      { serviceName: 'blog', firstSeen: at(1), lastSeen: at(1, 0, 0.01), spanCount: 1 },
    ]);
  });
});

describe('RecordAggregator', () => {
  // Records of two services, sessions, agents, users and days, each a possible split point.
  const records = () => [
    request({ sessionId: 's1', userId: null, ipAddress: '10.0.0.1', userAgent: 'a/1', timestamp: at(10), responseTime: 30 }),
    invocation({ sessionId: 's1', agentName: 'support', timestamp: at(10, 5), responseTime: 200, outcome: 'error' }),
    request({ sessionId: 's1', userId: 'u1', agentName: 'support', timestamp: at(11, 59, 59), responseTime: 5, statusCode: 503 }),
    request({ serviceName: 'billing', sessionId: 's2', timestamp: at(23, 59), responseTime: 120_000, ipAddress: '10.0.0.2' }),
    request({ sessionId: 's1', userAgent: 'a/2', timestamp: at(9), responseTime: 1, statusCode: 404 }),
    invocation({ serviceName: 'billing', agentName: 'triage', sessionId: null, timestamp: at(24, 1), responseTime: 40 }),
    request({ sessionId: 's3', userId: 'u2', agentName: 'triage', timestamp: at(24, 2), responseTime: 70 }),
    modelCall({ timestamp: at(10, 6), responseTime: 900 }),
  ];

  it.each([[[8]], [[1, 7]], [[3, 5]], [[1, 1, 1, 1, 1, 1, 1, 1]], [[2, 0, 6]]])('parts %j give what aggregateRecords gives for all records', (sizes) => {
    const all = records();
    const aggregator = new RecordAggregator();
    let from = 0;
    for (const size of sizes) {
      aggregator.add(all.slice(from, from + size));
      from += size;
    }
    expect(aggregator.deltas()).toEqual(aggregateRecords(all));
  });

  it('emits the same deltas one at a time, every presence key before any rollup or agent day (new users are counted first)', () => {
    const aggregator = new RecordAggregator().add(records());
    const order: string[] = [];
    const emitted: Record<string, unknown[]> = {};
    const sink = Object.fromEntries(['rollupPresence', 'agentPresence', 'minute', 'rollup', 'agentDay', 'modelDay', 'session', 'service'].map((kind) =>
      [kind, (delta: unknown) => { order.push(kind); (emitted[kind] ??= []).push(structuredClone(delta)); }])) as unknown as DeltaSink;
    aggregator.emit(sink);
    const expected = aggregator.deltas();
    const sorted = (deltas: readonly unknown[]) => deltas.map((d) => JSON.stringify(d)).sort();
    for (const [kind, list] of Object.entries({ rollupPresence: expected.rollupPresence, agentPresence: expected.agentPresence, minute: expected.minutes,
      rollup: expected.rollups, agentDay: expected.agentDays, modelDay: expected.modelDays, session: expected.sessions, service: expected.services })) {
      expect(list.length, kind).toBeGreaterThan(0);
      expect(sorted(emitted[kind] ?? []), kind).toEqual(sorted(list));
    }
    const lastPresence = Math.max(order.lastIndexOf('rollupPresence'), order.lastIndexOf('agentPresence'));
    expect(lastPresence).toBeLessThan(Math.min(order.indexOf('rollup'), order.indexOf('agentDay')));
  });

  it('gives the same deltas when asked again, whatever the caller did to the first ones (a fold that failed is tried again)', () => {
    const aggregator = new RecordAggregator().add(records());
    const first = aggregator.deltas();
    const expected = structuredClone(first);
    for (const delta of [...first.minutes, ...first.rollups, ...first.agentDays]) Object.assign(delta, { requestCount: -1, activeUsers: 99 });
    for (const delta of first.modelDays) Object.assign(delta, { callCount: -1 });
    for (const session of first.sessions) session.requestCount = -1;
    expect(first.modelDays).toHaveLength(1);
    expect(aggregator.deltas()).toEqual(expected);
  });
});
