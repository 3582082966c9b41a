/**
 * Decodes an `application/x-protobuf` OTLP ExportTraceServiceRequest
 * (opentelemetry/proto/collector/trace/v1/trace_service.proto and trace/v1/trace.proto) into
 * spans. Only the fields spanpulse uses are read; everything else (events, links, scope,
 * trace_state, fields added by later OTLP versions) is skipped, as protobuf intends.
 *
 * Ids become lowercase hex of whatever bytes arrived (lengths are checked later, in mapping),
 * fixed64 times become exact bigints. Truncated or garbage bodies throw a 400 PipelineError
 * naming the byte offset and the span being read.
 */
import { PipelineError } from '../../errors.js';
import type { AttributeValue, Span } from '../../pdata/Span.js';
import { ProtoDecodeError, ProtoReader } from './ProtoReader.js';
import { readKeyValue } from './readProtobufAttributes.js';
import { MAX_SPANS_PER_REQUEST, tooManySpans } from './maxSpansPerRequest.js';

// Wire types of each message's known fields by field number (see ProtoReader.skip).
const REQUEST_FIELDS = [undefined, 2];
const RESOURCE_SPANS_FIELDS = [undefined, 2, 2, 2];
const RESOURCE_FIELDS = [undefined, 2, 0];
const SCOPE_SPANS_FIELDS = [undefined, 2, 2, 2];
const SPAN_FIELDS = [undefined, 2, 2, 2, 2, 2, 0, 1, 1, 2, 0, 2, 0, 2, 0, 2, 5];
const STATUS_FIELDS = [undefined, undefined, 2, 0];

/**
 * Which message decoding is inside, for error messages (-1: not inside one); indexes as in the
 * OTLP/JSON form of the request.
 */
interface Location {
  resourceSpans: number;
  scopeSpans: number;
  spans: number;
}

export function decodeProtobufTraces(body: Buffer): Span[] {
  const reader = new ProtoReader(body);
  const location: Location = { resourceSpans: -1, scopeSpans: -1, spans: -1 };
  const spans: Span[] = [];
  try {
    const end = body.length;
    let index = 0;
    while (reader.pos < end) {
      const tag = reader.uint32(end);
      if (tag === 0x0a) {
        location.resourceSpans = index++;
        readResourceSpans(reader, reader.lengthDelimitedEnd(end), location, spans);
        location.resourceSpans = -1;
      } else {
        reader.skip(tag, end, 'ExportTraceServiceRequest', REQUEST_FIELDS);
      }
    }
  } catch (error) {
    if (error instanceof ProtoDecodeError) {
      throw PipelineError.permanent(
        400,
        `invalid protobuf ExportTraceServiceRequest: ${error.message} at byte ${error.offset}${describe(location)}`,
      );
    }
    throw error;
  }
  return spans;
}

function describe(location: Location): string {
  if (location.resourceSpans < 0) return '';
  let path = `resourceSpans[${location.resourceSpans}]`;
  if (location.scopeSpans >= 0) path += `.scopeSpans[${location.scopeSpans}]`;
  if (location.spans >= 0) path += `.spans[${location.spans}]`;
  return ` (in ${path})`;
}

function readResourceSpans(reader: ProtoReader, end: number, location: Location, out: Span[]): void {
  // Created before any span so that spans read ahead of a late `resource` field share it too.
  const resource = new Map<string, AttributeValue>();
  let index = 0;
  while (reader.pos < end) {
    const tag = reader.uint32(end);
    if (tag === 0x0a) {
      readResource(reader, reader.lengthDelimitedEnd(end), resource);
    } else if (tag === 0x12) {
      location.scopeSpans = index++;
      readScopeSpans(reader, reader.lengthDelimitedEnd(end), location, resource, out);
      location.scopeSpans = -1;
    } else {
      reader.skip(tag, end, 'ResourceSpans', RESOURCE_SPANS_FIELDS);
    }
  }
}

function readResource(reader: ProtoReader, end: number, into: Map<string, AttributeValue>): void {
  while (reader.pos < end) {
    const tag = reader.uint32(end);
    if (tag === 0x0a) readKeyValue(reader, reader.lengthDelimitedEnd(end), into, 0);
    else reader.skip(tag, end, 'Resource', RESOURCE_FIELDS);
  }
}

function readScopeSpans(
  reader: ProtoReader,
  end: number,
  location: Location,
  resource: Map<string, AttributeValue>,
  out: Span[],
): void {
  let index = 0;
  while (reader.pos < end) {
    const tag = reader.uint32(end);
    if (tag === 0x12) {
      location.spans = index++;
      if (out.length === MAX_SPANS_PER_REQUEST) throw tooManySpans();
      out.push(readSpan(reader, reader.lengthDelimitedEnd(end), resource));
      location.spans = -1;
    } else {
      reader.skip(tag, end, 'ScopeSpans', SCOPE_SPANS_FIELDS);
    }
  }
}

function readSpan(reader: ProtoReader, end: number, resource: Map<string, AttributeValue>): Span {
  const attributes = new Map<string, AttributeValue>();
  // Proto3 defaults for every field the message may leave out.
  const span: Span = {
    traceId: '',
    spanId: '',
    parentSpanId: '',
    name: '',
    kind: 0,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes,
    statusCode: 0,
    statusMessage: '',
    resource,
  };
  while (reader.pos < end) {
    const tag = reader.uint32(end);
    switch (tag) {
      case 0x0a: // 1: trace_id
        span.traceId = reader.hex(end);
        break;
      case 0x12: // 2: span_id
        span.spanId = reader.hex(end);
        break;
      case 0x22: // 4: parent_span_id
        span.parentSpanId = reader.hex(end);
        break;
      case 0x2a: // 5: name
        span.name = reader.string(end);
        break;
      case 0x30: // 6: kind
        span.kind = reader.int32(end);
        break;
      case 0x39: // 7: start_time_unix_nano
        span.startTimeUnixNano = reader.fixed64(end);
        break;
      case 0x41: // 8: end_time_unix_nano
        span.endTimeUnixNano = reader.fixed64(end);
        break;
      case 0x4a: // 9: attributes
        readKeyValue(reader, reader.lengthDelimitedEnd(end), attributes, 0);
        break;
      case 0x7a: // 15: status
        readStatus(reader, reader.lengthDelimitedEnd(end), span);
        break;
      default:
        reader.skip(tag, end, 'Span', SPAN_FIELDS);
    }
  }
  return span;
}

/** Writes into the span so that a repeated status field merges, as protobuf requires. */
function readStatus(reader: ProtoReader, end: number, span: Span): void {
  while (reader.pos < end) {
    const tag = reader.uint32(end);
    if (tag === 0x12) span.statusMessage = reader.string(end);
    else if (tag === 0x18) span.statusCode = reader.int32(end);
    else reader.skip(tag, end, 'Status', STATUS_FIELDS);
  }
}
