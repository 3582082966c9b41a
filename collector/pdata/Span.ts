/**
 * Pipeline data: a span as decoded from an OTLP request, independent of the wire encoding
 * (JSON or protobuf). Decoders produce it; mapping turns it into store records. Nothing here
 * is validated yet: ids may have the wrong length and times may be absurd; mapping decides.
 */

/** An attribute value. Key-value lists become Maps so that keys such as `__proto__` are plain data. */
export type AttributeValue =
  | string
  | number
  | boolean
  | null
  | readonly AttributeValue[]
  | ReadonlyMap<string, AttributeValue>;

export type Attributes = ReadonlyMap<string, AttributeValue>;

/** OTLP `Span.SpanKind` numbers. */
export const SpanKind = {
  UNSPECIFIED: 0,
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
} as const;

/** OTLP `Status.StatusCode` numbers. */
export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;

export interface Span {
  /** Lowercase hex as received (JSON hex is lowercased, protobuf bytes are hex-encoded); length unchecked. */
  traceId: string;
  spanId: string;
  /** Empty string when the span is a root. */
  parentSpanId: string;
  name: string;
  /** OTLP span kind number (see SpanKind); unknown numbers are kept as is. */
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attributes;
  /** OTLP status code number (see StatusCode). */
  statusCode: number;
  statusMessage: string;
  /** The attributes of the resource the span was reported under (shared between its spans). */
  resource: Attributes;
}
