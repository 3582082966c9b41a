/**
 * Mapping all spans of one OTLP request, and summarising what could not be used for the
 * `partial_success` answer. Model calls whose agent is in the same request (through any
 * spans of it, GenAI or not) are credited to it here; the others stay pending (ancestry.ts).
 */
import { nearestAgent, settle, type Ancestor } from '../genai/ancestry.js';
import type { Span } from '../pdata/Span.js';
import type { SpanRecord } from '../store/types.js';
import { mapSpan, parentSpanIdOf, type MappingOptions } from './mapSpan.js';

export interface MappedSpans {
  records: SpanRecord[];
  rejected: number;
  ignored: number;
  /** The first few rejection reasons (describeRejections turns them into the answer's message). */
  reasons: string[];
}

/** How many distinct reasons a partial_success message lists before "and N more". */
const MAX_REASONS = 3;

export function mapSpans(spans: readonly Span[], options: MappingOptions): MappedSpans {
  const records: SpanRecord[] = [];
  const reasons: string[] = [];
  const mapped: Array<SpanRecord | null> = [];
  let rejected = 0;
  let ignored = 0;
  let genai = false;
  for (const span of spans) {
    const result = mapSpan(span, options);
    if (result.type === 'record') {
      records.push(result.record);
      mapped.push(result.record);
      if (result.record.kind === 'pending_model_call' || result.record.kind === 'genai_link') genai = true;
      continue;
    }
    mapped.push(null);
    if (result.type === 'ignored') ignored += 1;
    else {
      rejected += 1;
      if (reasons.length < MAX_REASONS) reasons.push(result.reason);
    }
  }
  if (genai) settleInRequest(spans, mapped, records);
  return { records, rejected, ignored, reasons };
}

/**
 * Credits pending model calls to their nearest agent among the request's spans, and lets
 * genai links carry the agent they lead to; what leads out of the request waits at the first
 * ancestor it does not hold.
 */
function settleInRequest(spans: readonly Span[], mapped: ReadonlyArray<SpanRecord | null>, records: SpanRecord[]): void {
  const byId = new Map<string, Ancestor>();
  spans.forEach((span, i) => {
    const record = mapped[i];
    const agentName = record?.kind === 'request' || record?.kind === 'agent_invocation' ? record.agentName : null;
    const key = `${span.traceId}:${span.spanId}`;
    if (!byId.has(key)) byId.set(key, { agentName, parentSpanId: parentSpanIdOf(span) });
  });
  const lookup = (traceId: string, spanId: string) => byId.get(`${traceId}:${spanId}`);
  records.forEach((record, i) => {
    if (record.kind === 'pending_model_call') {
      records[i] = settle(record, lookup);
    } else if (record.kind === 'genai_link' && record.agentName === null) {
      const found = nearestAgent(record.traceId, record.parentSpanId, lookup);
      records[i] = 'agentName' in found ? { ...record, agentName: found.agentName } : { ...record, parentSpanId: found.waitAt };
    }
  });
}

/** The `partial_success.error_message` for `rejected` spans, of which `reasons` name the first few; empty when none. */
export function describeRejections(rejected: number, reasons: readonly string[]): string {
  if (rejected === 0) return '';
  const listed = reasons.slice(0, MAX_REASONS);
  const more = rejected - listed.length;
  return `${rejected} span(s) rejected: ${listed.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
}
