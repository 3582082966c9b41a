/**
 * The OTLP/gRPC receiver (opentelemetry-proto docs/specification.md, "OTLP/gRPC"), default
 * port 4317: unary `Export` of TraceService, MetricsService and LogsService. Requests arrive as
 * raw bytes (otlpServices.ts) and go through the same ExportHandlers as OTLP/HTTP protobuf, so
 * both transports accept the same messages and give the same partial_success; metrics and logs
 * are answered with success and not stored.
 *
 * grpc-js does the framing, `grpc-encoding: gzip` and the message size limit, which it answers
 * with RESOURCE_EXHAUSTED before a handler runs, after decompression too (that is what the
 * OTLP specification expects of an oversized message; clients do not retry it). It answers a
 * message it cannot gunzip with INTERNAL, which clients do not retry either. Everything the
 * handlers refuse maps as grpcErrorOf.ts says. An empty message is an empty request: success.
 *
 * Limits: the shared IngestLimits (memory limiter, bytes in flight) refuse a call with
 * UNAVAILABLE and RetryInfo. grpc-js hands over a message only once it has read it whole, so
 * its bytes are reserved then (after decompression); what a connection can hold before that
 * is bounded by max_request_body_size times `maxConcurrentStreams`.
 */
import { Server, ServerCredentials, type handleUnaryCall } from '@grpc/grpc-js';
import type { AddressInfo } from 'node:net';
import type { TracesConsumer } from '../../consumer/TracesConsumer.js';
import type { Component } from '../../lifecycle/Component.js';
import { PipelineError } from '../../errors.js';
import { log } from '../../log.js';
import { splitHostPort } from '../../net/listen.js';
import { readTlsMaterial, type TlsOptions } from '../../net/TlsOptions.js';
import { whenTlsReloads } from '../../net/tlsReload.js';
import type { Telemetry } from '../../telemetry/Telemetry.js';
import { bearerTokenCheck } from '../otlp/bearerToken.js';
import { ExportHandlers } from '../otlp/ExportHandlers.js';
import { DEFAULT_MAX_BYTES_IN_FLIGHT, IngestLimits, type Reservation } from '../otlp/IngestLimits.js';
import { LOGS, METRICS } from '../otlp/ignoredSignals.js';
import { grpcErrorOf } from './grpcErrorOf.js';
import { routeGrpcLogsToLog } from './grpcLogs.js';
import { LOGS_SERVICE, METRICS_SERVICE, TRACE_SERVICE } from './otlpServices.js';
import { raiseReceiveWindows } from './receiveWindows.js';
import { reloadableServerCredentials } from './reloadableCredentials.js';

export interface OtlpGrpcReceiverOptions {
  /** host:port to listen on; default 0.0.0.0:4317 (port 0 picks a free port). */
  endpoint: string;
  /** Largest message in bytes, compressed and decompressed; default the OTLP/HTTP limit, 20 MiB. */
  maxRequestBodySize: number;
  /** When non-empty, calls need `authorization: Bearer <token>` metadata; default empty. */
  bearerToken: string;
  /** TLS, mutual with a client CA; default null: plain text (h2c). */
  tls?: TlsOptions | null;
  /** Most calls at once on one connection (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS); default 100. */
  maxConcurrentStreams?: number;
}

/** A lifecycle Component: start, then shutdown (idempotent, safe before start). */
export class OtlpGrpcReceiver implements Component {
  readonly name = 'receiver/otlp/grpc';
  private server: Server | null = null;
  private stopTlsReloads: () => void = () => {};
  private bound: AddressInfo | undefined;
  private starting: Promise<unknown> | null = null;

  /** `limits` default: a 64 MiB bytes-in-flight budget of its own, no memory limiter. */
  constructor(
    private readonly options: OtlpGrpcReceiverOptions,
    private readonly consumer: TracesConsumer,
    private readonly telemetry: Telemetry,
    private readonly limits = new IngestLimits({ maxBytesInFlight: DEFAULT_MAX_BYTES_IN_FLIGHT }, telemetry),
  ) {}

  /** The bound address once started (useful with port 0). */
  get address(): AddressInfo | undefined {
    return this.bound;
  }

  /** Listens; resolves once bound, rejects when it cannot bind. */
  async start(): Promise<void> {
    routeGrpcLogsToLog();
    const credentials = this.options.tls ? this.tlsCredentials(this.options.tls) : ServerCredentials.createInsecure();
    const server = new Server({
      'grpc.max_receive_message_length': this.options.maxRequestBodySize,
      'grpc.max_concurrent_streams': this.options.maxConcurrentStreams ?? 100,
      // Nothing serves channelz here, and its tracking costs CPU on every call and connection.
      'grpc.enable_channelz': 0,
    });
    if (!raiseReceiveWindows(server)) {
      log.warn('OTLP/gRPC receiver keeps the 64 KiB HTTP/2 windows: this grpc-js has no hook for them; ingest over gRPC is slower (README "OTLP/gRPC")');
    }
    const handlers = new ExportHandlers(this.consumer, this.telemetry.receivers, 'grpc');
    server.addService(TRACE_SERVICE, { Export: this.unary((body) => handlers.traces('protobuf', body)) });
    server.addService(METRICS_SERVICE, { Export: this.unary(async (body) => handlers.ignored(METRICS, 'protobuf', body)) });
    server.addService(LOGS_SERVICE, { Export: this.unary(async (body) => handlers.ignored(LOGS, 'protobuf', body)) });
    this.server = server;

    const { host, port } = splitHostPort(this.options.endpoint);
    const target = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const bound = new Promise<number>((resolve, reject) => {
      server.bindAsync(target, credentials, (error, boundPort) => {
        if (error) reject(new Error(`cannot listen for OTLP/gRPC on ${this.options.endpoint}: ${error.message}`));
        else resolve(boundPort);
      });
    });
    this.starting = bound.catch(() => undefined);
    this.bound = { address: host, family: host.includes(':') ? 'IPv6' : 'IPv4', port: await bound };
  }

  /**
   * Stops taking calls (new connections and new calls on open ones are refused), lets calls in
   * flight finish and be answered, and cancels those still running after `deadlineMs`. Idempotent.
   */
  async shutdown(deadlineMs = 10_000): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    this.stopTlsReloads();
    await this.starting;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, deadlineMs);
      timer.unref();
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** TLS credentials whose certificate reloadTlsFiles() replaces (collector/net/tlsReload.ts). */
  private tlsCredentials(tls: TlsOptions): ServerCredentials {
    const { credentials, replace } = reloadableServerCredentials(readTlsMaterial(tls));
    this.stopTlsReloads = whenTlsReloads(this.name, tls, replace);
    return credentials;
  }

  private unary(respond: (body: Buffer) => Promise<Buffer>): handleUnaryCall<Buffer, Buffer> {
    const authorized = bearerTokenCheck(this.options.bearerToken);
    return (call, callback) => {
      let reservation: Reservation | undefined;
      const answer = (async () => {
        const [authorization] = call.metadata.get('authorization');
        if (!authorized(typeof authorization === 'string' ? authorization : undefined)) {
          throw PipelineError.permanent(401, 'missing or wrong bearer token: send authorization: Bearer <SPANPULSE_INGEST_TOKEN> metadata');
        }
        reservation = this.limits.admit('grpc');
        reservation.reserve(call.request.length);
        return respond(call.request);
      })();
      answer.then(
        (response) => callback(null, response),
        (error: unknown) => {
          if (!(error instanceof PipelineError)) log.error('OTLP/gRPC call failed unexpectedly', { error });
          this.telemetry.requestRefused(error instanceof PipelineError ? error.httpStatus : 500);
          callback(grpcErrorOf(error));
        },
      ).finally(() => reservation?.release());
    };
  }
}

