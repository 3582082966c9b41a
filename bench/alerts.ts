/**
 * Cost of one alert evaluation cycle on the embedded SQLite store: 1 000 endpoints (5 services
 * x 200) with traffic in each of the last 10 minutes, 5 rules over them (error rate, client
 * error rate, average, p95 and p99 per endpoint, 5-minute windows), a tenth of the endpoints
 * slow and failing so that alerts go pending and fire. Each cycle reads the minute rollups,
 * the services, the current alert states and the silences, computes 5 000 group values and
 * stores the transitions; the clock moves 3 s a cycle. Prints the time per cycle; target:
 * under 100 ms.
 *
 *   npm run build && node dist/bench/alerts.js [--cycles 20] [--endpoints 1000] [--per-minute 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AlertEvaluator } from '../collector/alerts/AlertEvaluator.js';
import type { AlertRule } from '../collector/alerts/AlertRule.js';
import { WebhookSender } from '../collector/alerts/WebhookSender.js';
import { SqliteStore } from '../collector/store/sqlite/SqliteStore.js';
import type { RequestRecord } from '../collector/store/types.js';
import { AlertCounters } from '../collector/telemetry/AlertCounters.js';
import { seededRandom } from './seededRandom.js';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

const CYCLES = Number(option('cycles', '20'));
const ENDPOINTS = Number(option('endpoints', '1000'));
const PER_MINUTE = Number(option('per-minute', '3'));
const SERVICES = 5;
const MINUTE = 60_000;

const rule = (name: string, metric: AlertRule['metric'], threshold: number): AlertRule => ({
  name, metric, comparison: 'above', threshold, windowMs: 5 * MINUTE, forMs: 30_000, per: 'endpoint',
  service: undefined, endpoint: undefined, agent: undefined, model: undefined, minRequests: 1,
});
const RULES = [
  rule('errors', 'error_rate', 5), rule('client-errors', 'client_error_rate', 20), rule('avg', 'avg_response_time', 500),
  rule('p95', 'p95_response_time', 1000), rule('p99', 'p99_response_time', 2000),
];

function* traffic(start: number): Generator<RequestRecord[]> {
  const next = seededRandom(7);
  const hex = (digits: number) => Array.from({ length: digits }, () => Math.floor(next() * 16).toString(16)).join('');
  for (let minute = 0; minute < 10; minute++) {
    const batch: RequestRecord[] = [];
    for (let e = 0; e < ENDPOINTS; e++) {
      const bad = e % 10 === 0;
      for (let r = 0; r < PER_MINUTE; r++) {
        const roll = next();
        const outcome = bad && roll < 0.5 ? 'error' : roll < 0.05 ? 'client_error' : 'success';
        batch.push({
          kind: 'request', traceId: hex(32), spanId: hex(16), serviceName: `service-${e % SERVICES}`, endpoint: `/api/resource${e}/:id`, method: 'GET',
          statusCode: outcome === 'error' ? 500 : outcome === 'client_error' ? 404 : 200, responseTime: bad ? 1500 + next() * 500 : 20 + next() * 60,
          timestamp: new Date(start + minute * MINUTE + Math.floor(next() * 50_000)), sessionId: `session-${Math.floor(next() * 2000)}`, userId: null,
          agentName: null, ipAddress: null, userAgent: null, outcome, inputTokens: 0, outputTokens: 0, conversationId: null,
        });
      }
    }
    yield batch;
  }
}

async function main(): Promise<void> {
  console.log(`bench/alerts: node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'})`);
  console.log(`run as: node ${process.argv.slice(1).join(' ')}`);
  const dir = mkdtempSync(join(tmpdir(), 'spanpulse-bench-alerts-'));
  const store = new SqliteStore({ path: join(dir, 'spanpulse.db') });
  await store.start();
  try {
    const start = Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE;
    let records = 0;
    for (const batch of traffic(start)) records += (await store.write(batch)).stored;
    console.log(`store: SqliteStore, ${records} requests over 10 minutes on ${ENDPOINTS} endpoints (${SERVICES} services); ${RULES.length} rules per endpoint`);
    let clock = start + 10 * MINUTE - 1;
    const counters = new AlertCounters();
    const evaluator = new AlertEvaluator(store, new WebhookSender([], store, counters), counters, {
      rules: RULES, intervalMs: 30_000, minuteRetentionMs: 48 * 3_600_000, pageUrl: () => null, now: () => new Date(clock),
    });
    const times: number[] = [];
    let transitions = 0;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const began = performance.now();
      const summary = await evaluator.evaluate();
      times.push(performance.now() - began);
      transitions += summary.transitions.length;
      if (cycle === CYCLES - 1) console.log(`after ${CYCLES} cycles: ${summary.pending} pending, ${summary.firing} firing; ${transitions} transitions stored`);
      clock += 3000;
    }
    const sorted = [...times].sort((a, b) => a - b);
    const mean = times.reduce((sum, t) => sum + t, 0) / times.length;
    console.log(`evaluation per cycle (${RULES.length * ENDPOINTS} rule x endpoint groups): first ${times[0]!.toFixed(1)} ms, ` +
      `mean ${mean.toFixed(1)} ms, median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms, max ${sorted[sorted.length - 1]!.toFixed(1)} ms (target < 100 ms)`);
  } finally {
    await store.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
