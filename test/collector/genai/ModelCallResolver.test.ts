/**
 * The resolver ends the wait of pending model calls: past the attribution timeout (by its own
 * clock) they count under (unattributed), once, through the idempotent write; past the bound
 * of pending calls the oldest count at once. On the real SQLite store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModelCallResolver } from '../../../collector/genai/ModelCallResolver.js';
import { SqliteStore } from '../../../collector/store/sqlite/SqliteStore.js';
import { UNATTRIBUTED } from '../../../collector/store/types.js';
import { at, day, invocation, pendingCall } from '../store/contract/records.js';

const MINUTE = 60_000;

describe('ModelCallResolver', () => {
  let dir: string;
  let store: SqliteStore;
  let now: number;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spanpulse-resolver-'));
    store = new SqliteStore({ path: join(dir, 'spanpulse.db') });
    await store.start();
    now = at(10).getTime();
  });
  afterEach(async () => {
    await store.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  const resolver = (maxPending = 1000) => new ModelCallResolver(store, { timeoutMs: 5 * MINUTE, intervalMs: 60_000, maxPending, now: () => now });
  const modelDays = async () => (await store.findModelDays({ fromDate: day(0), toDate: day(0) })).map((d) => [d.agentName, d.callCount, d.costNanos]);

  it('counts a call as unattributed once its timeout has passed, and only once', async () => {
    const waiting = pendingCall({ receivedAt: at(10), parentSpanId: 'aaaaaaaaaaaaaaaa', costNanos: 7 });
    await store.write([waiting]);
    expect(await resolver().runOnce()).toBe(0);
    now += 5 * MINUTE;
    expect(await resolver().runOnce()).toBe(0);
    expect(await modelDays()).toEqual([]);
    now += 1;
    expect(await resolver().runOnce()).toBe(1);
    expect(await modelDays()).toEqual([[UNATTRIBUTED, 1, 7]]);
    expect(await store.countPendingModelCalls()).toBe(0);

    // Re-sent later, the call waits again and is settled again: a duplicate, nothing changes.
    await store.write([waiting]);
    now += 10 * MINUTE;
    await resolver().runOnce();
    expect(await modelDays()).toEqual([[UNATTRIBUTED, 1, 7]]);
    expect(await store.countPendingModelCalls()).toBe(0);
  });

  it('a call whose agent arrived is the agent\'s, and the resolver leaves it so', async () => {
    const agent = invocation({ agentName: 'support' });
    const call = pendingCall({ traceId: agent.traceId, parentSpanId: agent.spanId, receivedAt: at(10) });
    await store.write([call]);
    await store.write([agent]);
    now += 60 * MINUTE;
    expect(await resolver().runOnce()).toBe(0);
    expect(await modelDays()).toEqual([['support', 1, 0]]);
  });

  it('keeps at most maxPending calls waiting: the oldest beyond it count at once', async () => {
    const calls = Array.from({ length: 5 }, (_, i) => pendingCall({ receivedAt: new Date(now - i * 1000), parentSpanId: 'bbbbbbbbbbbbbbbb' }));
    await store.write(calls);
    expect(await resolver(2).runOnce()).toBe(3);
    const left = await store.pendingModelCalls(new Date(now + 1), 10);
    expect(left.map((c) => c.spanId)).toEqual([calls[1]!.spanId, calls[0]!.spanId]);
    expect(await modelDays()).toEqual([[UNATTRIBUTED, 3, 0]]);
  });
});
