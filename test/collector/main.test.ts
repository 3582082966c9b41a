/**
 * The bin entry as a user runs it: config errors exit non-zero listing every problem, and
 * SIGTERM stops accepting, flushes and closes the store so nothing acknowledged is lost.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteStore } from '../../collector/store/sqlite/SqliteStore.js';
import { makeSpans, otlpProtobuf, serverSpan } from '../support/otelSpans.js';

const main = fileURLToPath(new URL('../../dist/collector/main.js', import.meta.url));

const shipped = fileURLToPath(new URL('../../otel-config.yaml', import.meta.url));

function run(args: string[], env: Record<string, string> = {}, cwd?: string) {
  return spawn(process.execPath, [main, ...args], { env: { PATH: process.env['PATH'], ...env }, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('spanpulse bin', () => {
  it('lists every config problem with its key path and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spanpulse-main-'));
    try {
      const config = join(dir, 'bad.yaml');
      writeFileSync(config, 'receivers: {otlp: {protocols: {http: {endpoint: "x"}}}}\nexporters: {mongodb: {databse: "y"}}\n');
      const child = run(['--config', config]);
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const [code] = await once(child, 'exit');
      expect(code).toBe(1);
      expect(stderr).toContain(`invalid configuration ${config}`);
      expect(stderr).toContain('receivers.otlp.protocols.http.endpoint: expected host:port');
      expect(stderr).toContain('exporters.mongodb.databse: unknown key');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('SPANPULSE_CONFIG names the file; a missing file is a clear start-up error', async () => {
    const child = run([], { SPANPULSE_CONFIG: '/nonexistent/spanpulse.yaml' });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(stderr).toMatch(/\/nonexistent\/spanpulse\.yaml:\n\s+- cannot read the file/);
  });

  it('on SIGTERM flushes and closes the store: everything acknowledged is on disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spanpulse-main-'));
    try {
      const child = run(['--config', shipped], {
        SPANPULSE_OTLP_HTTP_ENDPOINT: '127.0.0.1:0', SPANPULSE_OTLP_GRPC_ENDPOINT: '127.0.0.1:0', SPANPULSE_API_ENDPOINT: '127.0.0.1:0', SPANPULSE_DATA_DIR: dir,
      });
      let stderr = '';
      const otlpPort = await new Promise<number>((resolve, reject) => {
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          const match = /"otlp":"[^"]*:(\d+)"/.exec(stderr);
          if (match) resolve(Number(match[1]));
        });
        child.once('exit', () => reject(new Error(stderr)));
      });
      const now = Date.now() - 60_000;
      const responses = await Promise.all(Array.from({ length: 20 }, (_, i) =>
        fetch(`http://127.0.0.1:${otlpPort}/v1/traces`, {
          method: 'POST', headers: { 'content-type': 'application/x-protobuf' },
          body: otlpProtobuf(makeSpans(Array.from({ length: 50 }, (_, j) =>
            serverSpan({ service: 'bin', route: '/r', status: 200, startMs: now + i * 50 + j, durationMs: 1 })))),
        })));
      expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
      expect(stderr).toContain('"msg":"spanpulse stopped"');
      expect(stderr.trim().split('\n').every((line) => JSON.parse(line).level)).toBe(true);

      const store = new SqliteStore({ path: join(dir, 'spanpulse.db') });
      await store.start();
      const [service] = await store.listServices();
      expect(service).toMatchObject({ serviceName: 'bin', spanCount: 1000 });
      await store.shutdown();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without --config or SPANPULSE_CONFIG: ./otel-config.yaml when the directory has one, else the shipped one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spanpulse-main-'));
    const env = { SPANPULSE_OTLP_HTTP_ENDPOINT: '127.0.0.1:0', SPANPULSE_OTLP_GRPC_ENDPOINT: '127.0.0.1:0', SPANPULSE_API_ENDPOINT: '127.0.0.1:0', SPANPULSE_DATA_DIR: dir };
    const configRead = async (): Promise<string> => {
      const child = run([], env, dir);
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exit = once(child, 'exit');
      await new Promise<void>((resolve, reject) => {
        child.stderr.on('data', () => stderr.includes('"msg":"spanpulse started"') && resolve());
        void exit.then(() => reject(new Error(stderr)));
      });
      child.kill('SIGTERM');
      await exit;
      return (JSON.parse(stderr.split('\n').find((line) => line.includes('"msg":"configuration read"'))!) as { config: string }).config;
    };
    try {
      expect(await configRead()).toBe(shipped);
      copyFileSync(shipped, join(dir, 'otel-config.yaml'));
      expect(await configRead()).toBe('./otel-config.yaml');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
