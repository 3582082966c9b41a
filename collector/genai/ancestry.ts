/**
 * Finding a model call's agent among the spans at hand (one OTLP request in mapSpans, one
 * store write in the stores): up from a span, the first span that names an agent is the
 * nearest agent ancestor; a span without one passes the search on to its parent.
 */
import { attributedCall } from '../mapping/genai.js';
import type { ModelCallRecord, PendingModelCallRecord, SpanRecord } from '../store/types.js';
import { UNATTRIBUTED } from '../store/types.js';

/** A span as an ancestor: the agent it names (or null), and its parent ('' for a root). */
export interface Ancestor {
  agentName: string | null;
  parentSpanId: string;
}

/** The ancestor `spanId` of trace `traceId`, or undefined when it is not at hand. */
export type AncestorLookup = (traceId: string, spanId: string) => Ancestor | undefined;

/** Deepest a search goes: traces are not this deep, and a cycle of bad parent ids must end. */
const MAX_DEPTH = 64;

/**
 * The nearest agent above `fromSpanId` (the span itself included), or the span to wait at:
 * the first one not at hand, '' when the root was reached without an agent.
 */
export function nearestAgent(traceId: string, fromSpanId: string, lookup: AncestorLookup): { agentName: string } | { waitAt: string } {
  let spanId = fromSpanId;
  for (let depth = 0; depth < MAX_DEPTH && spanId !== ''; depth++) {
    const ancestor = lookup(traceId, spanId);
    if (ancestor === undefined) break;
    if (ancestor.agentName !== null) return { agentName: ancestor.agentName };
    spanId = ancestor.parentSpanId;
  }
  return { waitAt: spanId };
}

/**
 * The settled model call (its agent found, or UNATTRIBUTED when the root was reached: nothing
 * above can name one), or the pending call waiting further up (unchanged when nothing new).
 */
export function settle(pending: PendingModelCallRecord, lookup: AncestorLookup): ModelCallRecord | PendingModelCallRecord {
  const found = nearestAgent(pending.traceId, pending.lookupSpanId, lookup);
  if ('agentName' in found) return attributedCall(pending, found.agentName);
  if (found.waitAt === '') return attributedCall(pending, UNATTRIBUTED);
  return found.waitAt === pending.lookupSpanId ? pending : { ...pending, lookupSpanId: found.waitAt };
}

/** The ancestor a record stands for; pending calls are none (their parent is what they wait for). */
export function ancestorOfRecord(record: SpanRecord): Ancestor | null {
  switch (record.kind) {
    case 'request':
    case 'agent_invocation':
      return { agentName: record.agentName, parentSpanId: record.parentSpanId ?? '' };
    case 'genai_link':
      return { agentName: record.agentName, parentSpanId: record.parentSpanId };
    case 'model_call':
      return { agentName: null, parentSpanId: record.parentSpanId };
    case 'pending_model_call':
      return null;
  }
}

/** A lookup over the records of one write, first record of each span winning. */
export function recordAncestors(records: readonly SpanRecord[]): AncestorLookup {
  const byId = new Map<string, Ancestor>();
  for (const record of records) {
    const ancestor = ancestorOfRecord(record);
    const key = `${record.traceId}:${record.spanId}`;
    if (ancestor !== null && !byId.has(key)) byId.set(key, ancestor);
  }
  return (traceId, spanId) => byId.get(`${traceId}:${spanId}`);
}
