/**
 * HTTP load for bench/overhead: the example app's request mix (a chat POST that reports token
 * usage, then `GET /api/agents`, alternating), sent without cookies, in two shapes:
 *
 * - closed loop (autocannon): each connection sends its next request when the last is
 *   answered, as fast as the app answers;
 * - open loop: requests are due at a steady rate whatever the app does.
 *
 * Latency percentiles come from every response time (sub-millisecond), not from a histogram.
 */
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';

export interface LoadResult {
  requestsPerSecond: number;
  /** Responses counted (answered requests). */
  total: number;
  /** Milliseconds. */
  p50: number;
  p99: number;
  /** Network errors and non-2xx answers. */
  failures: number;
}

const MIX = [
  { method: 'POST', path: '/api/agents/support/chat', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'How do I export my invoices?' }) },
  { method: 'GET', path: '/api/agents', headers: {}, body: undefined },
];

interface AutocannonResult {
  requests: { average: number; total: number };
  errors: number;
  non2xx: number;
}
type Autocannon = (options: object, done: (error: Error | null, result: AutocannonResult) => void) => NodeJS.EventEmitter;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export function loadClosedLoop(baseUrl: string, connections: number, durationSeconds: number): Promise<LoadResult> {
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon({ url: baseUrl, connections, duration: durationSeconds, requests: MIX }, (error, result) => {
      if (error) return reject(error);
      resolve({ requestsPerSecond: result.requests.average, total: result.requests.total, ...percentiles(latencies), failures: result.errors + result.non2xx });
    });
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTimeMs: number) => latencies.push(responseTimeMs));
  });
}

/**
 * Each latency runs from when its request was due, so time spent waiting for a free
 * connection counts (no coordinated omission). autocannon's own rate limit sends each
 * second's budget in one burst, which measures the burst, not the app.
 */
export function loadOpenLoop(baseUrl: string, connections: number, rate: number, durationSeconds: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const url = new URL(baseUrl);
  const latencies: number[] = [];
  const total = Math.round(rate * durationSeconds);
  const intervalMs = 1000 / rate;
  const start = performance.now();
  let [sent, answered, failures] = [0, 0, 0];
  return new Promise((resolve) => {
    const finish = (): void => {
      agent.destroy();
      resolve({ requestsPerSecond: answered / ((performance.now() - start) / 1000), total: answered, ...percentiles(latencies), failures });
    };
    const send = (index: number): void => {
      const due = start + index * intervalMs;
      const { method, path, headers, body } = MIX[index % MIX.length]!;
      let settled = false;
      const done = (ok: boolean): void => {
        if (settled) return;
        settled = true;
        latencies.push(performance.now() - due);
        answered += 1;
        if (!ok) failures += 1;
        if (answered === total) finish();
      };
      const req = request({ host: url.hostname, port: url.port, method, path, headers, agent }, (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode !== undefined && res.statusCode < 400));
        res.on('error', () => done(false));
      });
      req.on('error', () => done(false));
      req.end(body);
    };
    // setTimeout's 1 ms granularity sends what fell due meanwhile together; latencies still
    // count from each request's own due time.
    const tick = (): void => {
      const due = Math.min(total, Math.floor((performance.now() - start) / intervalMs) + 1);
      while (sent < due) send(sent++);
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
}

function percentiles(latencies: number[]): { p50: number; p99: number } {
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99) };
}
