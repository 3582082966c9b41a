/**
 * Spans already encoded as OTLP protobuf, waiting to be sent together: one growing byte
 * buffer per (resource, instrumentation scope), the grouping of an `ExportTraceServiceRequest`.
 *
 * Holding bytes instead of the ended span objects is the point: a span is garbage as soon
 * as it has been written here, so the host's young generation does not copy and promote
 * thousands of span objects per export interval, and the export itself only concatenates.
 */
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ProtobufWriter } from './ProtobufWriter.js';
import { writeSpan } from './writeSpan.js';

export class SpanBatch {
  /** Spans in the batch. */
  count = 0;
  /** Encoded span bytes per resource and scope, in the order they first appeared. */
  readonly groups = new Map<Resource, Map<InstrumentationScope, ProtobufWriter>>();

  /** @param capacityHint expected bytes per scope, e.g. what the previous batch used. */
  constructor(private readonly capacityHint = 16 * 1024) {}

  /**
   * Encodes `span` into the batch. Throws only on a span the encoder cannot read; the batch
   * is then left as it was.
   */
  add(span: ReadableSpan): void {
    let scopes = this.groups.get(span.resource);
    if (scopes === undefined) {
      scopes = new Map();
      this.groups.set(span.resource, scopes);
    }
    let writer = scopes.get(span.instrumentationScope);
    if (writer === undefined) {
      writer = new ProtobufWriter(this.capacityHint);
      scopes.set(span.instrumentationScope, writer);
    }
    const before = writer.pos;
    try {
      writeSpan(writer, span);
    } catch (error) {
      writer.pos = before;
      throw error;
    }
    this.count++;
  }

  /** Largest encoded size of one scope's spans, a capacity hint for the next batch. */
  largestGroupBytes(): number {
    let largest = 0;
    for (const scopes of this.groups.values()) for (const writer of scopes.values()) largest = Math.max(largest, writer.pos);
    return largest;
  }

  /** Resources whose attributes are still being detected; the request must wait for them. */
  pendingResources(): Promise<void>[] {
    const pending: Promise<void>[] = [];
    for (const resource of this.groups.keys()) {
      if (resource.asyncAttributesPending && resource.waitForAsyncAttributes) pending.push(resource.waitForAsyncAttributes());
    }
    return pending;
  }
}
