/**
 * A real spanpulse (receiver, pipeline, store) plus a status API app with a pinned clock on
 * the same store, on port 0. Spans go in through POST /v1/traces, serialized by the official
 * OTLP protobuf serializer from spans the OpenTelemetry SDK made.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiApp, type ApiOptions } from '../../../api/createApiApp.js';
import { DEFAULT_THRESHOLDS, type StateThresholds } from '../../../api/stats/healthState.js';
import type { Retention } from '../../../collector/store/types.js';
import { makeSpans, otlpProtobuf, type SpanSpec } from '../../support/otelSpans.js';
import type { TestSpanpulse } from '../../support/spanpulse.js';

const DAY = 86_400_000;
export const RETENTION: Retention = {
  apiMetricsMs: 30 * DAY, minuteMetricsMs: 2 * DAY, hourlyMetricsMs: 90 * DAY, dailyMetricsMs: 400 * DAY, agentMetricsMs: 400 * DAY, sessionsMs: 400 * DAY,
};
export const SESSION_INACTIVITY_MS = 30 * 60_000;

/** Starts a spanpulse (SQLite or MongoDB); the API contract runs against each. */
export type SpanpulseFactory = () => Promise<TestSpanpulse>;

/** What a test may set of the app besides store, clock and thresholds: who may read (access) and the SLA objectives (slo). */
export type HarnessOptions = Pick<ApiOptions, 'access' | 'slo'>;

export interface ApiHarness {
  spanpulse: TestSpanpulse;
  /** Base URL of the pinned-clock API app. */
  url: string;
  now: Date;
  /** Sends spans through OTLP/HTTP (protobuf) in batches, retrying 429/503 like an exporter; fails the test on anything else. */
  send(specs: readonly SpanSpec[]): Promise<void>;
  getJson(path: string): Promise<{ status: number; headers: Headers; body: any }>;
  close(): Promise<void>;
}

export async function startApiHarness(factory: SpanpulseFactory, now: Date, thresholds: StateThresholds = DEFAULT_THRESHOLDS,
  retention: Retention = RETENTION, options: HarnessOptions = {}): Promise<ApiHarness> {
  const spanpulse = await factory();
  const app = createApiApp({
    ...options,
    store: spanpulse.store,
    telemetry: spanpulse.telemetry,
    version: 'test',
    sessionInactivityMs: SESSION_INACTIVITY_MS,
    thresholds,
    retention,
    now: () => now,
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    // Longer than fetch keeps idle connections, so a request is never sent on one the server is closing.
    listening.keepAliveTimeout = 65_000;
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    spanpulse,
    url,
    now,
    async send(specs) {
      for (let i = 0; i < specs.length; i += 200) {
        const body = otlpProtobuf(makeSpans(specs.slice(i, i + 200)));
        // As an exporter does: 429 and 503 are retried after Retry-After (a slow FerretDB times out now and then).
        for (let attempt = 1; ; attempt += 1) {
          const response = await spanpulse.post(body);
          if (response.status === 200) break;
          const retryable = response.status === 429 || response.status === 503;
          if (!retryable || attempt === 10) throw new Error(`OTLP POST answered ${response.status}: ${await response.text()}`);
          await new Promise((resolve) => setTimeout(resolve, 1000 * Number(response.headers.get('retry-after') ?? 1)));
        }
      }
    },
    async getJson(path) {
      const response = await fetch(url + path);
      return { status: response.status, headers: response.headers, body: await response.json() };
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await spanpulse.stop();
    },
  };
}

/** A fixed "now" at 25 minutes past an hour, 1-2 hours before the wall clock (the receiver refuses spans from the future). */
export function pinnedNow(): Date {
  const hour = 3_600_000;
  return new Date(Math.floor(Date.now() / hour) * hour - hour + 25 * 60_000 + 17_123);
}
