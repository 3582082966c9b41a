/**
 * Realistic traffic for the API tests: two services, several endpoints (one erroring, one
 * slow), agents named by route parameter and by attribute, agent invocations as child spans,
 * sessions with and without user ids, spread over 16 days of hours before a pinned `now`.
 * Every request is kept as a SeedRecord too, the plain facts the expected figures are
 * computed from (test/api/support/expectedFigures.ts).
 */
import { SpanKind } from '@opentelemetry/api';
import type { SpanSpec } from '../../support/otelSpans.js';
import { serverSpan } from '../../support/otelSpans.js';

export interface SeedRecord {
  kind: 'request' | 'invocation';
  service: string;
  endpoint: string;
  method: string;
  status: number;
  outcome: 'success' | 'error' | 'client_error';
  startMs: number;
  durationMs: number;
  session: string | null;
  user: string | null;
  agent: string | null;
  inputTokens: number;
  outputTokens: number;
}

export interface Seed {
  specs: SpanSpec[];
  records: SeedRecord[];
}

const HOUR = 3_600_000;

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface EndpointPlan {
  service: string;
  method: string;
  route: string;
  /** Per request: path, agent from the route or attribute, latency, status, span error. */
  make(rand: () => number): { path: string; agent: string | null; agentByAttribute: boolean; ms: number; status: number; spanError: boolean };
  /** Relative traffic. */
  weight: number;
  /** Only in the last `recentHours` hours (for the slow endpoint). */
  recentHours?: number;
}

const ms3 = (x: number) => Math.round(x * 1000) / 1000;

const PLANS: EndpointPlan[] = [
  {
    service: 'shop', method: 'GET', route: '/api/products', weight: 5,
    make: (r) => ({ path: `/api/products`, agent: null, agentByAttribute: false, ms: ms3(3 + r() * 60), status: r() < 0.05 ? 404 : 200, spanError: false }),
  },
  {
    service: 'shop', method: 'POST', route: '/api/agents/:agent/chat', weight: 4,
    make: (r) => {
      const agent = r() < 0.6 ? 'support' : 'sales';
      return { path: `/api/agents/${agent}/chat`, agent, agentByAttribute: false, ms: ms3(150 + r() * 700), status: r() < 0.03 ? 500 : 200, spanError: false };
    },
  },
  {
    // Degraded: about 12 % errors, some as span status ERROR with a 200.
    service: 'shop', method: 'POST', route: '/api/orders', weight: 2,
    make: (r) => {
      const x = r();
      return { path: '/api/orders', agent: null, agentByAttribute: false, ms: ms3(40 + r() * 200), status: x < 0.08 ? 502 : x < 0.1 ? 400 : 200, spanError: x >= 0.1 && x < 0.14 };
    },
  },
  {
    // Down by latency: p95 far above 10 s, only in the last 30 hours.
    service: 'shop', method: 'GET', route: '/api/reports/:id', weight: 1, recentHours: 30,
    make: (r) => ({ path: `/api/reports/${Math.floor(r() * 1000)}`, agent: null, agentByAttribute: false, ms: ms3(11_000 + r() * 4000), status: 200, spanError: false }),
  },
  {
    service: 'crm', method: 'GET', route: '/api/contacts', weight: 3,
    make: (r) => ({ path: '/api/contacts', agent: null, agentByAttribute: false, ms: ms3(8 + r() * 90), status: r() < 0.02 ? 503 : 200, spanError: false }),
  },
  {
    service: 'crm', method: 'POST', route: '/api/agents/:agent/chat', weight: 2,
    make: (r) => ({ path: '/api/agents/support/chat', agent: 'support', agentByAttribute: false, ms: ms3(300 + r() * 600), status: 200, spanError: false }),
  },
  {
    service: 'crm', method: 'GET', route: '/api/contacts/:id/summary', weight: 1,
    make: (r) => ({ path: `/api/contacts/${Math.floor(r() * 100)}/summary`, agent: 'summarizer', agentByAttribute: true, ms: ms3(500 + r() * 2500), status: 200, spanError: false }),
  },
];

export interface SeedOptions {
  /** Requests end before this. */
  now: Date;
  /** How many hours back traffic starts. Default 16 days. */
  hours?: number;
  seed?: number;
  /** Unique prefix for session ids, so repeated seeds add new sessions. */
  sessionPrefix?: string;
}

export function seedTraffic(options: SeedOptions): Seed {
  const rand = random(options.seed ?? 42);
  const hours = options.hours ?? 16 * 24;
  const now = options.now.getTime();
  const prefix = options.sessionPrefix ?? 's';
  const totalWeight = PLANS.reduce((n, p) => n + p.weight, 0);
  const specs: SpanSpec[] = [];
  const records: SeedRecord[] = [];
  for (let h = hours; h >= 1; h -= 1) {
    // Busier in the afternoon (UTC) and growing over time, so distribution and growth have shape.
    const hourStart = now - h * HOUR;
    const hourOfDay = new Date(hourStart).getUTCHours();
    const count = 2 + Math.floor(rand() * 4) + (hourOfDay >= 12 && hourOfDay < 18 ? 3 : 0) + (h < 48 ? 2 : 0);
    for (let i = 0; i < count; i += 1) {
      let pick = rand() * totalWeight;
      const plan = PLANS.find((p) => (pick -= p.weight) < 0) ?? PLANS[0]!;
      if (plan.recentHours !== undefined && h > plan.recentHours) continue;
      const request = plan.make(rand);
      const startMs = hourStart + Math.floor(rand() * (HOUR - 20_000));
      const sessionNumber = Math.floor(rand() * 25);
      const session = rand() < 0.9 ? `${prefix}-${plan.service}-${sessionNumber}` : null;
      const user = session !== null && sessionNumber % 3 === 0 ? `${plan.service}-user-${sessionNumber % 9}` : null;
      const withInvocation = request.agent !== null && rand() < 0.5;
      const tokens = request.agent === null ? { input: 0, output: 0 } : { input: 10 + Math.floor(rand() * 500), output: 5 + Math.floor(rand() * 900) };
      const outcome = request.status >= 500 || request.spanError ? 'error' : request.status >= 400 ? 'client_error' : 'success';
      const spec = serverSpan({
        service: plan.service, method: plan.method, route: plan.route, path: request.path, status: request.status,
        startMs, durationMs: request.ms,
        ...(session === null ? {} : { sessionId: session }),
        ...(user === null ? {} : { userId: user }),
        ...(request.agentByAttribute && request.agent !== null ? { agent: request.agent } : {}),
        ...(withInvocation ? {} : { inputTokens: tokens.input, outputTokens: tokens.output }),
      });
      if (request.spanError) spec.error = true;
      records.push({
        kind: 'request', service: plan.service, endpoint: plan.route, method: plan.method, status: request.status, outcome,
        startMs, durationMs: request.ms, session, user, agent: request.agent,
        inputTokens: withInvocation ? 0 : tokens.input, outputTokens: withInvocation ? 0 : tokens.output,
      });
      if (withInvocation) {
        const invocationError = rand() < 0.05;
        spec.children = [{
          service: plan.service, name: `invoke_agent ${request.agent}`, kind: SpanKind.INTERNAL, startMs: startMs + 1, durationMs: ms3(request.ms - 2),
          attributes: { 'gen_ai.agent.name': request.agent!, 'gen_ai.usage.input_tokens': tokens.input, 'gen_ai.usage.output_tokens': tokens.output },
          error: invocationError,
        }];
        records.push({
          kind: 'invocation', service: plan.service, endpoint: '', method: '', status: 0, outcome: invocationError ? 'error' : 'success',
          startMs: startMs + 1, durationMs: ms3(request.ms - 2), session: null, user: null, agent: request.agent,
          inputTokens: tokens.input, outputTokens: tokens.output,
        });
      }
      specs.push(spec);
    }
  }
  return { specs, records };
}
