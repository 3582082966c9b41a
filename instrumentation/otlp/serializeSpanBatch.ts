/**
 * The `ExportTraceServiceRequest` body for a SpanBatch: each resource and scope written
 * once around the span bytes encoded earlier. Plugged into the stock OTLP/HTTP export
 * delegate as its serializer, so endpoint, headers, compression, timeout and retries stay
 * the exporter's own.
 */
import type { Attributes } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import { ProtobufTraceSerializer, type IExportTraceServiceResponse, type ISerializer } from '@opentelemetry/otlp-transformer';
import type { Resource } from '@opentelemetry/resources';
import { ProtobufWriter } from './ProtobufWriter.js';
import type { SpanBatch } from './SpanBatch.js';
import { writeAttributes } from './writeAttributes.js';

// Enough for the ResourceSpans/ScopeSpans lengths of batches up to 2 MiB without a move.
const OUTER_LENGTH_GUESS = 3;
// Resource and scope fields around the spans; the writer grows if a resource is larger.
const ENVELOPE_BYTES = 4096;

/** Newer SDKs give scopes attributes; the official serializer writes them when present. */
type Scope = InstrumentationScope & { attributes?: Attributes; droppedAttributesCount?: number };

export const protobufSpanBatchSerializer: ISerializer<SpanBatch, IExportTraceServiceResponse> = {
  serializeRequest(batch: SpanBatch): Uint8Array {
    let spanBytes = 0;
    for (const scopes of batch.groups.values()) for (const spans of scopes.values()) spanBytes += spans.pos;
    const writer = new ProtobufWriter(spanBytes + ENVELOPE_BYTES);
    for (const [resource, scopes] of batch.groups) writeResourceSpans(writer, resource, scopes);
    return writer.bytes();
  },
  deserializeResponse(data: Uint8Array): IExportTraceServiceResponse {
    return ProtobufTraceSerializer.deserializeResponse(data);
  },
};

function writeResourceSpans(writer: ProtobufWriter, resource: Resource, scopes: Map<InstrumentationScope, ProtobufWriter>): void {
  writer.tag(1, 2);
  const mark = writer.begin(OUTER_LENGTH_GUESS);
  writer.tag(1, 2);
  const resourceMark = writer.begin();
  if (resource.attributes) writeAttributes(writer, resource.attributes, 1);
  writer.tag(2, 0);
  writer.uint32(0);
  writer.end(resourceMark);
  for (const [scope, spans] of scopes) {
    if (spans.pos > 0) writeScopeSpans(writer, scope, spans);
  }
  if (resource.schemaUrl) {
    writer.tag(3, 2);
    writer.string(resource.schemaUrl);
  }
  writer.end(mark, OUTER_LENGTH_GUESS);
}

function writeScopeSpans(writer: ProtobufWriter, scope: Scope, spans: ProtobufWriter): void {
  writer.tag(2, 2);
  const mark = writer.begin(OUTER_LENGTH_GUESS);
  writer.tag(1, 2);
  const scopeMark = writer.begin();
  writer.tag(1, 2);
  writer.string(scope.name);
  if (scope.version) {
    writer.tag(2, 2);
    writer.string(scope.version);
  }
  if (scope.attributes) writeAttributes(writer, scope.attributes, 3);
  if (scope.droppedAttributesCount) {
    writer.tag(4, 0);
    writer.uint32(scope.droppedAttributesCount);
  }
  writer.end(scopeMark);
  writer.raw(spans.bytes());
  if (scope.schemaUrl) {
    writer.tag(3, 2);
    writer.string(scope.schemaUrl);
  }
  writer.end(mark, OUTER_LENGTH_GUESS);
}
