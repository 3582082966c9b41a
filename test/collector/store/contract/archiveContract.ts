/**
 * Contract: archive before delete (collector/store/archive/). Retention with an archive
 * deletes exactly what is older than each limit, and the archive files hold exactly the
 * documents deleted, in the contract's shape, one UTC day per file, at most a batch per file;
 * `verifyArchive` finds them whole; a second run finds nothing more to archive.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BSON } from 'mongodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ARCHIVE_RULES, ARCHIVED_COLLECTIONS, parseArchiveFileName, type ArchivedCollection } from '../../../../collector/store/archive/archiveFormat.js';
import { readArchiveFile, readArchiveLines } from '../../../../collector/store/archive/archiveFiles.js';
import { verifyArchive } from '../../../../collector/store/archive/verifyArchive.js';
import type { Retention, SpanRecord, Store } from '../../../../collector/store/types.js';
import { at, invocation, modelCall, request } from './records.js';
import { useStore, type StoreFactory } from './useStore.js';

const DAY_MS = 24 * 3_600_000;
type Doc = Record<string, unknown>;

/** The raw collections no reader shows: their documents are the records written. */
export const UNREAD_RAW = ['agent_invocations', 'model_calls'] as const satisfies readonly ArchivedCollection[];
const isUnreadRaw = (collection: ArchivedCollection) => (UNREAD_RAW as readonly string[]).includes(collection);
const written = (records: readonly SpanRecord[], kind: SpanRecord['kind']) => records.filter((r) => r.kind === kind).map(({ kind: _kind, ...fields }) => fields);

/** Every archived collection's documents that the store's readers show (UNREAD_RAW: those of `records`). */
export async function snapshot(
  store: Pick<Store, 'findRollups' | 'findSession' | 'findRequests' | 'findAgentDays' | 'findModelDays'>, sessions: ReadonlyArray<[string, string]>, records: readonly SpanRecord[],
): Promise<Record<ArchivedCollection, Doc[]>> {
  const everything = { from: at(-400 * 24), to: at(60 * 24) };
  const rollups = async (period: 'hour' | 'day') => [
    ...await store.findRollups({ ...everything, period, level: 'service' }), ...await store.findRollups({ ...everything, period, level: 'endpoint' }),
  ];
  const found = await Promise.all(sessions.map(([service, id]) => store.findSession(service, id)));
  return {
    api_metrics: await store.findRequests({ ...everything, limit: 100_000 }),
    agent_invocations: written(records, 'agent_invocation'),
    model_calls: written(records, 'model_call'),
    hourly_metrics: await rollups('hour'),
    daily_metrics: await rollups('day'),
    agent_metrics: await store.findAgentDays({ fromDate: '2000-01-01', toDate: '2100-01-01' }),
    model_metrics: await store.findModelDays({ fromDate: '2000-01-01', toDate: '2100-01-01' }),
    user_sessions: found.flatMap((session) => (session === null ? [] : [{ ...session }])),
  };
}

export const byId = (collection: ArchivedCollection) => (docs: readonly Doc[]) =>
  [...docs].map((doc) => ({ _id: ARCHIVE_RULES[collection].id(doc), ...doc })).sort((a, b) => a._id.localeCompare(b._id));

export function archiveContract(createStore: StoreFactory): void {
  describe('deleteExpired with archive', () => {
    const store = useStore(createStore);
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'spanpulse-archive-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('archives exactly what it deletes, one UTC day and batch per file, and keeps the rest', async () => {
      // Days 0..6, two requests a day for each of two services, a session per day and service, an invocation a day.
      const records: SpanRecord[] = [];
      const sessions: Array<[string, string]> = [];
      for (let d = 0; d <= 6; d++) {
        for (const service of ['shop', 'blog']) {
          sessions.push([service, `${service}-day${d}`]);
          for (const hour of [3, 15]) {
            records.push(request({
              serviceName: service, endpoint: hour === 3 ? '/api/items' : '/api/chat', agentName: hour === 3 ? null : 'support', sessionId: `${service}-day${d}`,
              timestamp: at(d * 24 + hour, d), responseTime: 10 + d + hour, statusCode: d === 2 ? 500 : 200, outcome: d === 2 ? 'error' : 'success', inputTokens: d,
            }));
          }
        }
        records.push(invocation({ serviceName: 'shop', sessionId: `shop-day${d}`, timestamp: at(d * 24 + 4) }));
        // A model call a day, and on odd days one with neither provider nor model (null, not '', in the archive).
        records.push(modelCall({ sessionId: `shop-day${d}`, timestamp: at(d * 24 + 5), inputTokens: 100 + d }));
        if (d % 2 === 1) records.push(modelCall({ provider: null, model: null, timestamp: at(d * 24 + 6), outcome: 'error', errorType: 'timeout' }));
      }
      await store().write(records);
      const now = at(7 * 24);
      const retention: Retention = {
        apiMetricsMs: 3 * DAY_MS, minuteMetricsMs: DAY_MS, hourlyMetricsMs: 4 * DAY_MS, dailyMetricsMs: 5 * DAY_MS, agentMetricsMs: 6 * DAY_MS, sessionsMs: 4 * DAY_MS,
      };
      const before = await snapshot(store(), sessions, records);
      await store().deleteExpired(now, retention, { dir, batchSize: 3 });
      const after = await snapshot(store(), sessions, []);

      for (const collection of ARCHIVED_COLLECTIONS) {
        const sorted = byId(collection);
        const cutoff = now.getTime() - ARCHIVE_RULES[collection].retentionMs(retention);
        const expired = before[collection].filter((doc) => ARCHIVE_RULES[collection].time(doc).getTime() < cutoff);
        const kept = before[collection].filter((doc) => ARCHIVE_RULES[collection].time(doc).getTime() >= cutoff);
        expect(expired.length, collection).toBeGreaterThan(0);
        expect(kept.length, collection).toBeGreaterThan(0);
        if (!isUnreadRaw(collection)) expect(sorted(after[collection]), collection).toEqual(sorted(kept));

        const files = readdirSync(join(dir, collection)).filter((name) => parseArchiveFileName(name) !== null).sort();
        const lines: Doc[] = [];
        for (const [i, name] of files.entries()) {
          const { day, seq } = parseArchiveFileName(name)!;
          expect(seq, name).toBe(i + 1);
          const docs = await readArchiveFile(join(dir, collection, name));
          expect(docs.length).toBeGreaterThan(0);
          expect(docs.length).toBeLessThanOrEqual(3);
          for (const doc of docs) expect(ARCHIVE_RULES[collection].time(doc).toISOString().slice(0, 10), name).toBe(day);
          // What mongoimport reads (MongoDB Extended JSON, here the driver's parser): the same documents, dates as dates.
          const extendedJson = (await readArchiveLines(join(dir, collection, name))).map((line) => BSON.EJSON.parse(line) as Doc);
          expect(extendedJson, name).toEqual(docs);
          lines.push(...docs);
        }
        expect(sorted(lines.map(({ _id: _unused, ...doc }) => doc)), collection).toEqual(sorted(expired));
        expect(new Set(lines.map((doc) => doc['_id'])).size, collection).toBe(lines.length);
      }
      // Minute rollups are deleted as without an archive.
      expect(await store().findMinuteRollups({ from: at(-24), to: at(6 * 24), level: 'service' })).toEqual([]);

      const verified = await verifyArchive(dir);
      expect(verified.problems).toEqual([]);
      expect(verified.collections.map((c) => c.collection)).toEqual([...ARCHIVED_COLLECTIONS]);
      const filesBefore = ARCHIVED_COLLECTIONS.map((collection) => readdirSync(join(dir, collection)).sort());
      await store().deleteExpired(now, retention, { dir, batchSize: 3 });
      expect(ARCHIVED_COLLECTIONS.map((collection) => readdirSync(join(dir, collection)).sort())).toEqual(filesBefore);

      // The raw documents no reader shows: writing them again finds the kept ones still stored
      // (duplicates) and the archived ones gone (stored anew).
      const cutoff = now.getTime() - retention.apiMetricsMs;
      const raw = records.filter((r) => r.kind === 'agent_invocation' || r.kind === 'model_call');
      const keptRaw = raw.filter((r) => r.timestamp.getTime() >= cutoff);
      const expiredRaw = raw.filter((r) => r.timestamp.getTime() < cutoff);
      expect(await store().write(keptRaw)).toMatchObject({ stored: 0, duplicates: keptRaw.length });
      expect(await store().write(expiredRaw)).toMatchObject({ stored: expiredRaw.length, duplicates: 0 });
    });
  });
}
