/**
 * Decodes an `application/json` OTLP ExportTraceServiceRequest (OTLP/JSON, opentelemetry-proto
 * docs/specification.md "JSON Protobuf Encoding") into spans.
 *
 * Accepted beyond the canonical form, as the specification and the proto3 JSON mapping allow:
 * snake_case field names, ids in upper case, enum names ("SPAN_KIND_SERVER"), 64-bit integers
 * as JSON numbers, null for unset fields. Unknown fields are ignored. A value of the wrong type
 * is a 400 whose message gives its JSON path, e.g.
 * `resourceSpans[0].scopeSpans[1].spans[3].startTimeUnixNano: not an integer`.
 *
 * Integer attribute values become numbers, exact within ±2^53 and rounded beyond, so both
 * encodings yield the same Span (see readProtobufAttributes.ts).
 */
import { SpanKind, StatusCode, type AttributeValue, type Span } from '../../pdata/Span.js';
import {
  field,
  invalidJson,
  isJsonObject,
  readArray,
  readEnum,
  readHexId,
  readObject,
  readString,
  readUint64,
  type JsonObject,
} from './protoJsonScalars.js';
import { parseJsonBody } from './parseJsonBody.js';
import { readJsonAttributes } from './readJsonAttributes.js';
import { MAX_SPANS_PER_REQUEST, tooManySpans } from './maxSpansPerRequest.js';

const SPAN_KIND_NAMES: ReadonlyMap<string, number> = new Map(
  Object.entries(SpanKind).map(([name, value]) => [`SPAN_KIND_${name}`, value]),
);
const STATUS_CODE_NAMES: ReadonlyMap<string, number> = new Map(
  Object.entries(StatusCode).map(([name, value]) => [`STATUS_CODE_${name}`, value]),
);

export function decodeJsonTraces(body: Buffer): Span[] {
  const request = parseJsonBody(body);
  if (!isJsonObject(request)) throw invalidJson('request body', 'not a JSON object');

  const spans: Span[] = [];
  const resourceSpansList = readArray(field(request, 'resourceSpans', 'resource_spans'), 'resourceSpans');
  for (let r = 0; r < resourceSpansList.length; r++) {
    const resourceSpansPath = `resourceSpans[${r}]`;
    const resourceSpans = requireObject(resourceSpansList[r], resourceSpansPath);
    const resource = readResource(field(resourceSpans, 'resource', 'resource'), `${resourceSpansPath}.resource`);
    const scopeSpansList = readArray(
      field(resourceSpans, 'scopeSpans', 'scope_spans'),
      `${resourceSpansPath}.scopeSpans`,
    );
    for (let s = 0; s < scopeSpansList.length; s++) {
      const scopeSpansPath = `${resourceSpansPath}.scopeSpans[${s}]`;
      const scopeSpans = requireObject(scopeSpansList[s], scopeSpansPath);
      const spanList = readArray(field(scopeSpans, 'spans', 'spans'), `${scopeSpansPath}.spans`);
      for (let i = 0; i < spanList.length; i++) {
        if (spans.length === MAX_SPANS_PER_REQUEST) throw tooManySpans();
        spans.push(readSpan(spanList[i], `${scopeSpansPath}.spans[${i}]`, resource));
      }
    }
  }
  return spans;
}

/** Elements of repeated message fields must be objects. */
function requireObject(value: unknown, path: string): JsonObject {
  if (!isJsonObject(value)) throw invalidJson(path, 'not an object');
  return value;
}

function readResource(value: unknown, path: string): Map<string, AttributeValue> {
  const resource = readObject(value, path);
  if (resource === undefined) return new Map();
  return readJsonAttributes(field(resource, 'attributes', 'attributes'), `${path}.attributes`);
}

function readSpan(value: unknown, path: string, resource: Map<string, AttributeValue>): Span {
  const span = requireObject(value, path);
  const status = readObject(field(span, 'status', 'status'), `${path}.status`);
  return {
    traceId: readHexId(field(span, 'traceId', 'trace_id'), `${path}.traceId`),
    spanId: readHexId(field(span, 'spanId', 'span_id'), `${path}.spanId`),
    parentSpanId: readHexId(field(span, 'parentSpanId', 'parent_span_id'), `${path}.parentSpanId`),
    name: readString(field(span, 'name', 'name'), `${path}.name`),
    kind: readEnum(field(span, 'kind', 'kind'), `${path}.kind`, SPAN_KIND_NAMES),
    startTimeUnixNano: readUint64(
      field(span, 'startTimeUnixNano', 'start_time_unix_nano'),
      `${path}.startTimeUnixNano`,
    ),
    endTimeUnixNano: readUint64(field(span, 'endTimeUnixNano', 'end_time_unix_nano'), `${path}.endTimeUnixNano`),
    attributes: readJsonAttributes(field(span, 'attributes', 'attributes'), `${path}.attributes`),
    statusCode:
      status === undefined ? 0 : readEnum(field(status, 'code', 'code'), `${path}.status.code`, STATUS_CODE_NAMES),
    statusMessage: status === undefined ? '' : readString(field(status, 'message', 'message'), `${path}.status.message`),
    resource,
  };
}
