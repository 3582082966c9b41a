/**
 * The traces pipeline behind the receiver: map spans to records (the `spanpulse`
 * processor), then group-commit them to the store (the `batch` processor). Implements the
 * one stage interface, TracesConsumer.
 */
import type { ConsumeResult, TracesConsumer } from '../consumer/TracesConsumer.js';
import { mapSpans } from '../mapping/mapSpans.js';
import type { MappingOptions } from '../mapping/mapSpan.js';
import type { Span } from '../pdata/Span.js';
import type { Telemetry } from '../telemetry/Telemetry.js';
import type { GroupCommitWriter } from './GroupCommitWriter.js';

export class TracesPipeline implements TracesConsumer {
  constructor(
    private readonly mapping: MappingOptions,
    private readonly writer: GroupCommitWriter,
    private readonly telemetry: Telemetry,
  ) {}

  async consumeTraces(spans: readonly Span[]): Promise<ConsumeResult> {
    this.telemetry.spansDecoded(spans.length);
    const mapped = mapSpans(spans, this.mapping);
    this.telemetry.spansMapped(mapped.rejected, mapped.ignored);
    await this.writer.write(mapped.records);
    return { rejectedSpans: mapped.rejected, errorMessage: mapped.errorMessage };
  }
}
