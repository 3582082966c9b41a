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
  /** The first few rejection reasons, joined; empty when nothing was rejected. */
  errorMessage: string;
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
  const more = rejected - reasons.length;
  const errorMessage =
    rejected === 0 ? '' : `${rejected} span(s) rejected: ${reasons.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
  return { records, rejected, ignored, errorMessage };
}
