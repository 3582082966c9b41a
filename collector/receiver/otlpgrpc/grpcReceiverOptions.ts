/**
 * The gRPC receiver's options from `receivers.otlp.protocols`: what the grpc section leaves
 * out (body size limit, bearer token) is the http section's, so one setting covers both
 * transports. Null when the gRPC endpoint is empty (receiver disabled).
 */
import type { Config } from '../../config/Config.js';
import { tlsOptionsOf } from '../../config/tlsConfig.js';
import type { OtlpGrpcReceiverOptions } from './OtlpGrpcReceiver.js';

export function grpcReceiverOptions(protocols: Config['receivers']['otlp']['protocols']): OtlpGrpcReceiverOptions | null {
  const { grpc, http } = protocols;
  if (grpc.endpoint === '') return null;
  return {
    endpoint: grpc.endpoint,
    maxRequestBodySize: grpc.max_request_body_size ?? http.max_request_body_size,
    bearerToken: grpc.auth.bearer_token ?? http.auth.bearer_token,
    tls: tlsOptionsOf(grpc.tls),
    maxConcurrentStreams: grpc.max_concurrent_streams,
  };
}
