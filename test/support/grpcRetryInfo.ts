/**
 * The google.rpc.RetryInfo delay that an OTLP/gRPC refusal carries in `grpc-status-details-bin`,
 * read with protobufjs from google/rpc/status.proto and error_details.proto written out here,
 * independently of the receiver's own encoder.
 */
import type { ServiceError } from '@grpc/grpc-js';
import protobuf from 'protobufjs';

const rpc = protobuf.Root.fromJSON({
  nested: {
    google: {
      nested: {
        protobuf: {
          nested: {
            Any: { fields: { type_url: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 } } },
            Duration: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } },
          },
        },
        rpc: {
          nested: {
            Status: { fields: { code: { type: 'int32', id: 1 }, message: { type: 'string', id: 2 }, details: { rule: 'repeated', type: 'google.protobuf.Any', id: 3 } } },
            RetryInfo: { fields: { retry_delay: { type: 'google.protobuf.Duration', id: 1 } } },
          },
        },
      },
    },
  },
});
export const RpcStatus = rpc.lookupType('google.rpc.Status');
export const RetryInfo = rpc.lookupType('google.rpc.RetryInfo');

/** The RetryInfo delay in seconds, or null when the error carries none. */
export function retryDelaySeconds(error: ServiceError): number | null {
  const [details] = error.metadata.get('grpc-status-details-bin') as Buffer[];
  if (details === undefined) return null;
  const status = RpcStatus.toObject(RpcStatus.decode(details), { longs: Number }) as { details?: Array<{ type_url: string; value: Uint8Array }> };
  const info = status.details?.find((detail) => detail.type_url === 'type.googleapis.com/google.rpc.RetryInfo');
  if (info === undefined) return null;
  const { retry_delay } = RetryInfo.toObject(RetryInfo.decode(info.value), { longs: Number }) as { retry_delay?: { seconds?: number } };
  return retry_delay?.seconds ?? 0;
}
