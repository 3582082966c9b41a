/**
 * The realistic request records the store benchmarks write: 3 services, 40 endpoints, 4
 * agents, 5,000 sessions spread over the 24 h before the run, log-normal latencies, 2 % 5xx,
 * 4 % 4xx. Deterministic, so runs and stores are comparable.
 */
import type { RequestRecord } from '../collector/store/types.js';
import { seededRandom } from './seededRandom.js';

/** The records span the 24 h before the run. */
const START = Date.now() - 24 * 3_600_000;
const SERVICES = ['shop', 'shop', 'shop', 'shop', 'shop', 'blog', 'blog', 'admin'];
const AGENTS = ['support', 'sales', 'planner', 'coder'];
const ENDPOINTS = Array.from({ length: 40 }, (_, i) => ({
  endpoint: i < 4 ? `/api/agents/:agent/chat/${i}` : `/api/resource${i}/:id`,
  method: ['GET', 'GET', 'POST', 'PUT', 'DELETE'][i % 5]!,
}));

/** Batches of the same records on every call: generated lazily, so peak RSS is the store's, not the input's. */
export function* batchesOf(count: number, size: number): Generator<RequestRecord[]> {
  const next = seededRandom(42);
  const hex = (digits: number) => Array.from({ length: digits }, () => Math.floor(next() * 16).toString(16)).join('');
  const step = (24 * 3_600_000) / count;
  for (let first = 0; first < count; first += size) {
    yield Array.from({ length: Math.min(size, count - first) }, (_, offset) => record(first + offset));
  }
  function record(i: number): RequestRecord {
    const target = ENDPOINTS[Math.floor(next() * ENDPOINTS.length)]!;
    const agentName = target.endpoint.startsWith('/api/agents') ? AGENTS[Math.floor(next() * AGENTS.length)]! : null;
    const roll = next();
    const session = next() < 0.85 ? Math.floor(next() * 5000) : null;
    const gaussian = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    return {
      kind: 'request', traceId: hex(32), spanId: hex(16),
      serviceName: SERVICES[Math.floor(next() * SERVICES.length)]!,
      endpoint: target.endpoint, method: target.method,
      statusCode: roll < 0.02 ? 500 : roll < 0.06 ? 404 : 200,
      responseTime: Math.exp(Math.log(40) + 0.8 * gaussian),
      timestamp: new Date(START + i * step),
      sessionId: session === null ? null : `session-${session}`,
      userId: session !== null && session % 3 === 0 ? `user-${session % 1200}` : null,
      agentName,
      ipAddress: `10.0.${session === null ? 0 : session % 250}.${i % 250}`,
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
      outcome: roll < 0.02 ? 'error' : roll < 0.06 ? 'client_error' : 'success',
      inputTokens: agentName === null ? 0 : Math.floor(next() * 800),
      outputTokens: agentName === null ? 0 : Math.floor(next() * 1500),
      conversationId: null,
    };
  }
}
