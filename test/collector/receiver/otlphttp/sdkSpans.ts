/**
 * Spans for the wire-format tests, recorded by the real OpenTelemetry SDK, and the Span each
 * must decode to, derived from the SDK's own ReadableSpan (not from our decoders).
 */
import { SpanKind, SpanStatusCode, context, trace, type Attributes, type Tracer } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { AttributeValue, Span } from '../../../../collector/pdata/Span.js';

/** Runs `record` against a tracer whose resource has `resource` as attributes. */
export function recordSpans(resource: Attributes, record: (tracer: Tracer) => void): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  record(provider.getTracer('otlphttp-tests', '1.0.0'));
  return exporter.getFinishedSpans();
}

/**
 * The SDK only lets primitive attribute values through; exporters of other SDKs send maps,
 * bytes and nested arrays too. This presents a real span with such values, as the official
 * serializers would see them from those SDKs.
 */
export function withRawAttributes(span: ReadableSpan, attributes: Record<string, unknown>): ReadableSpan {
  return Object.create(span, { attributes: { value: attributes, enumerable: true } }) as ReadableSpan;
}

export { otlpJson, otlpProtobuf } from '../../../support/otelSpans.js';

const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z, in seconds

/** A varied set: two services, all span kinds, both HTTP conventions, every attribute value kind. */
export function variedSpans(): ReadableSpan[] {
  const agentApi = recordSpans(
    { 'service.name': 'agent-api', 'service.version': '1.4.2', 'host.cpus': 2, 'telemetry.sdk.debug': false },
    (tracer) => {
      const root = tracer.startSpan(
        'GET /api/agents/:agent/chat',
        {
          kind: SpanKind.SERVER,
          startTime: [T0, 123_456_789],
          attributes: {
            'http.method': 'GET',
            'http.status_code': 200,
            'http.target': '/api/agents/writer/chat?x=1',
            'http.route': '/api/agents/:agent/chat',
            'net.peer.ip': '203.0.113.7',
            'http.user_agent': 'Mozilla/5.0 (X11; Linux x86_64)',
            'session.id': '6f1c8b1e-3f0a-4d7e-9b61-2f4f2c0d9e11',
            'gen_ai.agent.name': 'writer',
          },
        },
      );
      const inRoot = trace.setSpan(context.active(), root);
      const internal = tracer.startSpan('render', { kind: SpanKind.INTERNAL, startTime: [T0, 200_000_000] }, inRoot);
      internal.setStatus({ code: SpanStatusCode.OK });
      internal.end([T0, 300_000_001]);
      const client = tracer.startSpan(
        'POST',
        {
          kind: SpanKind.CLIENT,
          startTime: [T0, 400_000_000],
          attributes: { 'http.request.method': 'POST', 'url.full': 'https://llm.example/v1', 'http.response.status_code': 504 },
          links: [{ context: internal.spanContext(), attributes: { 'link.reason': 'retry' } }],
        },
        inRoot,
      );
      client.addEvent('retry', { attempt: 2 }, [T0, 450_000_000]);
      client.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream timed out ✗' });
      client.end([T0, 900_000_000]);
      tracer.startSpan('publish', { kind: SpanKind.PRODUCER, startTime: [T0, 1] }, inRoot).end([T0, 2]);
      tracer.startSpan('consume', { kind: SpanKind.CONSUMER, startTime: [T0, 3] }).end([T0 + 1, 0]);
      root.end([T0, 987_654_321]);

      const stable = tracer.startSpan('POST /api/reports', {
        kind: SpanKind.SERVER,
        startTime: [T0 + 60, 999_999_999],
        attributes: {
          'http.request.method': 'POST',
          'http.response.status_code': 503,
          'url.path': '/api/reports',
          'http.route': '/api/reports',
          'client.address': '2001:db8::1',
          'user_agent.original': 'curl/8.5.0',
          'user.id': 'u-42',
          'attr.empty': '',
          'attr.unicode': 'naïve ✓ 日本',
          'attr.bool': true,
          'attr.int': 42,
          'attr.negative': -7,
          'attr.max_safe': Number.MAX_SAFE_INTEGER,
          'attr.min_safe': Number.MIN_SAFE_INTEGER,
          'attr.double': 3.25,
          'attr.negative_double': -0.001,
          'attr.strings': ['a', '', 'c'],
          'attr.ints': [1, -2, 3],
          'attr.doubles': [0.5, 1.5],
          'attr.bools': [true, false],
          'attr.with_null': ['x', null, 'z'],
        },
      });
      stable.setStatus({ code: SpanStatusCode.ERROR });
      stable.end([T0 + 61, 0]);
    },
  );
  const [last] = recordSpans({ 'service.name': 'billing' }, (tracer) => {
    tracer.startSpan('GET', { kind: SpanKind.SERVER, startTime: [T0, 0] }).end([T0, 5_000]);
  });
  const raw = withRawAttributes(last!, {
    'gen_ai.agent.name': 'billing-bot',
    'attr.kvlist': { model: 'm-1', limits: { tokens: 4096, stream: true }, tags: ['a', 'b'] },
    'attr.bytes': new Uint8Array([0, 1, 2, 250, 255]),
    'attr.empty_bytes': new Uint8Array([]),
    'attr.nested_arrays': [[1, 2], ['a'], []],
    'attr.mixed': [1, 'one', true, 1.5],
  });
  return [...agentApi, raw];
}

/** What a decoder must produce for `span`, computed from the SDK's view of it. */
export function expectedSpan(span: ReadableSpan): Span {
  const hrToNanos = ([seconds, nanos]: [number, number]) => BigInt(seconds) * 1_000_000_000n + BigInt(nanos);
  return {
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? '',
    name: span.name,
    kind: span.kind + 1, // the API has no UNSPECIFIED, OTLP numbers start at 1
    startTimeUnixNano: hrToNanos(span.startTime),
    endTimeUnixNano: hrToNanos(span.endTime),
    attributes: toAttributeMap(span.attributes),
    statusCode: span.status.code,
    statusMessage: span.status.message ?? '',
    resource: toAttributeMap(span.resource.attributes),
  };
}

function toAttributeMap(attributes: Record<string, unknown>): Map<string, AttributeValue> {
  return new Map(Object.entries(attributes).map(([key, value]) => [key, toAttributeValue(value)]));
}

function toAttributeValue(value: unknown): AttributeValue {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(toAttributeValue);
  if (typeof value === 'object') return toAttributeMap(value as Record<string, unknown>);
  return value as string | number | boolean;
}
