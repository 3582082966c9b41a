/**
 * A failed Export as a gRPC status (OTLP specification, "OTLP/gRPC Response", "Failures"):
 * retryable PipelineErrors (queue full, store down) are UNAVAILABLE with a google.rpc.RetryInfo
 * in `grpc-status-details-bin`, so clients wait the server's delay before retrying; bad data
 * is INVALID_ARGUMENT, a missing token UNAUTHENTICATED, too many spans RESOURCE_EXHAUSTED
 * without RetryInfo (not retryable); anything else (a bug) INTERNAL with a generic message.
 */
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { PipelineError } from '../../errors.js';
import { GrpcCode, grpcCodeOf } from '../otlp/grpcCodeOf.js';
import { encodeStatus } from '../otlphttp/encodeResponse.js';

export function grpcErrorOf(error: unknown): Partial<ServiceError> {
  const code = grpcCodeOf(error);
  const message = error instanceof PipelineError ? error.message : 'internal error';
  const metadata = new Metadata();
  if (code === GrpcCode.UNAVAILABLE) {
    const delay = error instanceof PipelineError ? (error.retryAfterSeconds ?? 1) : 1;
    metadata.set('grpc-status-details-bin', encodeStatus('protobuf', code, message, delay));
  }
  return { code, details: message, metadata };
}
