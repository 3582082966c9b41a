/**
 * One ended span as an OTLP `Span` message (opentelemetry/proto/trace/v1), written as field 2
 * of its `ScopeSpans`: the same fields, in the same order, with the same defaults as the
 * official protobuf serializer, so the bytes match the stock exporter's.
 */
import type { Link, SpanContext, SpanStatus } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import type { ProtobufWriter } from './ProtobufWriter.js';
import { writeAttributes, writeHrTime } from './writeAttributes.js';

// Most spans are 128 B to 16 KiB long: a two-byte length, written without moving the body.
const SPAN_LENGTH_GUESS = 2;
const FLAG_HAS_IS_REMOTE = 0x100;
const FLAG_IS_REMOTE = 0x200;

export function writeSpan(writer: ProtobufWriter, span: ReadableSpan): void {
  const context = span.spanContext();
  writer.tag(2, 2);
  const mark = writer.begin(SPAN_LENGTH_GUESS);
  writer.tag(1, 2);
  writer.hexBytes(context.traceId);
  writer.tag(2, 2);
  writer.hexBytes(context.spanId);
  const traceState = context.traceState?.serialize();
  if (traceState) {
    writer.tag(3, 2);
    writer.string(traceState);
  }
  const parent = span.parentSpanContext;
  if (parent?.spanId) {
    writer.tag(4, 2);
    writer.hexBytes(parent.spanId);
  }
  writer.tag(5, 2);
  writer.string(span.name);
  // The proto enum has UNSPECIFIED at 0; the API's kinds start at INTERNAL = 0.
  const kind = span.kind == null ? 0 : span.kind + 1;
  if (kind !== 0) {
    writer.tag(6, 0);
    writer.uint32(kind);
  }
  writer.tag(7, 1);
  writeHrTime(writer, span.startTime);
  writer.tag(8, 1);
  writeHrTime(writer, span.endTime);
  if (span.attributes) writeAttributes(writer, span.attributes, 9);
  writer.tag(10, 0);
  writer.uint32(span.droppedAttributesCount);
  for (const event of span.events) writeEvent(writer, event);
  writer.tag(12, 0);
  writer.uint32(span.droppedEventsCount);
  for (const link of span.links) writeLink(writer, link);
  writer.tag(14, 0);
  writer.uint32(span.droppedLinksCount);
  writeStatus(writer, span.status);
  writer.tag(16, 5);
  writer.fixed32(spanFlags(context.traceFlags, parent?.isRemote));
  writer.end(mark, SPAN_LENGTH_GUESS);
}

function writeEvent(writer: ProtobufWriter, event: TimedEvent): void {
  writer.tag(11, 2);
  const mark = writer.begin();
  writer.tag(1, 1);
  writeHrTime(writer, event.time);
  writer.tag(2, 2);
  writer.string(event.name);
  if (event.attributes) writeAttributes(writer, event.attributes, 3);
  writer.tag(4, 0);
  writer.uint32(event.droppedAttributesCount ?? 0);
  writer.end(mark);
}

function writeLink(writer: ProtobufWriter, link: Link): void {
  const context: SpanContext = link.context;
  writer.tag(13, 2);
  const mark = writer.begin();
  writer.tag(1, 2);
  writer.hexBytes(context.traceId);
  writer.tag(2, 2);
  writer.hexBytes(context.spanId);
  const traceState = context.traceState?.serialize();
  if (traceState) {
    writer.tag(3, 2);
    writer.string(traceState);
  }
  if (link.attributes) writeAttributes(writer, link.attributes, 4);
  writer.tag(5, 0);
  writer.uint32(link.droppedAttributesCount ?? 0);
  writer.tag(6, 5);
  writer.fixed32(spanFlags(context.traceFlags, context.isRemote));
  writer.end(mark);
}

function writeStatus(writer: ProtobufWriter, status: SpanStatus): void {
  writer.tag(15, 2);
  const mark = writer.begin();
  if (status.message) {
    writer.tag(2, 2);
    writer.string(status.message);
  }
  writer.tag(3, 0);
  writer.uint32(status.code);
  writer.end(mark);
}

function spanFlags(traceFlags: number, isRemote: boolean | undefined): number {
  return (traceFlags & 0xff) | FLAG_HAS_IS_REMOTE | (isRemote ? FLAG_IS_REMOTE : 0);
}
