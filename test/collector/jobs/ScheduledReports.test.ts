/**
 * Scheduled reports on both stores, with a clock the test moves: the daily report of the day
 * before shortly after midnight, the weekly one of the ISO week before on Monday, the figures
 * those of the records written, catch-up after a late start, and a report already on disk
 * never written again after a restart.
 */
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ScheduledReports, type ScheduledReportsOptions } from '../../../collector/jobs/ScheduledReports.js';
import { SqliteStore } from '../../../collector/store/sqlite/SqliteStore.js';
import type { RequestRecord, Store } from '../../../collector/store/types.js';
import { request } from '../store/contract/records.js';
import { useStore } from '../store/contract/useStore.js';
import { dropDatabasesAfterAll, freshStore, skipReason } from '../store/mongodbSupport.js';
import { HookReceiver } from '../../support/HookReceiver.js';
import { ManualClock } from '../../support/ManualClock.js';

const MINUTE = 60_000;
const root = mkdtempSync(join(tmpdir(), 'spanpulse-reports-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
dropDatabasesAfterAll();
let dirs = 0;

const utc = (text: string) => new Date(`${text}Z`);

/** `count` requests of `service` on the UTC day `date` ("YYYY-MM-DD"), every `errorEvery`-th a 5xx. */
function requestsOn(date: string, service: string, endpoint: string, count: number, errorEvery = 0): RequestRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const error = errorEvery > 0 && i % errorEvery === 0;
    return request({
      serviceName: service, endpoint, timestamp: new Date(utc(`${date}T00:00:00`).getTime() + i * 7 * MINUTE), responseTime: 10 + i,
      statusCode: error ? 503 : 200, outcome: error ? 'error' : 'success',
    });
  });
}

interface JsonRow { periodStart: string; periodEnd: string; service: string; endpoint: string | null; requests: number; errors: number }
const json = (dir: string, name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as JsonRow[];

function reportsContract(name: string, createStore: () => Promise<Store>): void {
  describe(`scheduled reports: ${name}`, () => {
    const store = useStore(createStore);
    let dir: string;
    beforeEach(() => {
      dir = join(root, `reports-${++dirs}`);
    });
    const options = (): ScheduledReportsOptions => ({
      dir, kinds: ['daily', 'weekly'], delayMs: 15 * MINUTE, formats: ['csv', 'json'], groupings: ['service', 'endpoint'], retryMs: MINUTE,
    });

    /** Moves the clock and waits for the run it started. */
    async function advance(clock: ManualClock, reports: ScheduledReports, to: Date): Promise<void> {
      clock.advanceTo(to);
      await reports.idle();
    }

    it('writes the day before after midnight and the ISO week before on Monday, with its figures', async () => {
      // Sat 2026-11-07 and Sun 2026-11-08 belong to the ISO week from Mon 2026-11-02.
      await store().write([
        ...requestsOn('2026-11-07', 'shop', '/api/cart', 12, 4), ...requestsOn('2026-11-07', 'blog', '/posts', 5),
        ...requestsOn('2026-11-08', 'shop', '/api/cart', 9, 3), ...requestsOn('2026-11-08', 'shop', '/api/pay', 4),
        ...requestsOn('2026-11-09', 'shop', '/api/cart', 2),
      ]);
      const clock = new ManualClock(utc('2026-11-08T12:00:00').getTime());
      const reports = new ScheduledReports(store(), options(), clock);
      await reports.start();
      await reports.idle();
      // At start: the latest due day (11-07) and week (10-26 .. 11-02, empty: a header only).
      expect(readdirSync(dir).sort()).toEqual([
        'spanpulse-daily-endpoint-2026-11-07--2026-11-08.csv', 'spanpulse-daily-endpoint-2026-11-07--2026-11-08.json',
        'spanpulse-daily-service-2026-11-07--2026-11-08.csv', 'spanpulse-daily-service-2026-11-07--2026-11-08.json',
        'spanpulse-weekly-endpoint-2026-10-26--2026-11-02.csv', 'spanpulse-weekly-endpoint-2026-10-26--2026-11-02.json',
        'spanpulse-weekly-service-2026-10-26--2026-11-02.csv', 'spanpulse-weekly-service-2026-10-26--2026-11-02.json',
      ]);
      expect(json(dir, 'spanpulse-daily-service-2026-11-07--2026-11-08.json').map((r) => [r.service, r.requests, r.errors]))
        .toEqual([['blog', 5, 0], ['shop', 12, 3]]);
      expect(json(dir, 'spanpulse-weekly-service-2026-10-26--2026-11-02.json')).toEqual([]);
      const csv = readFileSync(join(dir, 'spanpulse-daily-service-2026-11-07--2026-11-08.csv'), 'utf8').split('\r\n');
      expect(csv[0]).toMatch(/^periodStart,periodEnd,service,/);
      expect(csv.slice(1, 3).map((line) => line.split(',').slice(0, 3))).toEqual([
        ['2026-11-07T00:00:00.000Z', '2026-11-08T00:00:00.000Z', 'blog'], ['2026-11-07T00:00:00.000Z', '2026-11-08T00:00:00.000Z', 'shop'],
      ]);

      // The next run is due at 00:15 on Monday: the day 11-08 and the week 11-02 .. 11-09.
      expect(clock.nextTimerAt()).toEqual(utc('2026-11-09T00:15:00'));
      await advance(clock, reports, utc('2026-11-09T00:14:59'));
      expect(existsSync(join(dir, 'spanpulse-daily-service-2026-11-08--2026-11-09.json'))).toBe(false);
      await advance(clock, reports, utc('2026-11-09T00:15:00'));
      expect(json(dir, 'spanpulse-daily-endpoint-2026-11-08--2026-11-09.json').map((r) => [r.service, r.endpoint, r.requests, r.errors]))
        .toEqual([['shop', '/api/cart', 9, 3], ['shop', '/api/pay', 4, 0]]);
      expect(json(dir, 'spanpulse-weekly-service-2026-11-02--2026-11-09.json').map((r) => [r.periodStart, r.periodEnd, r.service, r.requests, r.errors]))
        .toEqual([['2026-11-02T00:00:00.000Z', '2026-11-09T00:00:00.000Z', 'blog', 5, 0], ['2026-11-02T00:00:00.000Z', '2026-11-09T00:00:00.000Z', 'shop', 25, 6]]);
      // Tuesday: a daily report only; the next weekly one is due the Monday after.
      await advance(clock, reports, utc('2026-11-10T00:15:00'));
      expect(json(dir, 'spanpulse-daily-service-2026-11-09--2026-11-10.json').map((r) => [r.service, r.requests])).toEqual([['shop', 2]]);
      expect(readdirSync(dir).filter((file) => file.startsWith('spanpulse-weekly'))).toHaveLength(8);
      expect(clock.nextTimerAt()).toEqual(utc('2026-11-11T00:15:00'));
      await reports.shutdown();
      expect(clock.nextTimerAt()).toBeNull();
    });

    it('after a restart writes only what is missing: a report on disk is never written again', async () => {
      await store().write(requestsOn('2026-11-07', 'shop', '/api/cart', 3));
      const clock = new ManualClock(utc('2026-11-08T01:00:00').getTime());
      const first = new ScheduledReports(store(), options(), clock);
      await first.start();
      await first.idle();
      await first.shutdown();
      const kept = join(dir, 'spanpulse-daily-service-2026-11-07--2026-11-08.json');
      writeFileSync(kept, 'written by the first run\n');
      const before = statSync(kept);
      // A half-written file of a run killed mid-write is removed, not mistaken for a report.
      const leftover = join(dir, '.spanpulse-daily-service-2026-11-07--2026-11-08.csv.4242.tmp');
      writeFileSync(leftover, 'periodStart,per');

      // Restarted two days late: the day before (11-09) is caught up, 11-08 is left (only the latest due period is written).
      clock.advanceTo(utc('2026-11-10T09:00:00'));
      const second = new ScheduledReports(store(), options(), clock);
      await second.start();
      await second.idle();
      expect(readFileSync(kept, 'utf8')).toBe('written by the first run\n');
      expect(statSync(kept).mtimeMs).toBe(before.mtimeMs);
      expect(existsSync(leftover)).toBe(false);
      expect(existsSync(join(dir, 'spanpulse-daily-service-2026-11-09--2026-11-10.json'))).toBe(true);
      expect(existsSync(join(dir, 'spanpulse-weekly-service-2026-11-02--2026-11-09.json'))).toBe(true);
      await second.shutdown();
    });

    it('posts each newly written report to the webhooks, signed, once: a 503 is tried again, a restart sends nothing more', async () => {
      await store().write([...requestsOn('2026-11-07', 'shop', '/api/cart', 12, 4), ...requestsOn('2026-11-07', 'blog', '/posts', 5)]);
      const hooks = new HookReceiver();
      const url = `${await hooks.start()}?token=t`;
      hooks.failNext(503);
      const { received } = hooks;
      const secret = 'report-secret';
      const withHook = (): ScheduledReportsOptions => ({
        ...options(), kinds: ['daily'], webhooks: [{ url, secret }], webhookBackoffMs: [10, 10], webhookTimeoutMs: 5000,
      });
      try {
        const clock = new ManualClock(utc('2026-11-08T01:00:00').getTime());
        const reports = new ScheduledReports(store(), withHook(), clock);
        await reports.start();
        await reports.idle();
        await reports.shutdown();
        // One 503, then the same delivery again (same id), accepted.
        expect(received).toHaveLength(2);
        const [refused, sent] = received;
        expect(sent!.headers['x-spanpulse-delivery']).toBe(refused!.headers['x-spanpulse-delivery']);
        expect(sent!.headers['x-spanpulse-event']).toBe('report');
        expect(sent!.headers['x-spanpulse-signature']).toBe(`sha256=${createHmac('sha256', secret).update(sent!.body).digest('hex')}`);
        const payload = JSON.parse(sent!.body) as { status: string; report: string; from: string; to: string; files: Array<{ name: string; rows: number }>;
          services: Array<{ service: string; requests: number; errors: number }>; text: string };
        expect(payload).toMatchObject({ status: 'report', report: 'daily', from: '2026-11-07T00:00:00.000Z', to: '2026-11-08T00:00:00.000Z' });
        expect(payload.files.map((f) => f.name).sort()).toEqual(readdirSync(dir).sort());
        expect(payload.files.find((f) => f.name === 'spanpulse-daily-service-2026-11-07--2026-11-08.json')!.rows).toBe(2);
        expect(payload.services.map((r) => [r.service, r.requests, r.errors])).toEqual([['blog', 5, 0], ['shop', 12, 3]]);
        expect(payload.text).toBe('[REPORT] spanpulse daily report, 2026-11-07: 17 requests, 3 errors, 2 services');

        // Restarted the same night: the report is on disk, so it is neither written nor sent again.
        const again = new ScheduledReports(store(), withHook(), clock);
        await again.start();
        await again.idle();
        await again.shutdown();
        expect(received).toHaveLength(2);
      } finally {
        await hooks.stop();
      }
    });

    it('writes nothing for a kind that is turned off', async () => {
      const clock = new ManualClock(utc('2026-11-09T06:00:00').getTime());
      const reports = new ScheduledReports(store(), { ...options(), kinds: ['weekly'], formats: ['json'], groupings: ['endpoint'] }, clock);
      await reports.start();
      await reports.idle();
      expect(readdirSync(dir)).toEqual(['spanpulse-weekly-endpoint-2026-11-02--2026-11-09.json']);
      await reports.shutdown();
    });
  });
}

reportsContract('sqlite', async () => new SqliteStore({ path: join(root, `store-${++dirs}`, 'spanpulse.db') }));
if (skipReason === '') reportsContract('mongodb', async () => freshStore());
else describe.skip(`scheduled reports: mongodb (${skipReason})`, () => undefined);
