/**
 * A span the store refuses, end to end through a real spanpulse (SQLite store): two OTLP
 * requests go to the store in one group commit, and the store refuses one span of one of
 * them. That request is answered 200 with partial_success naming the span; the other is
 * answered 200 in full; /metrics counts the rejection. Nothing here is a stand-in: mapping
 * lets no span through that SQLite would refuse, so a trigger in the store's own file (made
 * by another connection, as a CHECK constraint would) refuses that one row, and another
 * connection's write lock holds the first request's write while the two queue behind it.
 */
import { join } from 'node:path';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSpans, otlpProtobuf, serverSpan } from '../support/otelSpans.js';
import { startTestSpanpulse, type TestSpanpulse } from '../support/spanpulse.js';
import { holdWriteLock, refuseWrites } from './store/sqliteFaultSupport.js';

let sp: TestSpanpulse;
beforeAll(async () => {
  sp = await startTestSpanpulse();
});
afterAll(async () => {
  await sp?.stop();
});

const service = 'rejection';
const minute = Date.now() - 10 * 60_000;
const spansOf = (count: number, offset: number) => makeSpans(Array.from({ length: count }, (_, i) =>
  serverSpan({ service, route: '/r', status: 200, startMs: minute + offset + i, durationMs: 3, sessionId: 's1' })));

async function partialSuccessOf(response: Response) {
  expect(response.status).toBe(200);
  const decoded = ProtobufTraceSerializer.deserializeResponse(new Uint8Array(await response.arrayBuffer()));
  return { rejectedSpans: Number(decoded.partialSuccess?.rejectedSpans ?? 0), errorMessage: decoded.partialSuccess?.errorMessage ?? '' };
}

/** Waits (at most 5 s) until `count` spans wait for or are in a store write. */
async function untilQueued(count: number): Promise<void> {
  for (let i = 0; i < 500 && sp.telemetry.snapshot().queueDepth < count; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(sp.telemetry.snapshot().queueDepth).toBe(count);
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${sp.apiUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1]);
}

describe('a span the store refuses, through the collector', () => {
  it('is rejected in the partial_success of its own request only; the other request of the group commit is stored in full', async () => {
    const path = join(sp.dataDir, 'spanpulse.db');
    const [lead, withRefused, other] = [spansOf(1, 0), spansOf(2, 100), spansOf(2, 200)];
    const refused = withRefused[1]!.spanContext().spanId;
    const allowRow = refuseWrites(path, 'api_metrics', `NEW.spanId = '${refused}'`);

    const releaseLock = holdWriteLock(path);
    let sent: Array<Promise<Response>>;
    try {
      const leadAnswer = sp.post(otlpProtobuf(lead));
      await untilQueued(1);
      sent = [leadAnswer, sp.post(otlpProtobuf(withRefused)), sp.post(otlpProtobuf(other))];
      await untilQueued(5);
    } finally {
      releaseLock();
    }
    const answers = await Promise.all(sent);

    expect(await partialSuccessOf(answers[0]!)).toEqual({ rejectedSpans: 0, errorMessage: '' });
    const partial = await partialSuccessOf(answers[1]!);
    expect(partial.rejectedSpans).toBe(1);
    expect(partial.errorMessage).toContain(`span ${refused}: the sqlite store refuses the record`);
    expect(partial.errorMessage).toContain('refused by the test trigger');
    expect(await partialSuccessOf(answers[2]!)).toEqual({ rejectedSpans: 0, errorMessage: '' });
    // Two store writes: the first request's, then one group commit of the other two.
    expect(await metric('spanpulse_store_writes_total')).toBe(2);
    expect(await metric('spanpulse_store_write_failures_total')).toBe(0);
    expect(await metric('spanpulse_spans_rejected_total')).toBe(1);
    expect(await metric('spanpulse_spans_accepted_total')).toBe(4);
    expect((await sp.recentRequests(service)).map((r) => r.spanId)).not.toContain(refused);
    expect(await sp.store.listServices()).toMatchObject([{ serviceName: service, spanCount: 4 }]);

    // The refusal left nothing behind: once the store takes the row, the resent request stores
    // it, and the other request's spans, resent, are duplicates.
    allowRow();
    expect(await partialSuccessOf(await sp.post(otlpProtobuf(withRefused)))).toEqual({ rejectedSpans: 0, errorMessage: '' });
    expect(await partialSuccessOf(await sp.post(otlpProtobuf(other)))).toEqual({ rejectedSpans: 0, errorMessage: '' });
    expect(await sp.store.listServices()).toMatchObject([{ serviceName: service, spanCount: 5 }]);
    expect(await sp.store.findSession(service, 's1')).toMatchObject({ requestCount: 5 });
    expect(await metric('spanpulse_spans_rejected_total')).toBe(1);
  });
});
