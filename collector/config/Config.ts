/**
 * The shape of otel-config.yaml: an OpenTelemetry Collector config (receivers, processors,
 * exporters, extensions, service.pipelines) with spanpulse's components. Every option has a
 * default, so an empty file is a valid config; unknown keys are errors.
 */
import { z } from 'zod';
import { MAX_TIMER_MS } from '../time/Clock.js';
import { pricingConfig } from './pricingConfig.js';
import { tlsConfig } from './tlsConfig.js';
import { parseSize } from './units.js';
import { durationSchema, endpointKey } from './valueSchemas.js';
import { alertsConfig } from './alertsConfig.js';


/** A duration above zero, at most `maxMs` (zero would mean "keep nothing" or "run constantly"). */
const durationUpTo = (maxMs: number) => durationSchema(maxMs);
const duration = durationUpTo(Number.MAX_SAFE_INTEGER);
const timerDuration = durationUpTo(MAX_TIMER_MS);

/** A size in bytes or with a unit (KiB, MiB, GiB, TiB), from 1 byte to `max` (written as `maxText`). */
const sizeUpTo = (max: number, maxText: string) => z
  .union([z.string(), z.number()])
  .transform((value, ctx) => {
    const bytes = typeof value === 'number' ? (Number.isSafeInteger(value) && value >= 0 ? value : null) : parseSize(value);
    if (bytes === null || bytes < 1 || bytes > max) {
      ctx.addIssue({ code: 'custom', message: `expected a size from 1 byte to ${maxText}, in bytes or with a unit (KiB, MiB, GiB), got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    return bytes;
  });
/** Request bodies are held in memory (and zlib cannot inflate past 4 GiB). */
const size = sizeUpTo(1024 ** 3, '1GiB');
const diskSize = sizeUpTo(1024 ** 4, '1TiB');
const memorySize = sizeUpTo(1024 ** 4, '1TiB');

/** An integer that may arrive as a string after ${env:...} substitution. */
const count = (min: number) => z.coerce.number().int().min(min);

const HOST_PORT = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]*):(\d{1,5})$/;
const hostPort = z
  .string()
  .refine((value) => Number(HOST_PORT.exec(value)?.[2] ?? Infinity) <= 65535,
    'expected host:port with a port up to 65535, e.g. 0.0.0.0:4318 (port 0 picks a free port)');

/** A number from 0 to 100, also as a string after ${env:...} substitution; empty is an error, not 0. */
const percent = z
  .union([z.number(), z.string().trim().regex(/^\d+(\.\d+)?$/, 'expected a number from 0 to 100').transform(Number)])
  .pipe(z.number().min(0).max(100));

export const ConfigSchema = z.strictObject({
  receivers: z.strictObject({
    otlp: z.strictObject({
      /**
       * Request body bytes held in memory by both receivers together (read, decompressed, being
       * decoded and stored); default: processors.memory_limiter.limit / 8 when the memory
       * limiter is in the pipeline, else 64 MiB (collector/receiver/otlp/IngestLimits.ts).
       */
      max_bytes_in_flight: memorySize.optional(),
      protocols: z.strictObject({
        http: z.strictObject({
          endpoint: hostPort.default('0.0.0.0:4318'),
          /** Limit on the request body, applied before and after gzip decompression. */
          max_request_body_size: size.default(20 * 1024 * 1024),
          /** Most open connections; more are closed as they arrive. */
          max_connections: count(1).default(1024),
          /** Longest wait for a request's headers, from its first byte (or from the connection's opening). */
          read_header_timeout: timerDuration.default(10_000),
          /** Longest wait for a whole request, headers and body. */
          read_timeout: timerDuration.default(30_000),
          /** Longest a keep-alive connection waits for its next request. */
          idle_timeout: timerDuration.default(65_000),
          auth: z.strictObject({
            /** When non-empty, OTLP requests need `Authorization: Bearer <token>`. */
            bearer_token: z.string().default(''),
          }).prefault({}),
          tls: tlsConfig,
        }).prefault({}).superRefine((http, ctx) => {
          // Node refuses a header timeout longer than the whole request's, and it would mean nothing.
          if (http.read_header_timeout > http.read_timeout) {
            ctx.addIssue({ code: 'custom', path: ['read_header_timeout'], message: 'must not be longer than read_timeout (which covers the headers too)' });
          }
        }),
        grpc: z.strictObject({
          /** OTLP/gRPC address; empty disables the gRPC receiver. */
          endpoint: z.union([z.literal(''), hostPort]).default('0.0.0.0:4317'),
          /** Largest message, after decompression too; default: http's max_request_body_size. */
          max_request_body_size: size.optional(),
          /** Most calls at once on one connection (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS). */
          max_concurrent_streams: count(1).default(100),
          auth: z.strictObject({
            /** Default: http's bearer_token, so a token set for one transport is not missing on the other. */
            bearer_token: z.string().optional(),
          }).prefault({}),
          tls: tlsConfig,
        }).prefault({}),
      }).prefault({}),
    }).prefault({}),
  }).prefault({}),
  processors: z.strictObject({
    /** Refuses OTLP requests while the process uses too much memory (collector/processor/memorylimiter/). */
    memory_limiter: z.strictObject({
      /** How often the process RSS is read. */
      check_interval: timerDuration.default(1000),
      /** RSS the collector is to stay under. */
      limit: memorySize.default(512 * 1024 ** 2),
      /** Headroom for growth between two checks: requests are refused above limit - spike_limit. Default 20 % of limit. */
      spike_limit: memorySize.optional(),
    }).prefault({}).superRefine((limiter, ctx) => {
      if (limiter.spike_limit !== undefined && limiter.spike_limit >= limiter.limit) {
        ctx.addIssue({ code: 'custom', path: ['spike_limit'], message: 'must be below limit (requests are refused above limit - spike_limit)' });
      }
    }),
    spanpulse: z.strictObject({
      /** Route parameter that names the agent (`/api/agents/:agent/chat`); empty disables. */
      agent_route_parameter: z.string().regex(/^[A-Za-z0-9_]*$/, 'expected a route parameter name such as agent').default('agent'),
      /** What model calls cost: prices per million tokens (pricingConfig.ts). No built-in list. */
      pricing: pricingConfig,
      /** What of client addresses and user ids is stored (collector/mapping/privacy.ts). */
      client_address: z.enum(['keep', 'truncate', 'hash', 'drop']).default('keep'),
      user_id: z.enum(['keep', 'hash', 'drop']).default('keep'),
      /** The HMAC key of `hash` (from SPANPULSE_HASH_SECRET in the shipped file); required when a mode is hash. */
      hash_secret: z.string().default(''),
      /** Past these, new values are counted under `(other)` (collector/pipeline/CardinalityLimits.ts). */
      limits: z.strictObject({
        services: count(1).default(100),
        endpoints_per_service: count(1).default(500),
        agents_per_service: count(1).default(100),
        /** Distinct (provider, model) of model calls per service. */
        models_per_service: count(1).default(100),
      }).prefault({}),
      /**
       * How long a model call whose agent span has not arrived waits for it before it is
       * counted under `(unattributed)` (collector/genai/ModelCallResolver.ts).
       */
      attribution_timeout: timerDuration.default(5 * 60_000),
    }).prefault({}),
    batch: z.strictObject({
      /** Most spans written to the store in one group commit. */
      send_batch_size: count(1).default(8192),
      /** Most spans waiting for the store before OTLP requests get 429 with Retry-After. */
      max_queued_spans: count(1).default(100_000),
      /** Longest a span may be expected to wait (from the store's recent speed) or has waited (the oldest) before requests get 429. */
      max_queue_delay: duration.default(1000),
      /** Where batches wait, durably, while the store cannot take them (README "Store outages"). */
      spool: z.strictObject({
        enabled: z.boolean().default(true),
        /** The spool's folder. */
        dir: z.string().min(1).default('./data/spool'),
        /** Most bytes on disk; beyond it OTLP requests get 503 while the store fails. */
        max_size: diskSize.default(1024 ** 3),
      }).prefault({}),
    }).prefault({}),
  }).prefault({}),
  exporters: z.strictObject({
    mongodb: z.strictObject({
      /** MongoDB connection string; empty means the embedded SQLite store is used. */
      uri: z.string().refine((uri) => uri === '' || /^mongodb(\+srv)?:\/\/./.test(uri), 'expected a connection string starting with mongodb:// or mongodb+srv://').default(''),
      database: z.string().regex(/^[^/\\. "$*<>:|?]{1,63}$/, 'expected a MongoDB database name').default('aiAgent'),
      /** Server selection and operation timeout. */
      timeout: timerDuration.default(5000),
    }).prefault({}),
    sqlite: z.strictObject({
      /** Path of the embedded store file. */
      path: z.string().min(1).default('./data/spanpulse.db'),
      /** `full`: an acknowledged write survives a power loss; `normal`: a process crash only (README "Storage"). */
      synchronous: z.enum(['full', 'normal']).default('full'),
    }).prefault({}),
  }).prefault({}),
  extensions: z.strictObject({
    status_api: z.strictObject({
      endpoint: hostPort.default('0.0.0.0:3000'),
      /** https for the API and pages (cert_file, key_file; client_ca_file for mTLS), as the receivers'. */
      tls: tlsConfig,
      auth: z.strictObject({
        /** The admin token (SPANPULSE_API_TOKEN): exports, the SLA report, silences and changes need it. Empty: changes are refused. */
        bearer_token: z.string().default(''),
      }).prefault({}),
      /** Status pages and /api/status* readable without the token. */
      public: z.boolean().default(true),
      /** /metrics readable without the token. */
      metrics_public: z.boolean().default(true),
      /** Objectives of the SLA report (GET /api/status/export?report=sla, /status/sla). */
      slo: z.strictObject({
        /** Percent of requests that must not fail (HTTP 5xx or span status ERROR). */
        availability: percent.default(99.9),
        /** Optional p95 objective. */
        latency_p95: duration.optional(),
        /** Per service or endpoint ("METHOD /route"); the most specific entry wins. */
        overrides: z.array(z.strictObject({
          service: z.string().min(1).optional(),
          endpoint: endpointKey.optional(),
          availability: percent.optional(),
          latency_p95: duration.optional(),
        })).default([]),
      }).prefault({}),
      /** Endpoint state thresholds: error rate in percent, latency as durations. */
      degraded_error_rate: percent.default(5),
      down_error_rate: percent.default(50),
      degraded_p95: duration.default(1000),
      down_p95: duration.default(10_000),
      /** /api/status reports the host's CPU, memory, load, platform and Node version; false (public deployments) gives `system: null`. */
      host_details: z.boolean().default(true),
    }).prefault({}),
    retention: z.strictObject({
      api_metrics: duration.default(30 * 86_400_000),
      /** Per-minute rollups: the live last-hour charts and the alert rules. */
      minute_metrics: duration.default(48 * 3_600_000),
      hourly_metrics: duration.default(90 * 86_400_000),
      daily_metrics: duration.default(400 * 86_400_000),
      agent_metrics: duration.default(400 * 86_400_000),
      user_sessions: duration.default(400 * 86_400_000),
      /** Sessions without activity for this long are marked inactive. */
      session_inactivity: duration.default(30 * 60_000),
      /** How often sessions are expired and old documents deleted. */
      interval: timerDuration.default(5 * 60_000),
      /** Write what is about to be deleted to gzip'd JSON-lines files under archive_dir first (collector/store/archive/). */
      archive: z.boolean().default(false),
      archive_dir: z.string().min(1).default('./data/archive'),
    }).prefault({}),
    /** Daily and weekly reports written to files (collector/jobs/ScheduledReports.ts); runs when listed in service.extensions. */
    reports: z.strictObject({
      dir: z.string().min(1).default('./data/reports'),
      /** How long after a UTC day (week) ends its report is written, so that late spans count. */
      delay: timerDuration.default(15 * 60_000),
      formats: z.array(z.enum(['csv', 'json'])).min(1).default(['csv', 'json']),
      /** One file per grouping and format. */
      by: z.array(z.enum(['service', 'endpoint', 'agent'])).min(1).default(['service', 'endpoint']),
      /** The previous UTC day, shortly after midnight. */
      daily: z.strictObject({ enabled: z.boolean().default(true) }).prefault({}),
      /** The previous ISO week (Monday to Monday), on Mondays. */
      weekly: z.strictObject({ enabled: z.boolean().default(true) }).prefault({}),
      /** POST each newly written report's summary to extensions.alerts.webhooks (those with a url). Default false. */
      webhooks: z.boolean().default(false),
    }).prefault({}),
    /** Alert rules, their evaluation and webhooks (alertsConfig.ts). */
    alerts: alertsConfig,
  }).prefault({}),
  service: z.strictObject({
    /** The extensions that run; one left out does not (no status API, no retention job, no alerts). */
    extensions: z.array(z.string()).default(['status_api', 'retention', 'alerts']),
    pipelines: z.strictObject({
      traces: z.strictObject({
        receivers: z.array(z.string()).default(['otlp']),
        /**
         * `memory_limiter` (optional) first, then `spanpulse` (mapping); `batch` (group commit)
         * optional: without it each request is its own store write.
         */
        processors: z.array(z.string()).default(['memory_limiter', 'spanpulse', 'batch']),
        /** Stores in order of preference: the first that is configured is used (mongodb needs its uri; sqlite always can). */
        exporters: z.array(z.string()).default(['mongodb', 'sqlite']),
      }).prefault({}),
    }).prefault({}),
    telemetry: z.strictObject({
      logs: z.strictObject({
        level: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
      }).prefault({}),
    }).prefault({}),
  }).prefault({}),
});

export type Config = z.output<typeof ConfigSchema>;
