/**
 * Crash safety: the real collector (a child process, embedded store) is killed with SIGKILL
 * in the middle of a steady load of stock exporters, and started again a second later on the
 * same data directory and port; the exporters' own retries carry on. Without the spool, and
 * with it while the store is failing (another connection holds the write lock, so batches are
 * being appended to the spool when the kill comes) and again while the restarted collector
 * drains what the crash left. In the end every span whose export was answered 200 is stored,
 * nothing that was not sent is, no span is stored twice, and every figure counts each stored
 * span exactly once.
 */
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { SqliteStore } from '../../../collector/store/sqlite/SqliteStore.js';
import { freePort, startCollectorProcess, type CollectorProcess } from '../../../bench/collectorProcess.js';
import { eventually, sampleOf } from '../../support/partialPost.js';
import { expectedSnapshot, snapshotOf } from '../store/faultSupport.js';
import { holdWriteLock } from '../store/sqliteFaultSupport.js';
import { ExporterFleet, spanKey } from './exporterFleet.js';

let collector: CollectorProcess | undefined;
let fleet: ExporterFleet | undefined;
let releaseLock: (() => void) | undefined;
afterEach(async () => {
  await fleet?.stop();
  releaseLock?.();
  await collector?.remove();
  [collector, fleet, releaseLock] = [undefined, undefined, undefined];
});

async function startLoad(spool: boolean): Promise<{ collector: CollectorProcess; fleet: ExporterFleet; yaml: string }> {
  const yaml = `
receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:${await freePort()}"}, grpc: {endpoint: ""}}}}
processors: {batch: {spool: {enabled: ${spool}}}}
`;
  collector = await startCollectorProcess(yaml);
  fleet = new ExporterFleet(collector.otlpUrl, { apps: 6, spansPerBatch: 50, pauseMs: 100, service: 'crash' });
  fleet.start();
  return { collector, fleet, yaml };
}

/** SIGKILL, `meanwhile` (the fault clearing), a second's pause, then the same collector again on the same data and port. */
async function crashAndRestart(yaml: string, meanwhile: () => void = () => undefined): Promise<CollectorProcess> {
  const { dataDir } = collector!;
  await collector!.kill();
  meanwhile();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  collector = await startCollectorProcess(yaml, { dataDir });
  return collector;
}

/** Waits until `count` more spans were acknowledged than now. */
async function acknowledgedMore(count: number): Promise<void> {
  const target = fleet!.acknowledged.size + count;
  await eventually(() => fleet!.acknowledged.size >= target, 60_000);
}

async function spoolRecords(): Promise<number> {
  return sampleOf(await (await fetch(`${collector!.apiUrl}/metrics`)).text(), 'spanpulse_spool_records') ?? NaN;
}

/** Stops the load and the collector, then reads its file: every acknowledged span stored, each once, every figure exact. */
async function expectAcknowledgedStoredOnce(): Promise<void> {
  await fleet!.stop();
  const control = join(collector!.dataDir, 'control', 'spanpulse.db');
  const [shown, expected] = await collector!.readStore(async (store) => {
    const snapshot = await snapshotOf(store);
    return [snapshot, await expectedSnapshot(() => new SqliteStore({ path: control }), snapshot.requests.map((r) => ({ kind: 'request' as const, ...r })))];
  });
  const stored = shown.requests.map(spanKey);
  const storedSet = new Set(stored);
  console.log(`crash: ${fleet!.sent.size} spans sent, ${fleet!.acknowledged.size} acknowledged, ${stored.length} stored, ` +
    `${fleet!.failedExports} exports given up`);
  expect(storedSet.size).toBe(stored.length);
  expect(stored.filter((key) => !fleet!.sent.has(key))).toEqual([]);
  expect([...fleet!.acknowledged].filter((key) => !storedSet.has(key))).toEqual([]);
  // Every figure counts each stored request once: what a fresh store given each of them once shows.
  expect(shown).toEqual(expected);
}

it('without the spool: kill -9 mid-load twice; every acknowledged span is stored exactly once', async () => {
  const { yaml } = await startLoad(false);
  await acknowledgedMore(3000);
  await crashAndRestart(yaml);
  await acknowledgedMore(3000);
  await crashAndRestart(yaml);
  await acknowledgedMore(3000);
  await expectAcknowledgedStoredOnce();
}, 180_000);

it('with the spool: kill -9 while it fills (store locked) and while it drains; every acknowledged span is stored exactly once', async () => {
  const { yaml } = await startLoad(true);
  await acknowledgedMore(2000);
  releaseLock = holdWriteLock(join(collector!.dataDir, 'spanpulse.db'));
  // Acknowledged from the spool while the store refuses writes.
  await acknowledgedMore(5000);
  expect(await spoolRecords()).toBeGreaterThan(0);
  await crashAndRestart(yaml, () => { releaseLock?.(); releaseLock = undefined; });
  // The restarted collector drains what the crash left while new exports come in: kill it again.
  const left = await spoolRecords();
  await crashAndRestart(yaml);
  console.log(`crash: ${left} spans were in the spool at the second kill`);
  await acknowledgedMore(3000);
  await eventually(async () => (await spoolRecords()) === 0, 60_000);
  await expectAcknowledgedStoredOnce();
}, 180_000);
