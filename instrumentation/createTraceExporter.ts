/**
 * The OTLP/HTTP trace exporter for the chosen protocol (protobuf by default, like every
 * OpenTelemetry SDK; JSON on request). Endpoint, headers, timeout and compression come from
 * the standard `OTEL_EXPORTER_OTLP_*` variables, read by the exporter itself.
 *
 * Neither its connections nor its retry waits keep the host process alive: a host that is
 * done must be able to exit even while an export to a slow or absent collector is still
 * waiting. The final flush on shutdown holds the process open on its own, for a bounded time.
 */
import type { Agent, ClientRequest, ClientRequestArgs } from 'node:http';
import type { Duplex } from 'node:stream';
import { OTLPTraceExporter as OtlpJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { IExporterTransport } from '@opentelemetry/otlp-exporter-base';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { OtlpHttpProtocol } from './InstrumentationOptions.js';
import { ShutdownAwareRetryingTransport } from './ShutdownAwareRetryingTransport.js';

export interface TraceExporter {
  exporter: SpanExporter;
  /** Ends retry waits and stops retrying, for shutdown. */
  stopRetrying(): void;
  /** Destroys every connection to the collector, connecting ones included; exports in flight fail. */
  dropConnections(): void;
}

export function createTraceExporter(protocol: OtlpHttpProtocol): TraceExporter {
  const agents: Agent[] = [];
  const httpAgentOptions = async (agentProtocol: string): Promise<Agent> => {
    const agent = await createUnrefAgent(agentProtocol);
    agents.push(agent);
    return agent;
  };
  const exporter = protocol === 'http/json' ? new OtlpJsonTraceExporter({ httpAgentOptions }) : new OtlpProtobufTraceExporter({ httpAgentOptions });
  const retries = replaceRetries(exporter);
  return {
    exporter,
    stopRetrying: () => retries?.stopRetrying(),
    dropConnections: () => {
      for (const agent of agents) agent.destroy();
    },
  };
}

/**
 * Swaps the exporter's retrying transport for ShutdownAwareRetryingTransport around the same
 * HTTP transport. Both are internal to the exporter (private fields `_delegate._transport`
 * and its `_transport` in 0.223), so when they are not where they were this changes nothing:
 * the stock retries stay, and test/instrumentation/collectorFaults.test.ts fails, which is
 * what tells an upgrade to look here.
 */
function replaceRetries(exporter: object): ShutdownAwareRetryingTransport | undefined {
  const delegate = (exporter as { _delegate?: { _transport?: IExporterTransport & { _transport?: IExporterTransport } } })._delegate;
  const httpTransport = delegate?._transport?._transport;
  if (delegate === undefined || typeof httpTransport?.send !== 'function') return undefined;
  const retries = new ShutdownAwareRetryingTransport(httpTransport);
  delegate._transport = retries;
  return retries;
}

/**
 * A connect that never completes (a collector behind a firewall that drops packets) holds the
 * process open however unref'd its socket is, and the exporter's own timeout only starts once
 * connected: the OS gives up after about two minutes. Collectors answer a connect in
 * milliseconds; five seconds is generous.
 */
const CONNECT_TIMEOUT_MS = 5000;

/**
 * A keep-alive agent whose sockets are unref'd while in use too (Node's own agent only
 * unrefs idle ones) and give up connecting after CONNECT_TIMEOUT_MS. `http`/`https` are
 * imported on first use, after the HTTP instrumentation has been enabled, as the exporter's
 * documentation asks.
 */
async function createUnrefAgent(protocol: string): Promise<Agent> {
  const module = protocol === 'https:' ? await import('node:https') : await import('node:http');
  const agent: Agent = new module.Agent({ keepAlive: true });
  const createConnection = agent.createConnection;
  agent.createConnection = function (this: Agent, options: ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void) {
    const socket = createConnection.call(this, options, callback);
    unref(socket);
    if (socket !== null && socket !== undefined) limitConnectTime(socket);
    return socket;
  };
  // Node re-refs a pooled socket when it hands it to the next request (and does bookkeeping we keep).
  const reuseSocket = agent.reuseSocket;
  agent.reuseSocket = function (this: Agent, socket: Duplex, request: ClientRequest) {
    reuseSocket.call(this, socket, request);
    unref(socket);
  };
  return agent;
}

function limitConnectTime(socket: Duplex): void {
  if ((socket as { connecting?: boolean }).connecting !== true) return;
  const timer = setTimeout(() => {
    socket.destroy(Object.assign(new Error(`could not connect to the collector within ${CONNECT_TIMEOUT_MS} ms`), { code: 'ETIMEDOUT' }));
  }, CONNECT_TIMEOUT_MS);
  timer.unref();
  const stop = (): void => clearTimeout(timer);
  socket.once('connect', stop);
  socket.once('close', stop);
}

function unref(socket: Duplex | null | undefined): void {
  (socket as { unref?: () => void } | null | undefined)?.unref?.();
}
