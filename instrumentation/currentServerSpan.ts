/**
 * Finds the span that represents the request being handled: its SERVER span.
 *
 * Inside an Express handler the active span is usually an Express layer span, and attributes
 * set there would not describe the request (the collector reads requests from SERVER spans
 * and would count a non-server span with an agent name as a separate agent invocation).
 * The HTTP instrumentation stores its server span in the request's context as RPC metadata
 * (the same slot the Express instrumentation uses to set `http.route`), and that context is
 * inherited by every span and callback of the request.
 */
import { context, trace, type Span } from '@opentelemetry/api';
import { getRPCMetadata } from '@opentelemetry/core';

/**
 * The recording SERVER span of the current request; outside a request, the active recording
 * span (e.g. a span the app started for a background agent run); else undefined, which is
 * always the case when the SDK is not running or the request was not sampled.
 */
export function currentServerSpan(): Span | undefined {
  const active = context.active();
  const metadata = getRPCMetadata(active);
  const span = metadata !== undefined ? metadata.span : trace.getSpan(active);
  return span !== undefined && span.isRecording() ? span : undefined;
}
