/**
 * The overload of issue 10, shared by bench/overload.ts and the overload fault test: first the
 * collector's sustainable rate (`measureConnections` connections, each sending as soon as it is
 * answered, for `measureSeconds`), then `factor` times that rate for `seconds`, each request due
 * on a steady schedule whatever the answers, from up to `apps` apps with one request in flight
 * each (as many exporters with their own connection). A request's answer time runs from when it
 * got its connection, as an exporter's timeout does (the apps' own queue is not the collector's).
 */
import { Agent, request } from 'node:http';
import type { UniqueBodies } from './uniqueBodies.js';

export interface OverloadOptions {
  /** Times the sustainable rate offered; default 3. */
  factor?: number;
  /** Length of the overload; default 30 s. */
  seconds?: number;
  /** Most requests in flight at once; default 768 (under the receiver's max_connections, 1024). */
  apps?: number;
  /** Length of the measurement of the sustainable rate; default 5 s. */
  measureSeconds?: number;
  /** Connections of that measurement; default 16. */
  measureConnections?: number;
}

export type Answer = { status: number; ms: number; retryAfterS: number | null } | { error: string };

export interface OverloadResult {
  sustainableSpansPerSecond: number;
  offeredSpansPerSecond: number;
  /** Requests due during the overload. */
  due: number;
  /** Answers by status (or network error code) during the overload. */
  counts: Record<string, number>;
  /** Answer times of the overload's 200s, ms, ascending. */
  acknowledged: number[];
  /** Answer times of the overload's other answers, ms, ascending. */
  refused: number[];
  /** Longest Retry-After of any refusal, s; null when none carried one. */
  longestRetryAfterS: number | null;
  /** Requests answered 200, the measurement's included: what the store must hold. */
  acknowledgedRequests: number;
}

/** POSTs request k. */
function post(otlpUrl: string, agent: Agent, body: Buffer): Promise<Answer> {
  let began = performance.now();
  return new Promise((resolve) => {
    const req = request(`${otlpUrl}/v1/traces`, {
      method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length },
    }, (res) => {
      res.resume();
      const retryAfter = res.headers['retry-after'];
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - began, retryAfterS: retryAfter === undefined ? null : Number(retryAfter) }));
      res.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    });
    req.on('socket', () => { began = performance.now(); });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.end(body);
  });
}

export async function offerOverload(otlpUrl: string, requests: UniqueBodies, options: OverloadOptions = {}): Promise<OverloadResult> {
  const { factor = 3, seconds = 30, apps = 768, measureSeconds = 5, measureConnections = 16 } = options;
  let next = 0;
  let acknowledgedRequests = 0;

  const closed = new Agent({ keepAlive: true, maxSockets: measureConnections });
  const measureUntil = performance.now() + measureSeconds * 1000;
  let measured = 0;
  await Promise.all(Array.from({ length: measureConnections }, async () => {
    while (performance.now() < measureUntil) {
      const answer = await post(otlpUrl, closed, requests.body(next++));
      if ('status' in answer && answer.status === 200) measured += 1;
    }
  }));
  closed.destroy();
  acknowledgedRequests += measured;
  const sustainable = (measured * requests.spans) / measureSeconds;

  const answers: Answer[] = [];
  // Each app keeps its connection (an Agent keeps only 256 idle ones by default).
  const open = new Agent({ keepAlive: true, maxSockets: apps, maxFreeSockets: apps });
  const perSecond = (factor * sustainable) / requests.spans;
  const due = Math.round(perSecond * seconds);
  const began = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let sent = 0; sent < due;) {
    const dueNow = Math.min(due, Math.floor(((performance.now() - began) / 1000) * perSecond) + 1);
    for (; sent < dueNow; sent++) inFlight.push(post(otlpUrl, open, requests.body(next++)).then((answer) => { answers.push(answer); }));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await Promise.all(inFlight);
  open.destroy();

  const counts: Record<string, number> = {};
  const acknowledged: number[] = [];
  const refused: number[] = [];
  let longestRetryAfterS: number | null = null;
  for (const answer of answers) {
    const key = 'status' in answer ? String(answer.status) : answer.error;
    counts[key] = (counts[key] ?? 0) + 1;
    if (!('status' in answer)) continue;
    (answer.status === 200 ? acknowledged : refused).push(answer.ms);
    if (answer.retryAfterS !== null) longestRetryAfterS = Math.max(longestRetryAfterS ?? 0, answer.retryAfterS);
  }
  acknowledged.sort((a, b) => a - b);
  refused.sort((a, b) => a - b);
  return {
    sustainableSpansPerSecond: sustainable, offeredSpansPerSecond: factor * sustainable, due, counts, acknowledged, refused,
    longestRetryAfterS, acknowledgedRequests: acknowledgedRequests + acknowledged.length,
  };
}
