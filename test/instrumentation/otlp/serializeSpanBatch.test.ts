/**
 * Spans encoded as they end, then wrapped by protobufSpanBatchSerializer, must give exactly
 * the bytes the official ProtobufTraceSerializer gives for the same spans: whatever a
 * collector accepts from the stock exporter, it accepts from ours. Spans come from the real
 * SDK, in every shape the SDK can produce.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace, type Attributes, type Context, type Link } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanLimits } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { protobufSpanBatchSerializer } from '../../../instrumentation/otlp/serializeSpanBatch.js';
import { SpanBatch } from '../../../instrumentation/otlp/SpanBatch.js';
import { decodeProtobufTraces } from '../../../collector/receiver/otlphttp/decodeProtobufTraces.js';

type Tracer = ReturnType<BasicTracerProvider['getTracer']>;

function record(produce: (tracer: Tracer, provider: BasicTracerProvider) => void, setup: { resource?: Attributes; spanLimits?: SpanLimits } = {}): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(setup.resource ?? { 'service.name': 'serializer-test' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
    ...(setup.spanLimits ? { spanLimits: setup.spanLimits } : {}),
  });
  produce(provider.getTracer('@opentelemetry/instrumentation-http', '0.223.0'), provider);
  return exporter.getFinishedSpans();
}

const remoteParent = (): Context =>
  trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    traceState: new TraceState('vendor=a,other=b'),
  });

const link: Link = {
  context: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.NONE, traceState: new TraceState('x=y') },
  attributes: { 'link.kind': 'follows', weight: 2 },
};

const cases: { name: string; spans: () => ReadableSpan[] }[] = [
  {
    name: 'a server span as the HTTP instrumentation makes it',
    spans: () =>
      record((tracer) => {
        const span = tracer.startSpan('POST', {
          kind: SpanKind.SERVER,
          attributes: { 'http.request.method': 'POST', 'url.path': '/api/agents/support/chat', 'server.port': 8080, 'client.address': '::ffff:127.0.0.1' },
        });
        span.setAttribute('session.id', '93bb76d0-6e4a-4a5f-ba9a-ccb2a172a1d9');
        span.setAttributes({ 'gen_ai.usage.input_tokens': 51, 'http.response.status_code': 200, 'http.route': '/api/agents/:agent/chat' });
        span.updateName('POST /api/agents/:agent/chat');
        span.end();
      }),
  },
  {
    name: 'every attribute value type and edge value',
    spans: () =>
      record((tracer) =>
        tracer
          .startSpan('values', {
            attributes: {
              empty: '',
              unicode: 'naïve 日本 🚀',
              long: 'x'.repeat(300),
              longUnicode: 'é'.repeat(100),
              zero: 0,
              int: 42,
              negative: -3,
              bigNegative: -(2 ** 40),
              safe: Number.MAX_SAFE_INTEGER,
              beyondSafe: 2 ** 60,
              int64Edge: 2 ** 63,
              double: 1.5,
              negativeDouble: -0.25,
              nan: NaN,
              infinity: Infinity,
              yes: true,
              no: false,
              strings: ['a', 'ü', ''],
              numbers: [1, 2.5, -7],
              booleans: [true, false],
              withHoles: ['a', null, undefined, 'b'],
              'clé unicode': 'v',
            },
          })
          .end(),
      ),
  },
  {
    name: 'every span kind, statuses with and without message',
    spans: () =>
      record((tracer) => {
        for (const kind of [SpanKind.INTERNAL, SpanKind.SERVER, SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER]) {
          const span = tracer.startSpan(`kind ${kind}`, { kind });
          if (kind === SpanKind.CLIENT) span.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream failed ✗' });
          if (kind === SpanKind.PRODUCER) span.setStatus({ code: SpanStatusCode.OK });
          if (kind === SpanKind.CONSUMER) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
        }
      }),
  },
  {
    name: 'local and remote parents, trace state, links and events',
    spans: () =>
      record((tracer) => {
        const parent = tracer.startSpan('remote child', { kind: SpanKind.SERVER, links: [link] }, remoteParent());
        const child = tracer.startSpan('local child', {}, trace.setSpan(ROOT_CONTEXT, parent));
        child.addEvent('started');
        child.addEvent('tokens', { input: 10, model: 'm-1' }, [1_700_000_000, 123_456_789]);
        child.recordException(new Error('boom'));
        child.addLink({ context: parent.spanContext() });
        child.end();
        parent.end();
      }),
  },
  {
    name: 'dropped attributes, events and links under span limits',
    spans: () =>
      record(
        (tracer) => {
          const span = tracer.startSpan('limited', { attributes: { a: 1, b: 2, c: 3 }, links: [link, link] });
          for (let i = 0; i < 3; i++) span.addEvent(`event ${i}`, { n: i, m: i, o: i });
          span.end();
        },
        { spanLimits: { attributeCountLimit: 2, eventCountLimit: 1, linkCountLimit: 1, attributePerEventCountLimit: 1, attributeValueLengthLimit: 4 } },
      ),
  },
  {
    name: 'several scopes (with version, without, with schema URL) interleaved',
    spans: () =>
      record((tracer, provider) => {
        const express = provider.getTracer('@opentelemetry/instrumentation-express', '0.71.1');
        const app = provider.getTracer('app');
        const versioned = provider.getTracer('versioned', '1.0.0', { schemaUrl: 'https://opentelemetry.io/schemas/1.28.0' });
        for (let i = 0; i < 3; i++) for (const t of [tracer, express, app, versioned]) t.startSpan(`span ${i}`).end();
      }),
  },
  {
    name: 'several resources in one batch, with array and numeric resource attributes',
    spans: () => [
      ...record((tracer) => tracer.startSpan('from a').end(), { resource: { 'service.name': 'a', 'process.command_args': ['node', 'app.js'], 'process.pid': 123 } }),
      ...record((tracer) => tracer.startSpan('from b').end(), { resource: { 'service.name': 'b' } }),
      ...record((tracer) => tracer.startSpan('from a again').end(), { resource: { 'service.name': 'a' } }),
    ],
  },
  {
    name: 'a batch of 600 spans and one span larger than 16 KiB',
    spans: () =>
      record((tracer) => {
        for (let i = 0; i < 600; i++) tracer.startSpan(`span ${i}`, { attributes: { i, path: `/items/${i}` } }).end();
        tracer.startSpan('huge', { attributes: { body: 'y'.repeat(20_000), more: 'z'.repeat(3_000_000) } }).end();
      }),
  },
];

describe('protobufSpanBatchSerializer', () => {
  it.each(cases)('writes the same bytes as the official serializer: $name', ({ spans: produce }) => {
    const spans = produce();
    const batch = new SpanBatch(64);
    for (const span of spans) batch.add(span);
    const ours = Buffer.from(protobufSpanBatchSerializer.serializeRequest(batch)!);
    expect(batch.count).toBe(spans.length);
    expect(ours.equals(Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!))).toBe(true);
    expect(decodeProtobufTraces(ours).map((span) => span.name)).toEqual(expect.arrayContaining(spans.map((span) => span.name)));
  });

  it('leaves the batch as it was when a span cannot be encoded', () => {
    const [good, broken, alsoGood] = record((tracer) => {
      tracer.startSpan('good').end();
      const span = tracer.startSpan('broken');
      span.updateName(42 as unknown as string);
      span.end();
      tracer.startSpan('also good').end();
    });
    const batch = new SpanBatch();
    batch.add(good!);
    expect(() => batch.add(broken!)).toThrow();
    batch.add(alsoGood!);
    expect(batch.count).toBe(2);
    expect(Buffer.from(protobufSpanBatchSerializer.serializeRequest(batch)!).equals(Buffer.from(ProtobufTraceSerializer.serializeRequest([good!, alsoGood!])!))).toBe(true);
  });
});
