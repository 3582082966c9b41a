/**
 * One spanpulse process, built from a validated Config: the store, the traces pipeline
 * (memory limiter if listed, mapping, then group commit), the extensions listed in `service.extensions` (status API,
 * retention job, alerts, scheduled reports) and the OTLP receivers (HTTP, and gRPC unless its endpoint is empty), as
 * lifecycle Components started in the order of one list and stopped in reverse: on SIGTERM the
 * receivers stop accepting first and finish the requests in flight, the pipeline flushes its
 * queue, the extensions stop, the store closes.
 * Used by the bin entry and by end-to-end tests (with port 0 endpoints).
 */
import type { AddressInfo } from 'node:net';
import { ApiServer } from '../api/ApiServer.js';
import type { AlertEvaluator } from './alerts/AlertEvaluator.js';
import { createAlerts } from './alerts/createAlerts.js';
import { sloOptionsOf } from '../api/export/sloOptionsOf.js';
import { configuredWebhooks } from './config/alertsConfig.js';
import type { Config } from './config/Config.js';
import { priceTableOf } from './config/pricingConfig.js';
import { ModelCallResolver } from './genai/ModelCallResolver.js';
import { tlsOptionsOf } from './config/tlsConfig.js';
import { MaintenanceJob } from './jobs/MaintenanceJob.js';
import { ScheduledReports } from './jobs/ScheduledReports.js';
import { shutdownInReverse, startInOrder, type Component } from './lifecycle/Component.js';
import { log } from './log.js';
import { urlOf } from './net/listen.js';
import { CardinalityLimits } from './pipeline/CardinalityLimits.js';
import { GroupCommitWriter } from './pipeline/GroupCommitWriter.js';
import { Spool } from './pipeline/spool/Spool.js';
import { SpoolingWriter } from './pipeline/spool/SpoolingWriter.js';
import { TracesPipeline } from './pipeline/TracesPipeline.js';
import { MemoryLimiter } from './processor/memorylimiter/MemoryLimiter.js';
import { defaultMaxBytesInFlight, IngestLimits } from './receiver/otlp/IngestLimits.js';
import { grpcReceiverOptions } from './receiver/otlpgrpc/grpcReceiverOptions.js';
import { OtlpGrpcReceiver } from './receiver/otlpgrpc/OtlpGrpcReceiver.js';
import { httpReceiverOptions } from './receiver/otlphttp/httpReceiverOptions.js';
import { OtlpHttpReceiver } from './receiver/otlphttp/OtlpHttpReceiver.js';
import { createStore, retentionOf } from './store/createStore.js';
import type { Store } from './store/types.js';
import { Telemetry } from './telemetry/Telemetry.js';
import { version } from './version.js';

/** Most model calls waiting for their agent (genai_pending) before the oldest are counted as unattributed. */
const MAX_PENDING_MODEL_CALLS = 100_000;

/** How long start-up may undo itself and shutdown may take, for all components together. */
export const SHUTDOWN_DEADLINE_MS = 10_000;

export interface RunningSpanpulse {
  /** Base URL of the OTLP/HTTP receiver, e.g. http://127.0.0.1:4318 */
  otlpUrl: string;
  /** OTLP/gRPC endpoint as exporters take it, e.g. http://127.0.0.1:4317; null when disabled. */
  otlpGrpcUrl: string | null;
  /** Base URL of the status API and pages, e.g. http://127.0.0.1:3000; null when `status_api` is not among service.extensions. */
  apiUrl: string | null;
  store: Store;
  telemetry: Telemetry;
  /** The alert evaluator; null when `alerts` is not among service.extensions. */
  alerts: AlertEvaluator | null;
  /** Graceful, idempotent; resolves when the store is closed. */
  shutdown(): Promise<void>;
}

export interface StartOptions {
  /** The clock of the alert evaluator and the status API. Default: the system clock (tests move their own). */
  now?: () => Date;
}

export async function startSpanpulse(config: Config, options: StartOptions = {}): Promise<RunningSpanpulse> {
  const telemetry = new Telemetry();
  const store = await createStore(config);
  const extensions = new Set(config.service.extensions);
  const traces = config.service.pipelines.traces;

  const retention = retentionOf(config);
  const inactivityMs = config.extensions.retention.session_inactivity;
  const batch = config.processors.batch;
  const spooling = batch.spool.enabled
    ? new SpoolingWriter(store, new Spool({ dir: batch.spool.dir, maxBytes: batch.spool.max_size }), telemetry)
    : undefined;
  const writer = new GroupCommitWriter(
    spooling ?? store,
    // Without the batch processor every request is written alone (and still never waits unbounded).
    {
      sendBatchSize: traces.processors.includes('batch') ? batch.send_batch_size : 1,
      maxQueuedRecords: batch.max_queued_spans,
      maxQueueDelayMs: batch.max_queue_delay,
    },
    telemetry,
  );
  const { limits } = config.processors.spanpulse;
  const cardinality = new CardinalityLimits(store, {
    maxServices: limits.services, maxEndpointsPerService: limits.endpoints_per_service, maxAgentsPerService: limits.agents_per_service,
    maxModelsPerService: limits.models_per_service, lookbackMs: retention.dailyMetricsMs, refreshMs: 60_000,
  }, telemetry);
  const attributionTimeoutMs = config.processors.spanpulse.attribution_timeout;
  const resolver = new ModelCallResolver(store, {
    timeoutMs: attributionTimeoutMs,
    // A call waits at most a tenth of the timeout (at most 10 s) longer than the timeout.
    intervalMs: Math.min(10_000, Math.max(100, attributionTimeoutMs / 10)),
    maxPending: MAX_PENDING_MODEL_CALLS,
  });
  const pricing = config.processors.spanpulse.pricing;
  const pipeline = new TracesPipeline(
    {
      agentRouteParameter: config.processors.spanpulse.agent_route_parameter,
      maxAgeMs: retention.apiMetricsMs,
      privacy: { clientAddress: config.processors.spanpulse.client_address, userId: config.processors.spanpulse.user_id, hashSecret: config.processors.spanpulse.hash_secret },
      prices: priceTableOf(pricing),
    },
    cardinality,
    writer,
    telemetry,
  );
  const memory = config.processors.memory_limiter;
  const memoryLimiter = traces.processors.includes('memory_limiter')
    ? new MemoryLimiter({ limitBytes: memory.limit, spikeLimitBytes: memory.spike_limit, checkIntervalMs: memory.check_interval }, telemetry)
    : null;
  // One budget for both receivers: memory is one pool whichever transport fills it.
  const ingestLimits = new IngestLimits({
    maxBytesInFlight: config.receivers.otlp.max_bytes_in_flight ?? defaultMaxBytesInFlight(memoryLimiter ? memory.limit : null),
    memoryLimiter,
    queue: writer,
  }, telemetry);
  const http = config.receivers.otlp.protocols.http;
  const receiver = new OtlpHttpReceiver(httpReceiverOptions(http), pipeline, telemetry, ingestLimits);
  const grpcOptions = grpcReceiverOptions(config.receivers.otlp.protocols);
  const grpcReceiver = grpcOptions === null ? undefined : new OtlpGrpcReceiver(grpcOptions, pipeline, telemetry, ingestLimits);
  const statusApi = config.extensions.status_api;
  const api = extensions.has('status_api')
    ? new ApiServer(statusApi.endpoint, {
      store,
      telemetry,
      version,
      sessionInactivityMs: inactivityMs,
      retention,
      currency: pricing.currency,
      hostDetails: statusApi.host_details,
      thresholds: {
        degradedErrorRate: statusApi.degraded_error_rate,
        downErrorRate: statusApi.down_error_rate,
        degradedP95Ms: statusApi.degraded_p95,
        downP95Ms: statusApi.down_p95,
      },
      access: { token: statusApi.auth.bearer_token, public: statusApi.public, metricsPublic: statusApi.metrics_public },
      now: options.now,
      alerts: extensions.has('alerts') ? { store, rules: config.extensions.alerts.rules.map((rule) => rule.name) } : undefined,
      slo: sloOptionsOf(statusApi.slo),
    }, tlsOptionsOf(statusApi.tls))
    : undefined;
  const jobs = extensions.has('retention')
    ? new MaintenanceJob(store, {
      intervalMs: config.extensions.retention.interval, sessionInactivityMs: inactivityMs, retention,
      ...(config.extensions.retention.archive ? { archive: { dir: config.extensions.retention.archive_dir } } : {}),
    })
    : undefined;
  const reportsConfig = config.extensions.reports;
  const reports = extensions.has('reports')
    ? new ScheduledReports(store, {
      dir: reportsConfig.dir,
      kinds: (['daily', 'weekly'] as const).filter((kind) => reportsConfig[kind].enabled),
      delayMs: reportsConfig.delay,
      formats: reportsConfig.formats,
      groupings: reportsConfig.by,
      webhooks: reportsConfig.webhooks ? configuredWebhooks(config.extensions.alerts) : [],
    })
    : undefined;

  const alerts = extensions.has('alerts') ? createAlerts(config.extensions.alerts, store, telemetry, retention.minuteMetricsMs, api, options.now) : undefined;

  const components: Component[] = [
    store, cardinality, resolver, ...(spooling ? [spooling] : []), writer, ...(jobs ? [jobs] : []), ...(reports ? [reports] : []), ...(api ? [api] : []), ...(alerts ? [alerts] : []),
    ...(memoryLimiter ? [memoryLimiter] : []), receiver, ...(grpcReceiver ? [grpcReceiver] : []),
  ];
  await startInOrder(components, SHUTDOWN_DEADLINE_MS);
  const otlpAddress = receiver.address as AddressInfo;
  const grpcAddress = grpcReceiver?.address;
  log.info('spanpulse started', {
    version,
    store: store.backend,
    otlp: `${otlpAddress.address}:${otlpAddress.port}`,
    otlpGrpc: grpcAddress === undefined ? 'off' : `${grpcAddress.address}:${grpcAddress.port}`,
    api: api?.address === undefined ? null : `${api.address.address}:${api.address.port}`,
    components: components.map((component) => component.name),
  });

  let stopping: Promise<void> | null = null;
  return {
    otlpUrl: urlOf(otlpAddress, http.tls.cert_file ? 'https' : 'http'),
    otlpGrpcUrl: grpcAddress === undefined ? null : urlOf(grpcAddress, grpcOptions?.tls ? 'https' : 'http'),
    apiUrl: api?.address === undefined ? null : urlOf(api.address, api.scheme),
    store,
    telemetry,
    alerts: alerts ?? null,
    shutdown: () =>
      (stopping ??= (async () => {
        await shutdownInReverse(components, SHUTDOWN_DEADLINE_MS);
        log.info('spanpulse stopped');
      })()),
  };
}
