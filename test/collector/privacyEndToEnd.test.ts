/**
 * The privacy modes end to end, on the real collector in a child process on each store:
 * every `processors.spanpulse.client_address` mode (keep, truncate, hash, drop) and every
 * `user_id` mode (keep, hash, drop). The stored documents are read from the store itself
 * (every SQLite table, every MongoDB collection): what the mode says is stored, and nothing
 * else of an address or a user id, anywhere. The API still counts users right where the mode
 * keeps them apart (a hash is stable), its answers carry none of the values sent, and neither
 * the values nor the hash secret reach the logs (debug level).
 */
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import Database from 'better-sqlite3';
import { MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { startCollectorProcess, type CollectorProcess } from '../../bench/collectorProcess.js';
import { makeSpans, otlpProtobuf, serverSpan, type SpanSpec } from '../support/otelSpans.js';
import { dropDatabasesAfterAll, freshDatabase, mongodbUri, skipReason } from './store/mongodbSupport.js';

const SECRET = 'privacy-test-secret-0123456789';

/** The four sessions: two of alice from different addresses, bob, and one without a user from a host name. */
const SESSIONS = [
  { id: 'priv-s1', user: 'alice@example.com', address: '203.0.113.77' },
  { id: 'priv-s2', user: 'alice@example.com', address: '2001:db8:85a3:8d3:1319:8a2e:370:7348' },
  { id: 'priv-s3', user: 'bob-4711', address: '::ffff:198.51.100.9' },
  { id: 'priv-s4', user: null, address: 'client.example.com' },
] as const;

/** Every value sent that a mode may change, and host parts of addresses that truncation must cut off. */
const USERS = new Set(SESSIONS.map((s) => s.user).filter((v): v is string => v !== null));
const SENT = [...USERS, ...SESSIONS.map((s) => s.address)];
const HOST_PARTS = ['113.77', ':7348'];

type AddressMode = 'keep' | 'truncate' | 'hash' | 'drop';
type UserMode = 'keep' | 'hash' | 'drop';

/** README "Privacy": the first 128 bits of HMAC-SHA256(secret, value), hex. */
const hash = (value: string) => createHmac('sha256', SECRET).update(value).digest('hex').slice(0, 32);

const TRUNCATED: Record<string, string | null> = {
  '203.0.113.77': '203.0.113.0',
  '2001:db8:85a3:8d3:1319:8a2e:370:7348': '2001:db8:85a3::',
  '::ffff:198.51.100.9': '198.51.100.0',
  'client.example.com': null,
};

function storedAddress(address: string, mode: AddressMode): string | null {
  return mode === 'keep' ? address : mode === 'drop' ? null : mode === 'hash' ? hash(address) : TRUNCATED[address]!;
}

function storedUser(user: string | null, mode: UserMode): string | null {
  return user === null || mode === 'drop' ? null : mode === 'keep' ? user : hash(user);
}

function spans(): SpanSpec[] {
  const t = Date.now() - 2 * 60_000;
  return SESSIONS.flatMap((session, s) => [0, 1].map((i) => {
    const spec = serverSpan({
      service: 'private', route: '/api/items', status: 200, startMs: t + s * 1000 + i * 100, durationMs: 5, sessionId: session.id,
      ...(session.user === null ? {} : { userId: session.user }),
    });
    spec.attributes = { ...spec.attributes, 'client.address': session.address };
    // An agent call inside bob's request carries his id too (agent_invocations keeps it).
    if (session.user === 'bob-4711' && i === 0) {
      spec.children = [{ service: 'private', name: 'invoke_agent helper', kind: SpanKind.INTERNAL, startMs: t + s * 1000 + 1, durationMs: 2,
        attributes: { 'gen_ai.agent.name': 'helper', 'user.id': session.user, 'session.id': session.id } }];
    }
    return spec;
  }));
}

interface Stored {
  requests: Array<{ sessionId: string; ipAddress: string | null; userId: string | null }>;
  sessions: Array<{ sessionId: string; ipAddress: string | null; userId: string | null }>;
  invocations: Array<{ sessionId: string; userId: string | null }>;
  /** Every row of every table (document of every collection), as JSON. */
  everything: string;
}

function readSqlite(path: string): Stored {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>;
    const everything = JSON.stringify(tables.map(({ name }) => db.prepare(`SELECT * FROM "${name}"`).all()));
    return {
      requests: db.prepare('SELECT sessionId, ipAddress, userId FROM api_metrics').all() as Stored['requests'],
      sessions: db.prepare('SELECT sessionId, ipAddress, userId FROM user_sessions').all() as Stored['sessions'],
      invocations: db.prepare('SELECT sessionId, userId FROM agent_invocations').all() as Stored['invocations'],
      everything,
    };
  } finally {
    db.close();
  }
}

async function readMongodb(uri: string, database: string): Promise<Stored> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
  try {
    const db = client.db(database);
    const all: unknown[] = [];
    for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) all.push(await db.collection(name).find().toArray());
    const pick = async (name: string, fields: string[]) => (await db.collection(name).find({}, { projection: Object.fromEntries([['_id', 0], ...fields.map((f) => [f, 1])]) }).toArray())
      .map((doc) => Object.fromEntries(fields.map((f) => [f, doc[f] ?? null])));
    return {
      requests: (await pick('api_metrics', ['sessionId', 'ipAddress', 'userId'])) as Stored['requests'],
      sessions: (await pick('user_sessions', ['sessionId', 'ipAddress', 'userId'])) as Stored['sessions'],
      invocations: (await pick('agent_invocations', ['sessionId', 'userId'])) as Stored['invocations'],
      everything: JSON.stringify(all),
    };
  } finally {
    await client.close();
  }
}

const MODES: Array<[AddressMode, UserMode]> = [['keep', 'keep'], ['truncate', 'hash'], ['hash', 'drop'], ['drop', 'keep']];

function privacyModes(backend: 'sqlite' | 'mongodb', mongodb?: () => { uri: string; database: string }): void {
  describe.each(MODES)(`${backend}: client_address %s, user_id %s`, (addressMode, userMode) => {
    it('stores what the mode says and nothing more; the API counts users; no value and no secret in the logs', async () => {
      const store = mongodb?.();
      const collector: CollectorProcess = await startCollectorProcess(`
receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}, grpc: {endpoint: ""}}}}
processors: {batch: {spool: {enabled: false}}, spanpulse: {client_address: ${addressMode}, user_id: ${userMode}, hash_secret: "\${env:SPANPULSE_HASH_SECRET}"}}
service: {telemetry: {logs: {level: debug}}}
`, { env: { SPANPULSE_HASH_SECRET: SECRET }, ...(store === undefined ? {} : { mongodb: store }) });
      try {
        const response = await fetch(`${collector.otlpUrl}/v1/traces`, {
          method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: otlpProtobuf(makeSpans(spans())),
        });
        expect(response.status, await response.clone().text()).toBe(200);

        // The API: users told apart by their id where it is kept or hashed (alice twice is one user), else by session.
        const analytics = await (await fetch(`${collector.apiUrl}/api/status/analytics?window=1h`)).json() as any;
        expect(analytics.activeUsers).toBe(4);
        expect(analytics.uniqueUsers).toBe(userMode === 'drop' ? 4 : 3);
        const answers = await Promise.all(['/api/status', '/api/status/analytics?window=24h', '/api/status/api-status?window=24h',
          '/api/status/export?report=hourly&by=endpoint&window=24h&format=json', '/api/status/export?report=daily&by=agent&window=24h',
          '/api/status/export?report=sla&window=7d'].map(async (path) => (await fetch(`${collector.apiUrl}${path}`)).text()));
        for (const value of SENT) expect(answers.join('\n').includes(value), `${value} in an API answer`).toBe(false);

        await collector.stop();
        const stored = store === undefined ? readSqlite(join(collector.dataDir, 'spanpulse.db')) : await readMongodb(store.uri, store.database);
        const expected = (list: ReadonlyArray<{ sessionId: string }>, withAddress: boolean) => [...list].map((row) => {
          const session = SESSIONS.find((s) => s.id === row.sessionId)!;
          return { sessionId: session.id, ...(withAddress ? { ipAddress: storedAddress(session.address, addressMode) } : {}), userId: storedUser(session.user, userMode) };
        });
        const bySession = <T extends { sessionId: string }>(rows: T[]) => [...rows].sort((a, b) => a.sessionId.localeCompare(b.sessionId));
        expect(stored.requests).toHaveLength(8);
        expect(bySession(stored.requests)).toEqual(bySession(expected(stored.requests, true)));
        expect(stored.sessions).toHaveLength(4);
        expect(bySession(stored.sessions)).toEqual(bySession(expected(stored.sessions, true)));
        expect(stored.invocations).toEqual([{ sessionId: 'priv-s3', userId: storedUser('bob-4711', userMode) }]);
        // Nowhere else either: every table or collection, every field.
        for (const value of SENT) {
          const kept = USERS.has(value) ? userMode === 'keep' : addressMode === 'keep';
          expect(stored.everything.includes(value), `${value} stored`).toBe(kept);
        }
        if (addressMode !== 'keep') for (const part of HOST_PARTS) expect(stored.everything.includes(part), `${part} stored`).toBe(false);

        const logs = collector.logs();
        expect(logs).toContain('"msg":"spanpulse started"');
        for (const secret of [...SENT, SECRET]) expect(logs.includes(secret), `${secret} in the logs`).toBe(false);
      } finally {
        await collector.remove();
      }
    });
  });
}

privacyModes('sqlite');

const uri = mongodbUri ?? null;
describe.skipIf(uri === null)(`on MongoDB${uri === null ? ` (skipped: ${skipReason ?? 'no global setup'})` : ''}`, () => {
  dropDatabasesAfterAll();
  privacyModes('mongodb', () => ({ uri: uri!, database: freshDatabase() }));
});
