/**
 * Response bodies of the OTLP/HTTP receiver, in the request's encoding (OTLP specification,
 * "OTLP/HTTP Response"):
 * - success: ExportTraceServiceResponse, whose `partial_success` is set only when spans were
 *   rejected or there is a warning to pass on (a fully accepted request leaves it unset);
 * - failure (4xx/5xx): a google.rpc.Status with code and message, and a google.rpc.RetryInfo
 *   detail when the client should retry after a delay. The OTLP/gRPC receiver sends the same
 *   protobuf Status as its `grpc-status-details-bin` trailer.
 * JSON follows the proto3 JSON mapping: int64 `rejectedSpans` as a decimal string, int32
 * `code` as a number.
 */

export type WireFormat = 'json' | 'protobuf';

export function encodeExportResponse(format: WireFormat, rejectedSpans: number, errorMessage: string): Buffer {
  if (!Number.isSafeInteger(rejectedSpans) || rejectedSpans < 0) {
    throw new RangeError(`rejectedSpans must be a non-negative integer, got ${rejectedSpans}`);
  }
  const partial = rejectedSpans > 0 || errorMessage !== '';
  if (format === 'json') {
    if (!partial) return Buffer.from('{}');
    return Buffer.from(JSON.stringify({ partialSuccess: { rejectedSpans: String(rejectedSpans), errorMessage } }));
  }
  if (!partial) return Buffer.alloc(0);
  // ExportTraceServiceResponse { 1: partial_success { 1: rejected_spans int64, 2: error_message } }
  const partialSuccess = Buffer.concat([varintField(1, rejectedSpans), stringField(2, errorMessage)]);
  return lengthDelimitedField(1, partialSuccess);
}

const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

/**
 * `code` is a google.rpc.Code (3 INVALID_ARGUMENT, 8 RESOURCE_EXHAUSTED, 14 UNAVAILABLE, ...),
 * not the HTTP status; the HTTP status travels in the response line. With `retryDelaySeconds`,
 * `details` holds one RetryInfo (what OTLP/gRPC clients read to wait before retrying).
 */
export function encodeStatus(format: WireFormat, code: number, message: string, retryDelaySeconds?: number): Buffer {
  if (!Number.isInteger(code) || code < 0 || code > 0x7fff_ffff) {
    throw new RangeError(`code must be a google.rpc.Code, got ${code}`);
  }
  if (retryDelaySeconds !== undefined && !(retryDelaySeconds >= 0 && retryDelaySeconds <= Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`retryDelaySeconds must be a non-negative number, got ${retryDelaySeconds}`);
  }
  const seconds = Math.floor(retryDelaySeconds ?? 0);
  const nanos = Math.round(((retryDelaySeconds ?? 0) - seconds) * 1e9);
  if (format === 'json') {
    // The proto3 JSON form of an Any holding a RetryInfo; a Duration is written "1.5s".
    const details = retryDelaySeconds === undefined ? undefined : [{ '@type': RETRY_INFO_TYPE, retryDelay: `${retryDelaySeconds}s` }];
    return Buffer.from(JSON.stringify({ code, message, details }));
  }
  // google.rpc.Status { 1: code int32, 2: message string, 3: repeated google.protobuf.Any details }
  if (retryDelaySeconds === undefined) return Buffer.concat([varintField(1, code), stringField(2, message)]);
  // Any { 1: type_url, 2: value bytes }; RetryInfo { 1: retry_delay Duration { 1: seconds int64, 2: nanos int32 } }
  const duration = Buffer.concat([varintField(1, seconds), varintField(2, nanos)]);
  const retryInfo = lengthDelimitedField(1, duration);
  const any = Buffer.concat([stringField(1, RETRY_INFO_TYPE), lengthDelimitedField(2, retryInfo)]);
  return Buffer.concat([varintField(1, code), stringField(2, message), lengthDelimitedField(3, any)]);
}

/** proto3 leaves fields at their default value (0) off the wire. */
function varintField(fieldNumber: number, value: number): Buffer {
  if (value === 0) return Buffer.alloc(0);
  return Buffer.concat([varint(fieldNumber << 3), varint(value)]);
}

function stringField(fieldNumber: number, value: string): Buffer {
  if (value === '') return Buffer.alloc(0);
  return lengthDelimitedField(fieldNumber, Buffer.from(value, 'utf8'));
}

function lengthDelimitedField(fieldNumber: number, content: Buffer): Buffer {
  return Buffer.concat([varint((fieldNumber << 3) | 2), varint(content.length), content]);
}

/** Non-negative integers up to 2^53, which covers every value written here. */
function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}
