/**
 * A real grpc-js client for the OTLP services, sending raw protobuf messages (pass-through
 * serializers, like the stock OTLP exporters), and answering each call with its response bytes
 * or its ServiceError.
 */
import { credentials, makeGenericClientConstructor, Metadata, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import { LOGS_SERVICE, METRICS_SERVICE, TRACE_SERVICE } from '../../collector/receiver/otlpgrpc/otlpServices.js';

const SERVICES = { traces: TRACE_SERVICE, metrics: METRICS_SERVICE, logs: LOGS_SERVICE };
export type Signal = keyof typeof SERVICES;

export type CallResult = { response: Buffer; error?: undefined } | { response?: undefined; error: ServiceError };

export interface OtlpGrpcClient {
  export(signal: Signal, message: Buffer, headers?: Record<string, string>): Promise<CallResult>;
  close(): void;
}

/** `url` as exporters take it: http://host:port (plain) or https://host:port (with `channel` credentials). */
export function otlpGrpcClient(url: string, options: { gzip?: boolean; channel?: ChannelCredentials } = {}): OtlpGrpcClient {
  const address = new URL(url).host;
  const channelOptions = options.gzip ? { 'grpc.default_compression_algorithm': 2 } : {};
  const clients = Object.fromEntries(Object.entries(SERVICES).map(([signal, service]) => {
    const Client = makeGenericClientConstructor(service, signal);
    return [signal, new Client(address, options.channel ?? credentials.createInsecure(), channelOptions)];
  })) as Record<Signal, InstanceType<ReturnType<typeof makeGenericClientConstructor>>>;
  return {
    export: (signal, message, headers = {}) =>
      new Promise((resolve) => {
        const metadata = new Metadata();
        for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
        const client = clients[signal] as unknown as {
          Export(message: Buffer, metadata: Metadata, callback: (error: ServiceError | null, response?: Buffer) => void): void;
        };
        client.Export(message, metadata, (error, response) => resolve(error ? { error } : { response: response! }));
      }),
    close: () => Object.values(clients).forEach((client) => client.close()),
  };
}
