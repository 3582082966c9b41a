/**
 * `spanpulse export` as a cron job runs it: a child process on the shipped config and the same
 * environment as the collector, against data a real collector (also a child process) took in
 * over OTLP, on both stores. Its output is byte for byte the export endpoint's for the same
 * parameters, beside a running collector (SQLite: a read-only reader next to the writer) and
 * after it stopped; bad parameters are a clear message and exit status 2, a missing store 1.
 */
import { mkdtempSync, readFileSync, rmSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBin, startCollector, testEnv } from '../../support/binProcess.js';
import { makeSpans, otlpProtobuf, serverSpan } from '../../support/otelSpans.js';
import { dropDatabasesAfterAll, freshDatabase, mongodbUri, skipReason } from '../store/mongodbSupport.js';

const HOUR = 3_600_000;
const root = mkdtempSync(join(tmpdir(), 'spanpulse-export-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
dropDatabasesAfterAll();
let dirs = 0;

const today = new Date(Math.floor(Date.now() / (24 * HOUR)) * 24 * HOUR);
const iso = (ms: number) => new Date(ms).toISOString();
const from = iso(today.getTime() - 2 * 24 * HOUR);
const to = iso(today.getTime() + 24 * HOUR);

/** Parameter sets: [query string of the endpoint, the same as command-line arguments]. */
const CASES: Array<Record<string, string>> = [
  { report: 'daily', by: 'endpoint', format: 'csv', from, to },
  { report: 'hourly', by: 'service', format: 'ndjson', from, to },
  { report: 'weekly', by: 'agent', format: 'json', from, to },
  { report: 'daily', by: 'service', format: 'csv', from, to, service: 'shop' },
  { report: 'sla', format: 'csv', from, to },
  { report: 'sla', format: 'json', month: today.toISOString().slice(0, 7) },
];
const argsOf = (params: Record<string, string>) => Object.entries(params).flatMap(([name, value]) => [`--${name}`, value]);

/** Requests over the last two days (well inside every retention): two services, errors, agents, sessions. */
function trafficBodies(): Buffer[] {
  const start = Date.now() - 40 * HOUR;
  return Array.from({ length: 8 }, (_, batch) => otlpProtobuf(makeSpans(Array.from({ length: 25 }, (_, i) => {
    const n = batch * 25 + i;
    return serverSpan({
      service: n % 3 === 0 ? 'blog' : 'shop', method: n % 5 === 0 ? 'POST' : 'GET', route: n % 2 === 0 ? '/api/agents/:agent/chat' : '/api/items',
      path: n % 2 === 0 ? `/api/agents/${n % 4 === 0 ? 'planner' : 'support'}/chat` : '/api/items',
      status: n % 11 === 0 ? 503 : n % 7 === 0 ? 404 : 200, startMs: start + n * 11 * 60_000, durationMs: 5 + (n % 13) * 7,
      sessionId: `session-${n % 9}`, inputTokens: n % 4, outputTokens: n % 6,
    });
  }))));
}

function exportContract(name: string, storeEnv: () => Record<string, string>): void {
  describe(`spanpulse export: ${name}`, () => {
    it('writes what the export endpoint serves, with a collector running and without one', async () => {
      const dataDir = join(root, `data-${++dirs}`);
      const env = testEnv(dataDir, storeEnv());
      const collector = await startCollector(env);
      const endpointAnswers: string[] = [];
      try {
        for (const body of trafficBodies()) {
          const response = await fetch(`${collector.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
          expect(response.status).toBe(200);
        }
        for (const params of CASES) {
          const response = await fetch(`${collector.apiUrl}/api/status/export?${new URLSearchParams(params)}`);
          expect(response.status).toBe(200);
          endpointAnswers.push(await response.text());
        }
        expect(endpointAnswers[0]!.split('\r\n').length).toBeGreaterThan(4);
        // Beside the running collector (the endpoint's reads folded everything already).
        const beside = await runBin(['export', ...argsOf(CASES[0]!)], env);
        expect(beside).toMatchObject({ code: 0, stderr: '' });
        expect(beside.stdout).toBe(endpointAnswers[0]);
      } finally {
        expect(await collector.stop()).toBe(0);
      }

      for (const [i, params] of CASES.entries()) {
        const printed = await runBin(['export', ...argsOf(params)], env);
        expect(printed).toMatchObject({ code: 0, stderr: '' });
        expect(printed.stdout).toBe(endpointAnswers[i]);
        const out = join(dataDir, 'out', `report-${i}.${params['format']}`);
        const written = await runBin(['export', '--out', out, ...argsOf(params)], env);
        expect(written).toMatchObject({ code: 0, stdout: '', stderr: '' });
        expect(readFileSync(out, 'utf8')).toBe(endpointAnswers[i]);
      }
      // --out leaves no temp file behind.
      expect(readdirSync(join(dataDir, 'out')).filter((file) => file.startsWith('.'))).toEqual([]);
      // The same config file given with --config, as cron jobs often do.
      const withConfig = await runBin(['export', '--config', join(process.cwd(), 'otel-config.yaml'), ...argsOf(CASES[1]!)], env);
      expect(withConfig.stdout).toBe(endpointAnswers[1]);
    });

    it('refuses bad parameters with a message and exit status 2, writing nothing', async () => {
      const dataDir = join(root, `data-${++dirs}`);
      const env = testEnv(dataDir, storeEnv());
      const collector = await startCollector(env);
      await collector.stop();
      const out = join(dataDir, 'never.csv');
      const cases: Array<[string[], RegExp]> = [
        [['--report', 'monthly'], /report must be one of hourly, daily, weekly, sla, got "monthly"/],
        [['--format', 'xlsx'], /format must be one of csv, json, ndjson/],
        [['--by', 'agent', '--report', 'sla'], /by does not apply to report=sla/],
        [['--month', '2026-13'], /month must be YYYY-MM/],
        [['--from', '2026-02-30'], /from/],
        [['--service', 'nosuch'], /nosuch/],
        [['--month', '2026-11', '--window', '7d'], /not more than one/],
        [['--colour', 'red'], /Unknown option '--colour'/],
        [['daily'], /Unexpected argument 'daily'|positional/i],
      ];
      for (const [args, message] of cases) {
        const result = await runBin(['export', '--out', out, ...args], env);
        expect(result.code, args.join(' ')).toBe(2);
        expect(result.stderr).toMatch(message);
        expect(result.stderr).toContain('usage: spanpulse export');
      }
      expect(existsSync(out)).toBe(false);
    });
  });
}

exportContract('sqlite', () => ({}));
if (skipReason === '') {
  exportContract('mongodb', () => ({ MONGODB_URI: mongodbUri!, MONGODB_DATABASE: freshDatabase() }));
} else {
  describe.skip(`spanpulse export: mongodb (${skipReason})`, () => undefined);
}

describe('spanpulse export without a store', () => {
  it('says where it looked and exits 1 when the SQLite file does not exist', async () => {
    const result = await runBin(['export'], testEnv(join(root, 'empty')));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`no spanpulse store at ${join(root, 'empty', 'spanpulse.db')} (exporters.sqlite.path)`);
    expect(existsSync(join(root, 'empty'))).toBe(false);
  });

  it('names the config problem and exits 1', async () => {
    const result = await runBin(['export', '--config', '/nonexistent/otel-config.yaml'], testEnv(join(root, 'empty')));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('/nonexistent/otel-config.yaml');
  });
});
