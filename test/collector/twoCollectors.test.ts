/**
 * Two collector processes (the real bin) writing to the same MongoDB database at once, with
 * every request delivered to both (as a retry through a load balancer would): the totals end
 * exactly those of the distinct spans sent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { MongoStore } from '../../collector/store/mongodb/MongoStore.js';
import { makeSpans, otlpProtobuf, serverSpan } from '../support/otelSpans.js';
import { dropDatabasesAfterAll, freshDatabase, mongodbUri, skipReason } from './store/mongodbSupport.js';

const main = fileURLToPath(new URL('../../dist/collector/main.js', import.meta.url));
const config = fileURLToPath(new URL('../../otel-config.yaml', import.meta.url));
const children: ChildProcess[] = [];
dropDatabasesAfterAll();
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

async function startCollector(database: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [main, '--config', config], {
    env: { PATH: process.env['PATH'], MONGODB_URI: mongodbUri ?? '', MONGODB_DATABASE: database,
      SPANPULSE_OTLP_HTTP_ENDPOINT: '127.0.0.1:0', SPANPULSE_OTLP_GRPC_ENDPOINT: '127.0.0.1:0', SPANPULSE_API_ENDPOINT: '127.0.0.1:0' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /"otlp":"[^"]*:(\d+)"/.exec(stderr);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', () => reject(new Error(stderr)));
  });
  return { child, port };
}

/** Sends like an exporter: resends on 429/503 until acknowledged. */
async function deliver(port: number, body: Buffer): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const response = await fetch(`http://127.0.0.1:${port}/v1/traces`, {
      method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body,
    });
    if (response.status === 200) return;
    expect([429, 503]).toContain(response.status);
    await new Promise((resolve) => setTimeout(resolve, Number(response.headers.get('retry-after') ?? 1) * 100));
  }
  throw new Error('never acknowledged');
}

describe.skipIf(mongodbUri === null)(`two collectors on one database${mongodbUri === null ? ` (skipped: ${skipReason})` : ''}`, () => {
  it('end with exactly the totals of the distinct spans sent', async () => {
    const database = freshDatabase();
    const [a, b] = await Promise.all([startCollector(database), startCollector(database)]);
    const start = Date.now() - 30 * 60_000;
    const bodies = Array.from({ length: 6 }, (_, n) => otlpProtobuf(makeSpans(Array.from({ length: 20 }, (_, i) =>
      serverSpan({ service: 'pair', route: '/r/:id', status: i % 10 === 0 ? 500 : 200, startMs: start + n * 100 + i,
        durationMs: 1 + i, sessionId: `s${i % 4}` })))));
    await Promise.all(bodies.flatMap((body) => [deliver(a.port, body), deliver(b.port, body)]));
    for (const { child } of [a, b]) {
      child.kill('SIGTERM');
      expect((await once(child, 'exit'))[0]).toBe(0);
    }

    const store = new MongoStore({ uri: mongodbUri!, database });
    await store.start();
    try {
      expect(await store.listServices()).toMatchObject([{ serviceName: 'pair', spanCount: 120 }]);
      const from = new Date(start - 3_600_000);
      const hours = await store.findRollups({ period: 'hour', level: 'service', serviceName: 'pair', from, to: new Date() });
      expect(hours.reduce((sum, h) => sum + h.requestCount, 0)).toBe(120);
      expect(hours.reduce((sum, h) => sum + h.errorCount, 0)).toBe(12);
      expect(hours.reduce((sum, h) => sum + h.totalResponseTime, 0)).toBe(6 * (20 * 21) / 2);
      expect(await store.findSession('pair', 's1')).toMatchObject({ requestCount: 30 });
      expect(await store.findRequests({ from, to: new Date(), limit: 1000 })).toHaveLength(120);
    } finally {
      await store.shutdown();
    }
  });
});
