/**
 * The three OTLP gRPC services (opentelemetry/proto/collector/{trace,metrics,logs}/v1), each
 * with its one unary `Export` method, described for grpc-js with pass-through serializers:
 * messages travel as the raw protobuf bytes, which the receiver decodes with the OTLP/HTTP
 * receiver's reader. No .proto file is loaded and no second decoder exists. Clients (tests,
 * bench) use the same definitions with `makeGenericClientConstructor`.
 */
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { LOGS, METRICS } from '../otlp/ignoredSignals.js';

export const TRACE_SERVICE_EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

export type ExportMethod = MethodDefinition<Buffer, Buffer>;

const passThrough = (message: Buffer): Buffer => message;

function exportService(path: string): ServiceDefinition<{ Export: ExportMethod }> {
  return {
    Export: {
      path,
      requestStream: false,
      responseStream: false,
      requestSerialize: passThrough,
      requestDeserialize: passThrough,
      responseSerialize: passThrough,
      responseDeserialize: passThrough,
    },
  };
}

export const TRACE_SERVICE = exportService(TRACE_SERVICE_EXPORT_PATH);
export const METRICS_SERVICE = exportService(METRICS.grpcPath);
export const LOGS_SERVICE = exportService(LOGS.grpcPath);
