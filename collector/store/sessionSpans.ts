/**
 * What both backends share in finding a session's raw documents (StoreReader.findSessionSpans):
 * the traces of its requests and the time they span.
 */
import type { ApiMetric } from './types.js';

export interface TraceWindow {
  traceIds: string[];
  /** The first request's start ... */
  from: Date;
  /** ... and the last request end: the agent invocations and model calls looked for start within. */
  to: Date;
}

export function traceWindowOf(requests: readonly ApiMetric[]): TraceWindow {
  let from = Infinity;
  let to = -Infinity;
  const traceIds = new Set<string>();
  for (const request of requests) {
    const start = request.timestamp.getTime();
    from = Math.min(from, start);
    to = Math.max(to, start + request.responseTime);
    traceIds.add(request.traceId);
  }
  return { traceIds: [...traceIds], from: new Date(from), to: new Date(to) };
}
