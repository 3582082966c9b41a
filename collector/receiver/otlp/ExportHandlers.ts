/**
 * The `Export` of each OTLP signal, behind both transports: from a request body (already
 * decompressed and within the size limit) to the bytes of its Export*ServiceResponse, in the
 * request's encoding. Traces are decoded and consumed; metrics and logs are checked, counted
 * and dropped (ignoredSignals.ts). Failures are PipelineErrors, which each transport turns
 * into its own answer.
 */
import type { ConsumeResult, TracesConsumer } from '../../consumer/TracesConsumer.js';
import type { ReceiverCounters, Transport } from '../../telemetry/ReceiverCounters.js';
import { decodeJsonTraces } from '../otlphttp/decodeJsonTraces.js';
import { decodeProtobufTraces } from '../otlphttp/decodeProtobufTraces.js';
import { encodeExportResponse, type WireFormat } from '../otlphttp/encodeResponse.js';
import { countSignalItems } from './countSignalItems.js';
import type { IgnoredSignalShape } from './ignoredSignals.js';

export class ExportHandlers {
  constructor(
    private readonly consumer: TracesConsumer,
    private readonly counters: ReceiverCounters,
    private readonly transport: Transport,
  ) {}

  /** Resolves once the accepted spans are durable (the consumer's promise). */
  async traces(format: WireFormat, body: Buffer): Promise<Buffer> {
    const { consumed, count } = this.consume(format, body);
    let result;
    try {
      result = await consumed;
    } catch (error) {
      this.counters.spans(this.transport, 0, count);
      throw error;
    }
    this.counters.spans(this.transport, count - result.rejectedSpans, result.rejectedSpans);
    return encodeExportResponse(format, result.rejectedSpans, result.errorMessage);
  }

  /**
   * Decodes and hands the spans on. The decoded spans live only in this frame, not in the one
   * that waits for the store: kept for that wait (tens of milliseconds), a request's spans
   * outlived young-generation collections and filled the old generation with garbage.
   */
  private consume(format: WireFormat, body: Buffer): { consumed: Promise<ConsumeResult>; count: number } {
    const spans = format === 'json' ? decodeJsonTraces(body) : decodeProtobufTraces(body);
    return { consumed: this.consumer.consumeTraces(spans), count: spans.length };
  }

  /** The empty success response (partial_success unset: nothing was rejected). */
  ignored(shape: IgnoredSignalShape, format: WireFormat, body: Buffer): Buffer {
    const items = countSignalItems(shape, format, body);
    this.counters.ignored(shape.signal, this.transport, items);
    return encodeExportResponse(format, 0, '');
  }
}
