/**
 * A lean OTLP/gRPC client for the ingest bench: TraceService/Export calls written straight onto
 * one node:http2 session as the gRPC wire protocol frames them (a 5-byte prefix, uncompressed
 * flag and length, before the protobuf message; the answer's `grpc-status` in the trailers, or in
 * the headers of a trailers-only answer). It is to grpc-js what the bench's node:http client is
 * to the stock OTLP/HTTP exporter: the same bytes on the wire at a fraction of the client's CPU,
 * so that on a machine shared by generator and collector the figure says what the receiver
 * can take rather than what the client can send (BENCHMARKS.md, OTLP/gRPC).
 */
import { connect, constants, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { status as grpcStatus } from '@grpc/grpc-js';
import { TRACE_SERVICE_EXPORT_PATH } from '../collector/receiver/otlpgrpc/otlpServices.js';

export class GrpcWireClient {
  private readonly session: ClientHttp2Session;

  constructor(address: string) {
    this.session = connect(`http://${address}`);
    this.session.on('error', () => {});
  }

  /** Sends one pre-serialized ExportTraceServiceRequest; resolves 200, or 503 for UNAVAILABLE (as HTTP would answer). */
  export(body: Uint8Array): Promise<number> {
    return new Promise((resolve, reject) => {
      const stream = this.session.request({
        [constants.HTTP2_HEADER_METHOD]: 'POST',
        [constants.HTTP2_HEADER_PATH]: TRACE_SERVICE_EXPORT_PATH,
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      let grpcStatusCode: string | undefined;
      const take = (headers: IncomingHttpHeaders) => {
        const value = headers['grpc-status'];
        if (typeof value === 'string') grpcStatusCode = value;
      };
      stream.on('response', take);
      stream.on('trailers', take);
      stream.on('data', () => {});
      stream.on('error', reject);
      stream.on('close', () => {
        const code = Number(grpcStatusCode);
        if (code === grpcStatus.OK) resolve(200);
        else if (code === grpcStatus.UNAVAILABLE) resolve(503);
        else reject(new Error(`unexpected gRPC status ${grpcStatusCode ?? '(none)'} (HTTP/2 stream closed with code ${stream.rstCode})`));
      });
      const prefix = Buffer.alloc(5);
      prefix.writeUInt32BE(body.length, 1);
      stream.write(prefix);
      stream.end(body);
    });
  }

  close(): void {
    this.session.close();
  }
}
