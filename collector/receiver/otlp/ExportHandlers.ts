/**
 * The `Export` of each OTLP signal, behind both transports: from a request body (already
 * decompressed and within the size limit) to the bytes of its Export*ServiceResponse, in the
 * request's encoding. Traces are decoded and consumed; metrics and logs are checked, counted
 * and dropped (ignoredSignals.ts). Failures are PipelineErrors, which each transport turns
 * into its own answer.
 */
import type { TracesConsumer } from '../../consumer/TracesConsumer.js';
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
    const spans = format === 'json' ? decodeJsonTraces(body) : decodeProtobufTraces(body);
    let result;
    try {
      result = await this.consumer.consumeTraces(spans);
    } catch (error) {
      this.counters.spans(this.transport, 0, spans.length);
      throw error;
    }
    this.counters.spans(this.transport, spans.length - result.rejectedSpans, result.rejectedSpans);
    return encodeExportResponse(format, result.rejectedSpans, result.errorMessage);
  }

  /** The empty success response (partial_success unset: nothing was rejected). */
  ignored(shape: IgnoredSignalShape, format: WireFormat, body: Buffer): Buffer {
    const items = countSignalItems(shape, format, body);
    this.counters.ignored(shape.signal, this.transport, items);
    return encodeExportResponse(format, 0, '');
  }
}
