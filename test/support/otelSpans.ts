/**
 * Test spans made by the real OpenTelemetry SDK (BasicTracerProvider) and request bodies
 * made by the official OTLP serializers, so tests feed the collector exactly what
 * exporters send.
 */
import { SpanKind, SpanStatusCode, context, trace, type Attributes } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';

export interface SpanSpec {
  service?: string;
  name?: string;
  kind?: SpanKind;
  attributes?: Attributes;
  /** Start, epoch milliseconds. */
  startMs: number;
  durationMs: number;
  error?: boolean;
  /** Child spans started inside this one (same trace). */
  children?: SpanSpec[];
}

/** Runs every spec through a real tracer and returns the finished spans (children included). */
export function makeSpans(specs: readonly SpanSpec[]): ReadableSpan[] {
  const byService = new Map<string, SpanSpec[]>();
  for (const spec of specs) {
    const service = spec.service ?? 'test-service';
    byService.set(service, [...(byService.get(service) ?? []), spec]);
  }
  const finished: ReadableSpan[] = [];
  for (const [service, serviceSpecs] of byService) {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': service }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const tracer = provider.getTracer('spanpulse-tests');
    const start = (spec: SpanSpec, parent = context.active()) => {
      const span = tracer.startSpan(
        spec.name ?? 'GET',
        { kind: spec.kind ?? SpanKind.SERVER, attributes: spec.attributes ?? {}, startTime: spec.startMs },
        parent,
      );
      for (const child of spec.children ?? []) start(child, trace.setSpan(parent, span));
      if (spec.error) span.setStatus({ code: SpanStatusCode.ERROR, message: 'failed' });
      span.end(spec.startMs + spec.durationMs);
    };
    for (const spec of serviceSpecs) start(spec);
    finished.push(...exporter.getFinishedSpans());
  }
  return finished;
}

export function otlpJson(spans: ReadableSpan[]): Buffer {
  return Buffer.from(JsonTraceSerializer.serializeRequest(spans)!);
}

export function otlpProtobuf(spans: ReadableSpan[]): Buffer {
  return Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
}

/** A protobuf ExportTraceServiceRequest of `count` empty spans (2 bytes each), written by hand: the SDK would take minutes. */
export function manyEmptySpansProtobuf(count: number): Buffer {
  const varint = (value: number): number[] => {
    const bytes: number[] = [];
    for (; value > 0x7f; value >>>= 7) bytes.push((value & 0x7f) | 0x80);
    bytes.push(value);
    return bytes;
  };
  const spans = Buffer.alloc(count * 2);
  for (let i = 0; i < count; i++) spans[i * 2] = 0x12; // ScopeSpans.spans (field 2), length 0
  const scopeSpans = Buffer.concat([Buffer.from([0x12, ...varint(spans.length)]), spans]); // ResourceSpans.scope_spans (2)
  return Buffer.concat([Buffer.from([0x0a, ...varint(scopeSpans.length)]), scopeSpans]); // resource_spans (1)
}

/** A SERVER span as instrumentation-http 0.223 + instrumentation-express report it (stable names). */
export function serverSpan(options: {
  service?: string;
  method?: string;
  route: string;
  path?: string;
  status: number;
  startMs: number;
  durationMs: number;
  sessionId?: string;
  userId?: string;
  agent?: string;
  inputTokens?: number;
  outputTokens?: number;
  legacyNames?: boolean;
}): SpanSpec {
  const method = options.method ?? 'GET';
  const path = options.path ?? options.route;
  const attributes: Attributes = options.legacyNames
    ? { 'http.method': method, 'http.status_code': options.status, 'http.target': path, 'http.route': options.route,
        'net.peer.ip': '10.1.2.3', 'http.user_agent': 'legacy-agent/1.0' }
    : { 'http.request.method': method, 'http.response.status_code': options.status, 'url.path': path, 'http.route': options.route,
        'client.address': '10.1.2.3', 'user_agent.original': 'test-agent/1.0' };
  if (options.sessionId) attributes['session.id'] = options.sessionId;
  if (options.userId) attributes['user.id'] = options.userId;
  if (options.agent) attributes['gen_ai.agent.name'] = options.agent;
  if (options.inputTokens !== undefined) attributes['gen_ai.usage.input_tokens'] = options.inputTokens;
  if (options.outputTokens !== undefined) attributes['gen_ai.usage.output_tokens'] = options.outputTokens;
  return {
    service: options.service,
    name: `${method} ${options.route}`,
    kind: SpanKind.SERVER,
    attributes,
    startMs: options.startMs,
    durationMs: options.durationMs,
  };
}
