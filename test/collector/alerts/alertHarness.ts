/**
 * Shared by the alert tests: a clock a test moves by hand, the stores to run on (SQLite always,
 * MongoDB when the test server is there), spans sent through the real receiver as exporters
 * send them, and a real local HTTP server standing in for a webhook receiver.
 */
import { afterAll, afterEach, expect } from 'vitest';
import { HookReceiver } from '../../support/HookReceiver.js';
import { ConfigSchema } from '../../../collector/config/Config.js';
import { makeSpans, otlpProtobuf, serverSpan } from '../../support/otelSpans.js';
import { startTestSpanpulse, type TestSpanpulse, type TestSpanpulseOptions } from '../../support/spanpulse.js';
import { freshDatabase, mongodbUri } from '../store/mongodbSupport.js';

export const MINUTE = 60_000;

export class ManualClock {
  private ms: number;

  /** Starts `minutesAgo` before the real time, 30 s into a minute (spans may not lie far in the future). */
  constructor(minutesAgo: number) {
    this.ms = Math.floor(Date.now() / MINUTE) * MINUTE - minutesAgo * MINUTE + 30_000;
  }

  readonly now = (): Date => new Date(this.ms);

  advance(ms: number): void {
    this.ms += ms;
  }
}

/** The stores every alert test runs on. */
export const BACKENDS: Array<{ name: string; options: () => TestSpanpulseOptions }> = [
  { name: 'sqlite', options: () => ({}) },
  ...(mongodbUri === null ? [] : [{ name: 'mongodb', options: () => ({ mongoUri: mongodbUri!, mongoDatabase: freshDatabase() }) }]),
];

/** The shipped rules (the schema's defaults), each enabled, as config. */
export function shippedRule(name: string): Record<string, unknown> {
  const rule = ConfigSchema.parse({}).extensions.alerts.rules.find((r) => r.name === name);
  if (rule === undefined) throw new Error(`no shipped rule ${name}`);
  return { ...rule, window: `${rule.window}ms`, for: `${rule.for}ms`, enabled: true };
}

export interface Traffic {
  service?: string;
  route?: string;
  method?: string;
  /** Requests, each its own session unless `sessions` is given. */
  count: number;
  errors?: number;
  durationMs?: number;
  sessions?: number;
  /** Span start, epoch ms. */
  atMs: number;
}

/** Sends the requests as one OTLP/protobuf request from the real serializer; waits for the 200. */
export async function send(spanpulse: TestSpanpulse, ...traffic: Traffic[]): Promise<void> {
  const specs = traffic.flatMap((t) => Array.from({ length: t.count }, (_, i) => serverSpan({
    service: t.service ?? 'shop', method: t.method ?? 'GET', route: t.route ?? '/api/items', status: i < (t.errors ?? 0) ? 500 : 200,
    startMs: t.atMs + i, durationMs: t.durationMs ?? 20, sessionId: `s-${t.atMs}-${i % (t.sessions ?? t.count)}`,
  })));
  const response = await spanpulse.post(otlpProtobuf(makeSpans(specs)));
  expect(response.status).toBe(200);
}

/**
 * An evaluation right after a send. A read while an append is in flight may be up to a second
 * behind the writes already answered (README "Storage"), as a scheduled evaluation would be, so
 * this evaluates again (same clock, so nothing else changes) until there are transitions or
 * 2 s have passed, and returns the last evaluation.
 */
export async function evaluateAfterSend<T extends { transitions: unknown[] }>(evaluate: () => Promise<T>): Promise<T> {
  const until = Date.now() + 2000;
  for (;;) {
    const evaluation = await evaluate();
    if (evaluation.transitions.length > 0 || Date.now() >= until) return evaluation;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export { HookReceiver, type ReceivedHook } from '../../support/HookReceiver.js';

/** Polls `condition` every 50 ms until it holds (or fails the test after `timeoutMs`). */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 30_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A webhook receiver for the describe block, and `start()`ing spanpulses that are stopped after each test. */
export function useAlertSpanpulse(): { receiver: HookReceiver; start(options: TestSpanpulseOptions): Promise<TestSpanpulse> } {
  const receiver = new HookReceiver();
  let spanpulse: TestSpanpulse | undefined;
  afterEach(async () => {
    await spanpulse?.stop();
    spanpulse = undefined;
  });
  afterAll(() => receiver.stop());
  return { receiver, start: async (options) => (spanpulse = await startTestSpanpulse(options)) };
}
