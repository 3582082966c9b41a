/**
 * HTTP/2 receive windows of the gRPC receiver (README "OTLP/gRPC", flow control). grpc-js 1.14
 * leaves its server at Node's defaults, 64 KiB per stream and 64 KiB for the whole connection
 * (RFC 9113 section 6.9.2), and has no option to raise them: `grpc-node.flow_control_window`
 * is read by its clients only (grpc/grpc-node#3058 adds it to the server). An exporter sends
 * all its calls on one connection, so with 64 KiB about one request of 100 spans (54 KiB) is on
 * the wire at a time; the others wait for a WINDOW_UPDATE, which the server sends only when its
 * busy event loop next reads the socket. Fewer requests are then waiting when a group commit
 * starts, and the store writes smaller batches (bench/ingest: 310 spans per write against
 * OTLP/HTTP's 385 with the same calls in flight). gRPC servers in Go, the OpenTelemetry
 * Collector's included, grow both windows by BDP estimation up to 16 MiB.
 *
 * What a connection can hold is unchanged: grpc-js reads every stream as data arrives, and a
 * message is bounded by max_request_body_size, so a connection holds at most
 * `max_concurrent_streams` x `max_request_body_size` with any window.
 *
 * grpc-js exposes neither its HTTP/2 server nor its sessions, so this sets the window through
 * two of its internals (the options it creates the HTTP/2 server with, and the handler it gives
 * each new session). Without them (another grpc-js version) it changes nothing and says so;
 * the receiver works as before, only slower. test/collector/receiver/otlpgrpc/receiveWindows.test.ts
 * checks the windows a client is given.
 */
import type { Server } from '@grpc/grpc-js';
import type { ServerHttp2Session } from 'node:http2';

export interface ReceiveWindows {
  /** SETTINGS_INITIAL_WINDOW_SIZE: bytes one call may send before the server reads them. */
  stream: number;
  /** The connection's window: bytes all calls together may send before the server reads them. */
  connection: number;
}

/** grpc-go's largest BDP-estimated window for the connection; a quarter of it per call. */
export const RECEIVE_WINDOWS: ReceiveWindows = { stream: 4 * 2 ** 20, connection: 16 * 2 ** 20 };

type SessionHandler = (http2Server: unknown) => (session: ServerHttp2Session) => void;

/** The grpc-js 1.14 internals this needs; both are read when the server binds. */
interface GrpcServerInternals {
  commonServerOptions?: { settings?: Record<string, unknown> };
  _sessionHandler?: SessionHandler;
  _channelzSessionHandler?: SessionHandler;
}

const SESSION_HANDLERS = ['_sessionHandler', '_channelzSessionHandler'] as const;

/** Call before `bindAsync`. False when this grpc-js lacks the internals (nothing was changed). */
export function raiseReceiveWindows(server: Server, windows: ReceiveWindows = RECEIVE_WINDOWS): boolean {
  const internals = server as unknown as GrpcServerInternals;
  const options = internals.commonServerOptions;
  if (typeof options !== 'object' || SESSION_HANDLERS.some((name) => typeof internals[name] !== 'function')) return false;
  options.settings = { ...options.settings, initialWindowSize: windows.stream };
  for (const name of SESSION_HANDLERS) {
    const handlerFor = internals[name]!.bind(server);
    internals[name] = (http2Server) => {
      const onSession = handlerFor(http2Server);
      return (session) => {
        // A session that closed before this ran has no window to raise; grpc-js still tracks it.
        if (!session.destroyed) session.setLocalWindowSize(windows.connection);
        onSession(session);
      };
    };
  }
  return true;
}
