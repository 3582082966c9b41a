/**
 * Scheduled reports end to end, as a deployment runs them: the real collector (a child process
 * on the shipped config, `extensions.reports.webhooks: true`, the alert webhook pointed at a
 * real local HTTP server) writes, at start, the daily and weekly reports due, as CSV and JSON
 * under ${SPANPULSE_DATA_DIR}/reports, with what the export endpoint serves for the same
 * parameters, and POSTs each, signed, to the webhook. The traffic was taken in over OTLP by an
 * earlier collector that ran without the reports extension. On both stores.
 */
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SHIPPED_CONFIG, startCollector, testEnv } from '../../support/binProcess.js';
import { HookReceiver } from '../../support/HookReceiver.js';
import { makeSpans, otlpProtobuf, serverSpan } from '../../support/otelSpans.js';
import { dropDatabasesAfterAll, freshDatabase, mongodbUri, skipReason } from '../store/mongodbSupport.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const root = mkdtempSync(join(tmpdir(), 'spanpulse-reports-bin-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
dropDatabasesAfterAll();
let dirs = 0;

/** The shipped config with one line changed (the original checked to be there). */
function shippedWith(from: string, to: string): string {
  const text = readFileSync(SHIPPED_CONFIG, 'utf8');
  expect(text).toContain(from);
  const path = join(mkdtempSync(join(root, 'config-')), 'otel-config.yaml');
  writeFileSync(path, text.replace(from, to));
  return path;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function reportsBinContract(name: string, storeEnv: () => Record<string, string>): void {
  describe(`scheduled reports in the collector: ${name}`, () => {
    it('writes the due day and week as CSV and JSON under SPANPULSE_DATA_DIR/reports and posts them to the webhook', async () => {
      const hooks = new HookReceiver();
      const url = await hooks.start();
      const { received } = hooks;
      const secret = 'a-webhook-secret';
      const dataDir = join(root, `data-${++dirs}`);
      const env = testEnv(dataDir, {
        ...storeEnv(), SPANPULSE_ALERT_WEBHOOK_URL: url, SPANPULSE_ALERT_WEBHOOK_SECRET: secret,
      });
      // The day whose report is due now (15 min after its end, the shipped delay) and its week.
      const dueDay = Math.floor((Date.now() - 15 * MINUTE) / DAY) * DAY - DAY;
      try {
        const ingest = await startCollector(env, shippedWith('extensions: [status_api, retention, alerts, reports]', 'extensions: [status_api, retention]'));
        try {
          const spans = Array.from({ length: 30 }, (_, n) => serverSpan({
            service: n % 3 === 0 ? 'blog' : 'shop', route: n % 2 === 0 ? '/api/items' : '/api/cart', status: n % 5 === 0 ? 503 : 200,
            startMs: dueDay + 6 * 60 * MINUTE + n * 7 * MINUTE, durationMs: 10 + n, sessionId: `s${n % 4}`,
          }));
          const response = await fetch(`${ingest.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: otlpProtobuf(makeSpans(spans)) });
          expect(response.status).toBe(200);
        } finally {
          expect(await ingest.stop()).toBe(0);
        }
        expect(existsSync(join(dataDir, 'reports'))).toBe(false);

        const collector = await startCollector(env, shippedWith('    webhooks: false', '    webhooks: true'));
        try {
          const reports = join(dataDir, 'reports');
          const daily = `spanpulse-daily-service-${day(dueDay)}--${day(dueDay + DAY)}`;
          const deadline = Date.now() + 30_000;
          while (received.filter((r) => r.headers['x-spanpulse-event'] === 'report').length < 2 && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
          const files = readdirSync(reports).sort();
          // Daily and weekly, by service and endpoint, CSV and JSON; nothing half-written.
          expect(files).toHaveLength(8);
          expect(files).toContain(`${daily}.csv`);
          expect(files).toContain(`${daily}.json`);
          expect(files.filter((file) => file.startsWith('spanpulse-weekly-'))).toHaveLength(4);

          // The files hold what the export endpoint serves for the same parameters.
          for (const format of ['csv', 'json']) {
            const query = new URLSearchParams({ report: 'daily', by: 'service', format, from: day(dueDay), to: day(dueDay + DAY) });
            const answer = await fetch(`${collector.apiUrl}/api/status/export?${query}`);
            expect(answer.status).toBe(200);
            expect(readFileSync(join(reports, `${daily}.${format}`), 'utf8')).toBe(await answer.text());
          }
          const rows = JSON.parse(readFileSync(join(reports, `${daily}.json`), 'utf8')) as Array<{ service: string; requests: number; errors: number }>;
          expect(rows.map((r) => [r.service, r.requests, r.errors])).toEqual([['blog', 10, 2], ['shop', 20, 4]]);

          // One POST per kind, signed, naming the files and the per-service figures.
          const posts = received.filter((r) => r.headers['x-spanpulse-event'] === 'report');
          expect(posts).toHaveLength(2);
          const bodies = posts.map((post) => {
            expect(post.headers['x-spanpulse-signature']).toBe(`sha256=${createHmac('sha256', secret).update(post.body).digest('hex')}`);
            return JSON.parse(post.body) as { report: string; from: string; files: Array<{ name: string }>; services: Array<{ service: string; requests: number }> };
          });
          const dailyPost = bodies.find((body) => body.report === 'daily')!;
          expect(dailyPost.from).toBe(new Date(dueDay).toISOString());
          expect(dailyPost.files.map((f) => f.name).sort()).toEqual(files.filter((file) => file.startsWith('spanpulse-daily-')));
          expect(dailyPost.services.map((s) => [s.service, s.requests])).toEqual([['blog', 10], ['shop', 20]]);
          expect(bodies.map((body) => body.report).sort()).toEqual(['daily', 'weekly']);
        } finally {
          expect(await collector.stop()).toBe(0);
        }
      } finally {
        await hooks.stop();
      }
    }, 120_000);
  });
}

reportsBinContract('sqlite', () => ({}));
if (skipReason === '') {
  reportsBinContract('mongodb', () => ({ MONGODB_URI: mongodbUri!, MONGODB_DATABASE: freshDatabase() }));
} else {
  describe.skip(`scheduled reports in the collector: mongodb (${skipReason})`, () => undefined);
}
