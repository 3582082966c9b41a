/**
 * The OTLP/HTTP receiver (opentelemetry-proto docs/specification.md, "OTLP/HTTP"):
 * `POST /v1/traces` with `application/x-protobuf` or `application/json`, optional gzip, over
 * plain HTTP or TLS. `/v1/metrics` and `/v1/logs` are answered the same way and not stored.
 * Answers in the request's encoding: 200 with the signal's Export*ServiceResponse (partial_success
 * for rejected spans), or a google.rpc.Status with 400 (undecodable), 401 (token), 404, 405,
 * 413 (too large, also after decompression), 415 (content type or encoding), 429/503 with
 * Retry-After (retry later). 500 only for a bug, never for a transient condition.
 *
 * Limits (README "The OTLP receiver"): the shared IngestLimits (memory limiter, queue, bytes in
 * flight; a refusal before the body is read keeps the connection when the body is small and
 * node discards it, else closes it), at most
 * `maxConnections` open connections (more are closed on arrival), and node's header and
 * request timeouts, so that clients trickling bytes are cut off (408) instead of holding
 * connections and memory.
 *
 * `createOtlpHttpHandler` builds the request handler without listening (tests call it
 * in-process); `OtlpHttpReceiver` binds it to the configured address.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TracesConsumer } from '../../consumer/TracesConsumer.js';
import type { Component } from '../../lifecycle/Component.js';
import { PipelineError } from '../../errors.js';
import { log } from '../../log.js';
import { listen } from '../../net/listen.js';
import { httpsServerOptions, readTlsMaterial, type TlsOptions } from '../../net/TlsOptions.js';
import { reloadHttpsServerTls } from '../../net/tlsReload.js';
import type { Telemetry } from '../../telemetry/Telemetry.js';
import { bearerTokenCheck } from '../otlp/bearerToken.js';
import { ExportHandlers } from '../otlp/ExportHandlers.js';
import { grpcCodeOf } from '../otlp/grpcCodeOf.js';
import { DEFAULT_MAX_BYTES_IN_FLIGHT, IngestLimits, type Reservation } from '../otlp/IngestLimits.js';
import { LOGS, METRICS } from '../otlp/ignoredSignals.js';
import { decompressBody } from './decompressBody.js';
import { encodeStatus, type WireFormat } from './encodeResponse.js';
import { lingeringClose } from './lingeringClose.js';
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
  /** Most open connections; more are closed as they arrive. Default 1024. */
  maxConnections?: number;
  /** Longest wait for a request's headers, from its first byte or the connection's opening; default 10 s. */
  readHeaderTimeoutMs?: number;
  /** Longest wait for a whole request, headers and body; default 30 s. */
  readTimeoutMs?: number;
  /** Longest a keep-alive connection waits for its next request; default 65 s. */
  idleTimeoutMs?: number;
}

export const TRACES_PATH = '/v1/traces';
const PATHS = [TRACES_PATH, METRICS.httpPath, LOGS.httpPath];

const CONTENT_TYPES: Record<string, WireFormat> = {
  'application/x-protobuf': 'protobuf',
  'application/protobuf': 'protobuf',
  'application/json': 'json',
};

/** `limits` default: a 64 MiB bytes-in-flight budget of its own, no memory limiter. */
export function createOtlpHttpHandler(
  options: Omit<OtlpHttpReceiverOptions, 'endpoint'>,
  consumer: TracesConsumer,
  telemetry: Telemetry,
  limits = new IngestLimits({ maxBytesInFlight: DEFAULT_MAX_BYTES_IN_FLIGHT }, telemetry),
): (request: IncomingMessage, response: ServerResponse) => void {
  const authorized = bearerTokenCheck(options.bearerToken);
  /** Requests refused before their body was read, whose body node is to discard. */
  const unreadBodies = new WeakSet<IncomingMessage>();
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
    let reservation: Reservation;
    try {
      reservation = limits.admit('http');
    } catch (error) {
      if (discardable(request)) unreadBodies.add(request);
      else response.setHeader('Connection', 'close');
      throw error;
    }
    try {
      await answer(request, response, format, path, reservation);
    } catch (error) {
      // The rest of the body is not read: the client sends its retry on a new connection.
      if (reservation.refused) response.setHeader('Connection', 'close');
      throw error;
    } finally {
      reservation.release();
    }
  }

  async function answer(request: IncomingMessage, response: ServerResponse, format: WireFormat, path: string, reservation: Reservation): Promise<void> {
    const compressed = await readBody(request, options.maxRequestBodySize, reservation);
    const body = await decompressBody(compressed, request.headers['content-encoding'], options.maxRequestBodySize, reservation);
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
    // The client went away, or a read timeout cut it off (answered 408): nobody to answer.
    if (request.socket.destroyed) return;
    telemetry.requestRefused(status);
    if (response.headersSent) {
      response.destroy();
      return;
    }
    const headers: Record<string, string> = { 'Content-Type': contentTypeOf(format) };
    if (known && error.retryAfterSeconds !== undefined) headers['Retry-After'] = String(error.retryAfterSeconds);
    // A body we stopped reading cannot be skipped on a keep-alive connection; one never read
    // and small enough, node reads and drops after the answer, keeping the connection.
    if (!request.complete && !unreadBodies.has(request)) {
      headers['Connection'] = 'close';
      lingeringClose(request.socket);
    }
    response.writeHead(status, headers);
    response.end(encodeStatus(format, grpcCodeOf(error), message));
  }

  return (request, response) => {
    const mediaType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const format = CONTENT_TYPES[mediaType] ?? 'json';
    handle(request, response, format).catch((error: unknown) => fail(request, response, format, error));
  };
}

/**
 * Up to this much of a refused request's body is read and dropped to keep its connection, as
 * Go's net/http does (256 KiB): closing made every refused exporter connect again, and under
 * overload the new connections cost more than the bytes.
 */
const DISCARD_LIMIT = 256 * 1024;

/** A body of a declared length within DISCARD_LIMIT (chunked bodies of unknown length are not kept). */
function discardable(request: IncomingMessage): boolean {
  const declared = Number(request.headers['content-length']);
  return Number.isFinite(declared) && declared <= DISCARD_LIMIT;
}

function contentTypeOf(format: WireFormat): string {
  return format === 'json' ? 'application/json' : 'application/x-protobuf';
}

const DEFAULT_MAX_CONNECTIONS = 1024;

const CLIENT_ERROR_STATUS: Readonly<Record<string, string>> = {
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
};

/** Binds the handler to `options.endpoint`; a lifecycle Component. */
export class OtlpHttpReceiver implements Component {
  readonly name = 'receiver/otlp/http';
  private server: Server | HttpsServer | null = null;
  private stopTlsReloads: () => void = () => {};
  private bound: AddressInfo | undefined;
  private stopping = false;
  /** Responses not yet finished, so that shutdown can end their connections after them. */
  private readonly inFlight = new Set<ServerResponse>();

  /** The last response of each connection, to tell a body timeout from a header timeout. */
  private readonly lastResponse = new WeakMap<Socket, ServerResponse>();
  private connections = 0;

  /** `limits` default: a 64 MiB bytes-in-flight budget of its own, no memory limiter. */
  constructor(
    private readonly options: OtlpHttpReceiverOptions,
    private readonly consumer: TracesConsumer,
    private readonly telemetry: Telemetry,
    private readonly limits = new IngestLimits({ maxBytesInFlight: DEFAULT_MAX_BYTES_IN_FLIGHT }, telemetry),
  ) {
    telemetry.limits.gauge('http_connections', () => this.connections);
    telemetry.limits.gauge('http_connections_limit', () => this.options.maxConnections ?? DEFAULT_MAX_CONNECTIONS);
  }

  /** The bound address once started (useful with port 0). */
  get address(): AddressInfo | undefined {
    return this.bound;
  }

  /** Listens; resolves once bound. */
  async start(): Promise<void> {
    const handle = createOtlpHttpHandler(this.options, this.consumer, this.telemetry, this.limits);
    const listener = (request: IncomingMessage, response: ServerResponse) => {
      if (this.stopping) response.setHeader('Connection', 'close');
      this.inFlight.add(response);
      this.lastResponse.set(request.socket, response);
      response.on('close', () => this.inFlight.delete(response));
      handle(request, response);
    };
    const { readHeaderTimeoutMs = 10_000, readTimeoutMs = 30_000, idleTimeoutMs = 65_000 } = this.options;
    const timeouts = {
      headersTimeout: readHeaderTimeoutMs,
      requestTimeout: readTimeoutMs,
      keepAliveTimeout: idleTimeoutMs,
      // How often node looks for requests past their timeouts (its default, 30 s, would let a
      // trickling client hold its connection up to 30 s longer than the timeout says).
      connectionsCheckingInterval: Math.min(1000, readHeaderTimeoutMs),
    };
    const tls = this.options.tls;
    let server: Server | HttpsServer;
    if (tls) {
      const secure = createHttpsServer({ ...httpsServerOptions(readTlsMaterial(tls)), ...timeouts }, listener);
      this.stopTlsReloads = reloadHttpsServerTls(this.name, tls, secure);
      server = secure;
    } else {
      server = createServer(timeouts, listener);
    }
    server.maxConnections = this.options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    server.on('drop', () => this.telemetry.limits.connectionDropped());
    server.on('connection', (socket: Socket) => {
      this.connections += 1;
      socket.once('close', () => (this.connections -= 1));
    });
    server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => this.clientError(error, socket));
    this.server = server;
    // A queue of max_connections: with node's 511, apps reconnecting together (after refusals
    // that close connections, or a restart) overflowed it, and the kernel drops a SYN it cannot
    // queue; the client resends it after 1, 3, 7, 15, 31 s, so under overload some
    // acknowledgements took 15 s or more (bench/overload.ts; README "The OTLP receiver").
    this.bound = await listen(server, this.options.endpoint, server.maxConnections);
  }

  /**
   * What node does by default with a connection it cannot parse or that ran past a timeout
   * (a bare 400 / 408 / 431, then close), plus counting the timeouts by kind.
   */
  private clientError(error: NodeJS.ErrnoException, socket: Socket): void {
    const response = this.lastResponse.get(socket);
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      this.telemetry.limits.refused(response !== undefined && !response.req.complete ? 'read_timeout' : 'read_header_timeout', 'http');
    }
    // Not in the middle of a response already on its way.
    if (socket.writable && !(response !== undefined && response.headersSent && !response.writableEnded)) {
      socket.write(`HTTP/1.1 ${CLIENT_ERROR_STATUS[error.code ?? ''] ?? '400 Bad Request'}\r\nConnection: close\r\n\r\n`);
    }
    socket.destroy();
  }

  /** Stops accepting connections and waits for requests in flight, at most `deadlineMs`. Idempotent. */
  async shutdown(deadlineMs = 10_000): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    this.stopTlsReloads();
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
