/**
 * The OTLP/HTTP receiver (opentelemetry-proto docs/specification.md, "OTLP/HTTP"):
 * `POST /v1/traces` with `application/x-protobuf` or `application/json`, optional gzip, over
 * plain HTTP or TLS. `/v1/metrics` and `/v1/logs` are answered the same way and not stored.
 * Answers in the request's encoding: 200 with the signal's Export*ServiceResponse (partial_success
 * for rejected spans), or a google.rpc.Status with 400 (undecodable), 401 (token), 404, 405,
 * 413 (too large, also after decompression), 415 (content type or encoding), 429/503 with
 * Retry-After (retry later). 500 only for a bug, never for a transient condition.
 *
 * `createOtlpHttpHandler` builds the request handler without listening (tests call it
 * in-process); `OtlpHttpReceiver` binds it to the configured address.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TracesConsumer } from '../../consumer/TracesConsumer.js';
import type { Component } from '../../lifecycle/Component.js';
import { PipelineError } from '../../errors.js';
import { log } from '../../log.js';
import { listen } from '../../net/listen.js';
import { httpsServerOptions, readTlsMaterial, type TlsOptions } from '../../net/TlsOptions.js';
import type { Telemetry } from '../../telemetry/Telemetry.js';
import { bearerTokenCheck } from '../otlp/bearerToken.js';
import { ExportHandlers } from '../otlp/ExportHandlers.js';
import { grpcCodeOf } from '../otlp/grpcCodeOf.js';
import { LOGS, METRICS } from '../otlp/ignoredSignals.js';
import { decompressBody } from './decompressBody.js';
import { encodeStatus, type WireFormat } from './encodeResponse.js';
import { readBody } from './readBody.js';

export interface OtlpHttpReceiverOptions {
  /** host:port to listen on; default 0.0.0.0:4318 (port 0 picks a free port). */
  endpoint: string;
  /** Largest body in bytes, before and after decompression; default 20 MiB. */
  maxRequestBodySize: number;
  /** When non-empty, requests need `Authorization: Bearer <token>`; default empty. */
  bearerToken: string;
  /** TLS, mutual with a client CA; default null: plain HTTP. */
  tls?: TlsOptions | null;
}

export const TRACES_PATH = '/v1/traces';
const PATHS = [TRACES_PATH, METRICS.httpPath, LOGS.httpPath];

const CONTENT_TYPES: Record<string, WireFormat> = {
  'application/x-protobuf': 'protobuf',
  'application/protobuf': 'protobuf',
  'application/json': 'json',
};

export function createOtlpHttpHandler(
  options: Omit<OtlpHttpReceiverOptions, 'endpoint'>,
  consumer: TracesConsumer,
  telemetry: Telemetry,
): (request: IncomingMessage, response: ServerResponse) => void {
  const authorized = bearerTokenCheck(options.bearerToken);
  const handlers = new ExportHandlers(consumer, telemetry.receivers, 'http');

  async function handle(request: IncomingMessage, response: ServerResponse, format: WireFormat): Promise<void> {
    const path = (request.url ?? '/').split('?')[0]!;
    if (!PATHS.includes(path)) {
      throw PipelineError.permanent(404, `no such endpoint ${path}; OTLP traces go to POST ${TRACES_PATH} (metrics and logs are answered at ${METRICS.httpPath} and ${LOGS.httpPath}, not stored)`);
    }
    if (request.method !== 'POST') {
      response.setHeader('Allow', 'POST');
      throw PipelineError.permanent(405, `${request.method} is not allowed on ${path}; use POST`);
    }
    if (!authorized(request.headers.authorization)) {
      throw PipelineError.permanent(401, 'missing or wrong bearer token: send Authorization: Bearer <SPANPULSE_INGEST_TOKEN>');
    }
    const mediaType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (!(mediaType in CONTENT_TYPES)) {
      throw PipelineError.permanent(415, `unsupported content type "${mediaType}"; use application/x-protobuf or application/json`);
    }
    const compressed = await readBody(request, options.maxRequestBodySize);
    const body = await decompressBody(compressed, request.headers['content-encoding'], options.maxRequestBodySize);
    const shape = path === METRICS.httpPath ? METRICS : path === LOGS.httpPath ? LOGS : null;
    if (body.length === 0) throw PipelineError.permanent(400, `empty request body; expected an ${shape?.request ?? 'ExportTraceServiceRequest'}`);
    const answer = shape ? handlers.ignored(shape, format, body) : await handlers.traces(format, body);
    response.writeHead(200, { 'Content-Type': contentTypeOf(format) });
    response.end(answer);
  }

  function fail(request: IncomingMessage, response: ServerResponse, format: WireFormat, error: unknown): void {
    const known = error instanceof PipelineError;
    const status = known ? error.httpStatus : 500;
    const message = known ? error.message : 'internal error';
    if (!known) log.error('OTLP request failed unexpectedly', { error });
    telemetry.requestRefused(status);
    if (response.headersSent) {
      response.destroy();
      return;
    }
    const headers: Record<string, string> = { 'Content-Type': contentTypeOf(format) };
    if (known && error.retryAfterSeconds !== undefined) headers['Retry-After'] = String(error.retryAfterSeconds);
    // A body we stopped reading cannot be skipped on a keep-alive connection.
    if (!request.complete) headers['Connection'] = 'close';
    response.writeHead(status, headers);
    response.end(encodeStatus(format, grpcCodeOf(error), message));
  }

  return (request, response) => {
    const mediaType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const format = CONTENT_TYPES[mediaType] ?? 'json';
    handle(request, response, format).catch((error: unknown) => fail(request, response, format, error));
  };
}

function contentTypeOf(format: WireFormat): string {
  return format === 'json' ? 'application/json' : 'application/x-protobuf';
}

/** Binds the handler to `options.endpoint`; a lifecycle Component. */
export class OtlpHttpReceiver implements Component {
  readonly name = 'receiver/otlp/http';
  private server: Server | ReturnType<typeof createHttpsServer> | null = null;
  private bound: AddressInfo | undefined;
  private stopping = false;
  /** Responses not yet finished, so that shutdown can end their connections after them. */
  private readonly inFlight = new Set<ServerResponse>();

  constructor(
    private readonly options: OtlpHttpReceiverOptions,
    private readonly consumer: TracesConsumer,
    private readonly telemetry: Telemetry,
  ) {}

  /** The bound address once started (useful with port 0). */
  get address(): AddressInfo | undefined {
    return this.bound;
  }

  /** Listens; resolves once bound. */
  async start(): Promise<void> {
    const handle = createOtlpHttpHandler(this.options, this.consumer, this.telemetry);
    const listener = (request: IncomingMessage, response: ServerResponse) => {
      if (this.stopping) response.setHeader('Connection', 'close');
      this.inFlight.add(response);
      response.on('close', () => this.inFlight.delete(response));
      handle(request, response);
    };
    const tls = this.options.tls;
    const server = tls
      ? createHttpsServer({ ...httpsServerOptions(readTlsMaterial(tls)), keepAliveTimeout: 65_000 }, listener)
      : createServer({ keepAliveTimeout: 65_000 }, listener);
    this.server = server;
    this.bound = await listen(server, this.options.endpoint);
  }

  /** Stops accepting connections and waits for requests in flight, at most `deadlineMs`. Idempotent. */
  async shutdown(deadlineMs = 10_000): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // A keep-alive connection with a request in flight would otherwise stay open, and take new
    // requests, until the deadline cut it: each response from now on closes its connection.
    this.stopping = true;
    for (const response of this.inFlight) {
      if (!response.headersSent) response.setHeader('Connection', 'close');
      response.on('finish', () => server.closeIdleConnections());
    }
    server.closeIdleConnections();
    const timer = setTimeout(() => server.closeAllConnections(), deadlineMs);
    timer.unref();
    await closed;
    clearTimeout(timer);
  }
}
