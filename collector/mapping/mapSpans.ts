/**
 * Mapping all spans of one OTLP request, and summarising what could not be used for the
 * `partial_success` answer.
 */
import type { Span } from '../pdata/Span.js';
import type { SpanRecord } from '../store/types.js';
import { mapSpan, type MappingOptions } from './mapSpan.js';

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
  let rejected = 0;
  let ignored = 0;
  for (const span of spans) {
    const result = mapSpan(span, options);
    if (result.type === 'record') records.push(result.record);
    else if (result.type === 'ignored') ignored += 1;
    else {
      rejected += 1;
      if (reasons.length < MAX_REASONS) reasons.push(result.reason);
    }
  }
  return { records, rejected, ignored, reasons };
}

/** The `partial_success.error_message` for `rejected` spans, of which `reasons` name the first few; empty when none. */
export function describeRejections(rejected: number, reasons: readonly string[]): string {
  if (rejected === 0) return '';
  const listed = reasons.slice(0, MAX_REASONS);
  const more = rejected - listed.length;
  return `${rejected} span(s) rejected: ${listed.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
}
