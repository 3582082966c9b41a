/**
 * The google.rpc.Code of a PipelineError, for both transports: the code of a gRPC call's
 * status, and the `code` of the google.rpc.Status body of an OTLP/HTTP error response.
 *
 * Retryable errors are UNAVAILABLE, which the OTLP specification ("OTLP/gRPC Throttling")
 * asks servers to use for back-pressure and which every OTLP client retries. A body over the
 * size limit is RESOURCE_EXHAUSTED without RetryInfo, which the specification makes
 * not-retryable, as gRPC servers answer an oversized message.
 */
import { PipelineError } from '../../errors.js';

export const GrpcCode = {
  OK: 0,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

const BY_HTTP_STATUS: Readonly<Record<number, number>> = {
  400: GrpcCode.INVALID_ARGUMENT,
  401: GrpcCode.UNAUTHENTICATED,
  404: GrpcCode.NOT_FOUND,
  405: GrpcCode.UNIMPLEMENTED,
  413: GrpcCode.RESOURCE_EXHAUSTED,
  415: GrpcCode.INVALID_ARGUMENT,
  500: GrpcCode.INTERNAL,
};

/** INTERNAL for anything that is not a PipelineError (a bug). */
export function grpcCodeOf(error: unknown): number {
  if (!(error instanceof PipelineError)) return GrpcCode.INTERNAL;
  if (error.kind === 'retryable') return GrpcCode.UNAVAILABLE;
  return BY_HTTP_STATUS[error.httpStatus] ?? GrpcCode.INVALID_ARGUMENT;
}
