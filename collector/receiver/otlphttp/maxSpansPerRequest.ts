/**
 * How many spans one OTLP request may carry, in both encodings. The body size limit alone does
 * not bound the work: an empty span is two bytes of protobuf, so 20 MiB (reachable from a
 * 19 KB gzip body) would decode into ten million span objects and exhaust the heap. Real
 * exporters send hundreds to a few thousand spans per request (the SDK's batch is 512, the
 * OpenTelemetry Collector's 8192), and 20 MiB of real spans is about 40 000.
 */
import { PipelineError } from '../../errors.js';

export const MAX_SPANS_PER_REQUEST = 100_000;

export function tooManySpans(): PipelineError {
  return PipelineError.permanent(413, `more than ${MAX_SPANS_PER_REQUEST} spans in one request; send smaller batches`);
}
