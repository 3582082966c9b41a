/**
 * Valid OTLP requests of a chosen size: SERVER spans made by the SDK, each carrying a padding
 * attribute (`test.padding`, which mapping ignores), so a body of megabytes decodes into a
 * few stored requests.
 */
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { makeSpans, otlpProtobuf, serverSpan } from './otelSpans.js';

/** `spans` spans of `service` whose protobuf request is about `bytes` long in all. */
export function paddedSpans(service: string, spans: number, bytes: number, startMs = Date.now() - 60_000): ReadableSpan[] {
  const padding = 'p'.repeat(Math.max(0, Math.floor(bytes / spans) - 200));
  return makeSpans(Array.from({ length: spans }, (_, i) => {
    const spec = serverSpan({ service, route: '/padded', status: 200, startMs: startMs + i, durationMs: 1 });
    return { ...spec, attributes: { ...spec.attributes, 'test.padding': padding } };
  }));
}

/** The protobuf ExportTraceServiceRequest of paddedSpans. */
export function paddedRequest(service: string, spans: number, bytes: number, startMs?: number): Buffer {
  return otlpProtobuf(paddedSpans(service, spans, bytes, startMs));
}
