/**
 * The traces pipeline behind the receiver: map spans to records and bound their cardinality
 * (the `spanpulse` processor), then group-commit them to the store (the `batch` processor). Implements the
 * one stage interface, TracesConsumer. Spans the mapping or the store refuse for good are
 * answered together in partial_success.
 */
import type { ConsumeResult, TracesConsumer } from '../consumer/TracesConsumer.js';
import { describeRejections, mapSpans } from '../mapping/mapSpans.js';
import type { MappingOptions } from '../mapping/mapSpan.js';
import type { Span } from '../pdata/Span.js';
import type { Telemetry } from '../telemetry/Telemetry.js';
import type { CardinalityLimits } from './CardinalityLimits.js';
import type { GroupCommitWriter } from './GroupCommitWriter.js';

export class TracesPipeline implements TracesConsumer {
  constructor(
    private readonly mapping: MappingOptions,
    private readonly limits: CardinalityLimits,
    private readonly writer: GroupCommitWriter,
    private readonly telemetry: Telemetry,
  ) {}

  consumeTraces(spans: readonly Span[]): Promise<ConsumeResult> {
    // Mapped here, stored in stored(): the spans are not kept while the store works (ExportHandlers.ts).
    try {
      return this.stored(this.mapped(spans));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  private mapped(spans: readonly Span[]): ReturnType<typeof mapSpans> {
    this.telemetry.spansDecoded(spans.length);
    const mapped = mapSpans(spans, this.mapping);
    this.telemetry.spansMapped(mapped.rejected, mapped.ignored);
    this.limits.apply(mapped.records);
    return mapped;
  }

  private async stored(mapped: ReturnType<typeof mapSpans>): Promise<ConsumeResult> {
    const refused = await this.writer.write(mapped.records);
    if (refused.length > 0) this.telemetry.spansRefusedByStore(refused.length);
    const rejected = mapped.rejected + refused.length;
    const reasons = [...mapped.reasons, ...refused.map((record) => `span ${record.spanId}: ${record.reason}`)];
    return { rejectedSpans: rejected, errorMessage: describeRejections(rejected, reasons) };
  }
}
