/**
 * The HTTP receiver's options from `receivers.otlp.protocols.http` (the gRPC receiver's are in
 * otlpgrpc/grpcReceiverOptions.ts).
 */
import type { Config } from '../../config/Config.js';
import { tlsOptionsOf } from '../../config/tlsConfig.js';
import type { OtlpHttpReceiverOptions } from './OtlpHttpReceiver.js';

export function httpReceiverOptions(http: Config['receivers']['otlp']['protocols']['http']): OtlpHttpReceiverOptions {
  return {
    endpoint: http.endpoint,
    maxRequestBodySize: http.max_request_body_size,
    bearerToken: http.auth.bearer_token,
    tls: tlsOptionsOf(http.tls),
    maxConnections: http.max_connections,
    readHeaderTimeoutMs: http.read_header_timeout,
    readTimeoutMs: http.read_timeout,
    idleTimeoutMs: http.idle_timeout,
  };
}
