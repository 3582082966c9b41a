/**
 * The encoding batch processor with the real protobuf exporter, spans from the real SDK, and
 * an HTTP endpoint that decodes what arrives with the collector's decoder: the batcher's
 * manners (full batches at once, partial ones after the delay, bounded queue, flush,
 * shutdown, failures and timeouts that do not stall it) seen from the receiving side.
 */
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, SamplingDecision, type Sampler } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { createProtobufTraceExporter } from '../../../instrumentation/createTraceExporter.js';
import { EncodingBatchSpanProcessor, type BatchOptions } from '../../../instrumentation/otlp/EncodingBatchSpanProcessor.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlpReceiver.js';

const NEVER = 600_000;
const DEFAULTS: BatchOptions = { maxQueueSize: 2048, maxExportBatchSize: 512, scheduledDelayMillis: NEVER, exportTimeoutMillis: 30_000 };

interface Harness {
  receiver: OtlpReceiver;
  processor: EncodingBatchSpanProcessor;
  provider: BasicTracerProvider;
  endSpans(...names: string[]): void;
}

const harnesses: Harness[] = [];

async function start(options: Partial<BatchOptions>, setup: { sampler?: Sampler; resource?: Resource; exporterTimeoutMs?: number } = {}): Promise<Harness> {
  const receiver = await startOtlpReceiver();
  // The exporter reads its endpoint and timeout from the environment, as in a host app.
  process.env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] = receiver.url;
  process.env['OTEL_EXPORTER_OTLP_TIMEOUT'] = String(setup.exporterTimeoutMs ?? 2000);
  const processor = new EncodingBatchSpanProcessor(createProtobufTraceExporter(), { ...DEFAULTS, ...options });
  const provider = new BasicTracerProvider({
    resource: setup.resource ?? resourceFromAttributes({ 'service.name': 'processor-test' }),
    spanProcessors: [processor],
    ...(setup.sampler ? { sampler: setup.sampler } : {}),
  });
  const tracer = provider.getTracer('processor-test');
  const harness: Harness = { receiver, processor, provider, endSpans: (...names) => names.forEach((name) => tracer.startSpan(name).end()) };
  harnesses.push(harness);
  return harness;
}

const namesIn = (receiver: OtlpReceiver): string[][] => receiver.requests.map((spans) => spans.map((span) => span.name));
const spanNames = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, i) => `${prefix}${i}`);

afterEach(async () => {
  for (const { receiver, provider } of harnesses.splice(0)) {
    receiver.hold = false;
    receiver.release();
    await provider.shutdown();
    await receiver.close();
  }
});

describe('EncodingBatchSpanProcessor', () => {
  it('sends a full batch at once, without waiting for the schedule delay', async () => {
    const { receiver, endSpans } = await start({ maxExportBatchSize: 4 });
    endSpans('a', 'b', 'c', 'd', 'e');
    await receiver.waitForRequests(1);
    expect(namesIn(receiver)).toEqual([['a', 'b', 'c', 'd']]);
  });

  it('sends a partial batch once the schedule delay has passed', async () => {
    const { receiver, endSpans } = await start({ scheduledDelayMillis: 20 });
    endSpans('a', 'b');
    await receiver.waitForRequests(1);
    expect(namesIn(receiver)).toEqual([['a', 'b']]);
    expect(receiver.requests[0]![0]!.resource.get('service.name')).toBe('processor-test');
  });

  it('keeps at most maxQueueSize spans waiting while an export is in flight, dropping later ones', async () => {
    const { receiver, processor, endSpans } = await start({ maxQueueSize: 5, maxExportBatchSize: 5 });
    receiver.hold = true;
    endSpans(...spanNames('first', 5));
    await receiver.waitForRequests(1);
    endSpans(...spanNames('second', 7));
    receiver.hold = false;
    receiver.release();
    await processor.forceFlush();
    expect(namesIn(receiver)).toEqual([spanNames('first', 5), spanNames('second', 5)]);
  });

  it('sends everything queued on forceFlush, in batches of at most maxExportBatchSize', async () => {
    const { receiver, processor, endSpans } = await start({ maxExportBatchSize: 3 });
    endSpans(...spanNames('s', 7));
    await processor.forceFlush();
    expect(receiver.requests.map((spans) => spans.length).sort()).toEqual([1, 3, 3]);
    expect(namesIn(receiver).flat().sort()).toEqual(spanNames('s', 7));
  });

  it('skips spans that are recorded but not sampled', async () => {
    const recordOnly: Sampler = { shouldSample: () => ({ decision: SamplingDecision.RECORD }), toString: () => 'record-only' };
    const { receiver, processor, endSpans } = await start({}, { sampler: recordOnly });
    endSpans('a', 'b');
    await processor.forceFlush();
    expect(receiver.requests).toEqual([]);
  });

  it('goes on with the next batch after an export failed', async () => {
    const { receiver, endSpans } = await start({ maxExportBatchSize: 2 });
    receiver.status = 400;
    endSpans('a', 'b');
    await receiver.waitForRequests(1);
    receiver.status = 200;
    endSpans('c', 'd');
    await receiver.waitForRequests(2);
    expect(namesIn(receiver)).toEqual([['a', 'b'], ['c', 'd']]);
  });

  it('stops waiting for an unanswered export after the export timeout, so the next batch goes out', async () => {
    // The exporter itself would wait a minute for its answer.
    const { receiver, endSpans } = await start({ maxExportBatchSize: 2, exportTimeoutMillis: 50 }, { exporterTimeoutMs: 60_000 });
    receiver.hold = true;
    endSpans('a', 'b', 'c', 'd');
    await receiver.waitForRequests(2);
    expect(namesIn(receiver)).toEqual([['a', 'b'], ['c', 'd']]);
  });

  it('sends what is queued on shutdown and ignores spans ended afterwards', async () => {
    const { receiver, processor, endSpans } = await start({});
    endSpans('a', 'b');
    await processor.shutdown();
    endSpans('late');
    await processor.forceFlush();
    expect(namesIn(receiver)).toEqual([['a', 'b']]);
  });

  it('drops a span it cannot encode without throwing into span.end()', async () => {
    const harness = await start({});
    const span = harness.provider.getTracer('processor-test').startSpan('broken');
    span.updateName(42 as unknown as string);
    expect(() => span.end()).not.toThrow();
    harness.endSpans('fine');
    await harness.processor.forceFlush();
    expect(namesIn(harness.receiver)).toEqual([['fine']]);
  });

  it('waits for resource attributes that are still being detected', async () => {
    let detect: (value: string) => void = () => {};
    const detected = new Promise<string>((resolve) => (detect = resolve));
    const resource = resourceFromAttributes({ 'service.name': 'processor-test', 'host.id': detected });
    const { receiver, processor, endSpans } = await start({}, { resource });
    endSpans('a');
    const flushed = processor.forceFlush();
    setTimeout(() => detect('h-1'), 20);
    await flushed;
    expect(receiver.requests[0]?.[0]?.resource.get('host.id')).toBe('h-1');
  });
});
