/**
 * Valid OTLP requests of a chosen size: SERVER spans made by the SDK, each carrying a padding
 * attribute (`test.padding`, which mapping ignores), so a body of megabytes decodes into a
 * few stored requests.
 */
import { makeSpans, otlpProtobuf, serverSpan } from './otelSpans.js';

/** A protobuf ExportTraceServiceRequest of `spans` spans of `service`, about `bytes` long in all. */
export function paddedRequest(service: string, spans: number, bytes: number, startMs = Date.now() - 60_000): Buffer {
  const padding = 'p'.repeat(Math.max(0, Math.floor(bytes / spans) - 200));
  const specs = Array.from({ length: spans }, (_, i) => ({
    ...serverSpan({ service, route: '/padded', status: 200, startMs: startMs + i, durationMs: 1 }),
  }));
  for (const spec of specs) spec.attributes = { ...spec.attributes, 'test.padding': padding };
  return otlpProtobuf(makeSpans(specs));
}
