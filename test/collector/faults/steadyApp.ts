/**
 * The store outage tests' host app (fixtures/steadyExportApp.cjs: the real NodeSDK with the
 * stock OTLP/HTTP protobuf exporter at its defaults) run in a child process against a
 * collector, with what it sent recorded as OTLP/JSON; and the check that a collector's store
 * shows exactly what a control spanpulse, given each recorded span once, shows.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { Store } from '../../../collector/store/types.js';
import { eventually } from '../../support/partialPost.js';
import type { TestSpanpulse } from '../../support/spanpulse.js';
import { snapshotOf, type Outage } from '../store/faultSupport.js';

const APP = fileURLToPath(new URL('../fixtures/steadyExportApp.cjs', import.meta.url));
const SERVER = 2;

export interface SteadyApp {
  /** Resolves with the exit code once every span was ended and the SDK flushed. */
  exited: Promise<number | null>;
  /** What the app wrote on stderr so far (the SDK's diagnostics), for failure messages. */
  stderr(): string;
  /** The OTLP/JSON requests recorded (one per ended span); call after `exited`. */
  recorded(): OtlpJsonRequest[];
  kill(): void;
  remove(): void;
}

export interface OtlpJsonRequest {
  resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ kind: number }> }> }>;
}

/** Starts the app: `requests` requests at `rate` a second, exported to `otlpUrl` as service `service`. */
export function startSteadyApp(otlpUrl: string, service: string, requests: number, rate: number): SteadyApp {
  const dir = mkdtempSync(join(tmpdir(), 'spanpulse-steady-'));
  const record = join(dir, 'sent.ndjson');
  const child = spawn(process.execPath, [APP], {
    env: {
      PATH: process.env['PATH'],
      OTEL_SERVICE_NAME: service,
      OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      // The exporter's own reports of failed exports, for the failure message.
      OTEL_LOG_LEVEL: 'info',
      STEADY_REQUESTS: String(requests),
      STEADY_RATE: String(rate),
      STEADY_RECORD: record,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    exited,
    stderr: () => stderr,
    recorded: () => readFileSync(record, 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as OtlpJsonRequest),
    kill: () => child.kill('SIGKILL'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function serverSpansIn(requests: readonly OtlpJsonRequest[]): number {
  return requests.flatMap((r) => r.resourceSpans).flatMap((r) => r.scopeSpans).flatMap((s) => s.spans).filter((s) => s.kind === SERVER).length;
}

/** Sends `requests` to `control` merged into a few OTLP/JSON bodies (each span once). */
export async function sendOnce(control: TestSpanpulse, requests: readonly OtlpJsonRequest[], perBody = 400): Promise<void> {
  for (let i = 0; i < requests.length; i += perBody) {
    const body = { resourceSpans: requests.slice(i, i + perBody).flatMap((r) => r.resourceSpans) };
    const response = await control.post(Buffer.from(JSON.stringify(body)), { contentType: 'application/json' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
  }
}

/**
 * `store` shows exactly what `control` (given every span of `sent` once) shows: every figure,
 * session, service and stored request; and that is one stored request per SERVER span sent.
 */
export async function expectCountedOnce(store: Store, control: Store, sent: readonly OtlpJsonRequest[]): Promise<void> {
  const [shown, expected] = [await snapshotOf(store), await snapshotOf(control)];
  expect(expected.requests.length).toBe(serverSpansIn(sent));
  expect(shown).toEqual(expected);
}

/**
 * Runs the app against `collector` (a spanpulse on a store with the spool on): once its first
 * batch is stored, the store fails for `outageMs` (`outage`), then comes back; the app goes on
 * at its steady rate all along and flushes at the end. Resolves, once the spool has drained,
 * with what the app sent.
 */
export async function exportThroughOutage(
  collector: TestSpanpulse, outage: Outage, options: { service: string; requests: number; rate: number; outageMs: number },
): Promise<OtlpJsonRequest[]> {
  const app = startSteadyApp(collector.otlpUrl, options.service, options.requests, options.rate);
  try {
    await eventually(() => collector.telemetry.snapshot().spansAccepted > 0, 60_000);
    await outage.begin();
    await new Promise((resolve) => setTimeout(resolve, options.outageMs));
    // The app kept being answered 200 through the outage: its spans are in the spool.
    expect(collector.telemetry.snapshot().spool?.records).toBeGreaterThan(0);
    await outage.end();
    expect(await app.exited, app.stderr()).toBe(0);
    await eventually(() => {
      const spool = collector.telemetry.snapshot().spool;
      return spool !== null && spool.records === 0 && !spool.storeFailing;
    }, 120_000);
    return app.recorded();
  } finally {
    app.kill();
    app.remove();
  }
}
