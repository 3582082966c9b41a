/**
 * One spanpulse process: the OTLP/HTTP and OTLP/gRPC receivers, the traces pipeline, the store, the
 * maintenance job and the status API, started from a validated Config. Used by the bin
 * entry and by end-to-end tests (with port 0 endpoints).
 *
 * Shutdown order (SIGTERM): stop accepting OTLP requests and let those in flight finish,
 * flush the group-commit queue, stop the API and jobs, close the store.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiApp } from '../api/createApiApp.js';
import type { Config } from './config/Config.js';
import { MaintenanceJob } from './jobs/MaintenanceJob.js';
import { log } from './log.js';
import { GroupCommitWriter } from './pipeline/GroupCommitWriter.js';
import { TracesPipeline } from './pipeline/TracesPipeline.js';
import { listen, urlOf } from './net/listen.js';
import { tlsOptionsOf } from './config/tlsConfig.js';
import { grpcReceiverOptions } from './receiver/otlpgrpc/grpcReceiverOptions.js';
import { OtlpGrpcReceiver } from './receiver/otlpgrpc/OtlpGrpcReceiver.js';
import { OtlpHttpReceiver } from './receiver/otlphttp/OtlpHttpReceiver.js';
import { createStore, retentionOf } from './store/createStore.js';
import type { Store } from './store/types.js';
import { Telemetry } from './telemetry/Telemetry.js';
import { version } from './version.js';

export interface RunningSpanpulse {
  /** Base URL of the OTLP receiver, e.g. http://127.0.0.1:4318 */
  otlpUrl: string;
  /** OTLP/gRPC endpoint as exporters take it, e.g. http://127.0.0.1:4317; null when disabled. */
  otlpGrpcUrl: string | null;
  /** Base URL of the status API and pages, e.g. http://127.0.0.1:3000 */
  apiUrl: string;
  store: Store;
  telemetry: Telemetry;
  /** Graceful, idempotent; resolves when the store is closed. */
  shutdown(): Promise<void>;
}

export async function startSpanpulse(config: Config): Promise<RunningSpanpulse> {
  const telemetry = new Telemetry();
  const store = await createStore(config);
  await store.start();

  const retention = retentionOf(config);
  const inactivityMs = config.extensions.retention.session_inactivity;
  const writer = new GroupCommitWriter(
    store,
    { sendBatchSize: config.processors.batch.send_batch_size, maxQueuedRecords: config.processors.batch.max_queued_spans },
    telemetry,
  );
  const pipeline = new TracesPipeline(
    { agentRouteParameter: config.processors.spanpulse.agent_route_parameter, maxAgeMs: retention.apiMetricsMs },
    writer,
    telemetry,
  );
  const http = config.receivers.otlp.protocols.http;
  const receiver = new OtlpHttpReceiver(
    { endpoint: http.endpoint, maxRequestBodySize: http.max_request_body_size, bearerToken: http.auth.bearer_token, tls: tlsOptionsOf(http.tls) },
    pipeline,
    telemetry,
  );
  const grpcOptions = grpcReceiverOptions(config.receivers.otlp.protocols);
  const grpcReceiver = grpcOptions && new OtlpGrpcReceiver(grpcOptions, pipeline, telemetry);
  const jobs = new MaintenanceJob(store, { intervalMs: config.extensions.retention.interval, sessionInactivityMs: inactivityMs, retention });

  const statusApi = config.extensions.status_api;
  const app = createApiApp({
    store,
    telemetry,
    version,
    sessionInactivityMs: inactivityMs,
    retention,
    thresholds: {
      degradedErrorRate: statusApi.degraded_error_rate,
      downErrorRate: statusApi.down_error_rate,
      degradedP95Ms: statusApi.degraded_p95,
      downP95Ms: statusApi.down_p95,
    },
  });
  const apiServer = createServer(app);
  let otlpAddress: AddressInfo;
  let otlpGrpcAddress: AddressInfo | null;
  let apiAddress: AddressInfo;
  try {
    apiAddress = await listen(apiServer, statusApi.endpoint);
    otlpAddress = await receiver.start();
    otlpGrpcAddress = grpcReceiver ? await grpcReceiver.start() : null;
  } catch (error) {
    await Promise.all([receiver.shutdown(0), grpcReceiver?.shutdown(0)]);
    apiServer.close();
    await store.shutdown();
    throw error;
  }
  jobs.start();
  log.info('spanpulse started', {
    version,
    store: store.backend,
    otlp: `${otlpAddress.address}:${otlpAddress.port}`,
    otlpGrpc: otlpGrpcAddress ? `${otlpGrpcAddress.address}:${otlpGrpcAddress.port}` : 'off',
    api: `${apiAddress.address}:${apiAddress.port}`,
  });

  let stopping: Promise<void> | null = null;
  return {
    otlpUrl: urlOf(otlpAddress, http.tls.cert_file ? 'https' : 'http'),
    otlpGrpcUrl: otlpGrpcAddress && urlOf(otlpGrpcAddress, grpcOptions?.tls ? 'https' : 'http'),
    apiUrl: urlOf(apiAddress),
    store,
    telemetry,
    shutdown: () =>
      (stopping ??= (async () => {
        await Promise.all([receiver.shutdown(), grpcReceiver?.shutdown()]);
        await writer.shutdown();
        await jobs.shutdown();
        await new Promise<void>((resolve) => {
          apiServer.close(() => resolve());
          apiServer.closeAllConnections();
        });
        await store.shutdown();
        log.info('spanpulse stopped');
      })()),
  };
}
