/**
 * Starting a real spanpulse (receiver, pipeline, store, API) in the test process on port 0,
 * on a fresh embedded store in a temp dir, or on MongoDB when `mongoUri` is given.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseConfig } from '../../collector/config/loadConfig.js';
import { startSpanpulse, type RunningSpanpulse } from '../../collector/service.js';
import type { ApiMetric } from '../../collector/store/types.js';

export interface TestSpanpulseOptions {
  /** Extra YAML merged by the config loader (written as a whole config file). */
  yaml?: string;
  mongoUri?: string;
  mongoDatabase?: string;
  env?: Record<string, string>;
  /** The durable spool of processors.batch (default on, as shipped). */
  spool?: boolean;
  /** Its folder; default `spool` in the data directory. */
  spoolDir?: string;
  /** processors.spanpulse settings, e.g. `{ limits: { services: 2 } }`. */
  spanpulse?: Record<string, unknown>;
  /**
   * processors.memory_limiter settings; given, the limiter is put first in the pipeline. Left
   * out (the default), it is not: a test worker's RSS says nothing about this collector.
   */
  memoryLimiter?: Record<string, unknown>;
  /** Extra receivers.otlp settings (`max_bytes_in_flight`) and protocols.http settings (`read_timeout`, ...). */
  otlp?: Record<string, unknown>;
  http?: Record<string, unknown>;
  /** Extra extensions.status_api settings (`auth`, `public`, ...). */
  statusApi?: Record<string, unknown>;
  /** extensions.alerts settings (`rules`, `webhooks`, `evaluation_interval`). */
  alerts?: Record<string, unknown>;
  /** The clock of the alert evaluator and the status API (StartOptions.now). */
  now?: () => Date;
}

export interface TestSpanpulse extends RunningSpanpulse {
  dataDir: string;
  /** The stored requests of a service from the last hour (the instrumentation tests' spans are all recent). */
  recentRequests(serviceName: string): Promise<ApiMetric[]>;
  /** POSTs an OTLP body to /v1/traces. */
  post(body: Buffer, options?: { contentType?: string; gzip?: boolean; headers?: Record<string, string> }): Promise<Response>;
  /** Shuts down and removes the temp dir. */
  stop(): Promise<void>;
}

/** `{a: 1, b: "x"}` as YAML flow-mapping entries (`"a": 1, "b": "x",`), or nothing. */
function flow(entries: Record<string, unknown> | undefined): string {
  return Object.entries(entries ?? {}).map(([key, value]) => `${JSON.stringify(key)}: ${JSON.stringify(value)},`).join(' ');
}

export async function startTestSpanpulse(options: TestSpanpulseOptions = {}): Promise<TestSpanpulse> {
  const dataDir = mkdtempSync(join(tmpdir(), 'spanpulse-test-'));
  const env: Record<string, string> = {
    SPANPULSE_OTLP_HTTP_ENDPOINT: '127.0.0.1:0',
    SPANPULSE_OTLP_GRPC_ENDPOINT: '127.0.0.1:0',
    SPANPULSE_API_ENDPOINT: '127.0.0.1:0',
    SPANPULSE_DATA_DIR: dataDir,
    ...(options.mongoUri ? { MONGODB_URI: options.mongoUri, MONGODB_DATABASE: options.mongoDatabase ?? 'spanpulse_test' } : {}),
    ...options.env,
  };
  const yaml = options.yaml ?? `
receivers:
  otlp:
    ${Object.entries(options.otlp ?? {}).map(([key, value]) => `${key}: ${JSON.stringify(value)}`).join('\n    ')}
    protocols:
      http: {${flow(options.http)} endpoint: "\${env:SPANPULSE_OTLP_HTTP_ENDPOINT}", auth: {bearer_token: "\${env:SPANPULSE_INGEST_TOKEN:-}"}, tls: &tls {cert_file: "\${env:SPANPULSE_OTLP_TLS_CERT_FILE:-}", key_file: "\${env:SPANPULSE_OTLP_TLS_KEY_FILE:-}", client_ca_file: "\${env:SPANPULSE_OTLP_TLS_CLIENT_CA_FILE:-}"}}
      grpc: {endpoint: "\${env:SPANPULSE_OTLP_GRPC_ENDPOINT}", tls: *tls}
exporters:
  mongodb: {uri: "\${env:MONGODB_URI:-}", database: "\${env:MONGODB_DATABASE:-aiAgent}"}
  sqlite: {path: "\${env:SPANPULSE_DATA_DIR}/spanpulse.db"}
processors: {batch: {spool: {enabled: ${options.spool ?? true}, dir: ${JSON.stringify(options.spoolDir ?? '${env:SPANPULSE_DATA_DIR}/spool')}}}, spanpulse: ${JSON.stringify(options.spanpulse ?? {})}, memory_limiter: ${JSON.stringify(options.memoryLimiter ?? {})}}
extensions: {status_api: {${flow(options.statusApi)} endpoint: "\${env:SPANPULSE_API_ENDPOINT}", tls: {cert_file: "\${env:SPANPULSE_API_TLS_CERT_FILE:-}", key_file: "\${env:SPANPULSE_API_TLS_KEY_FILE:-}"}}, alerts: ${JSON.stringify(options.alerts ?? {})}}
service: {telemetry: {logs: {level: warn}}, pipelines: {traces: {processors: [${options.memoryLimiter ? 'memory_limiter, ' : ''}spanpulse, batch]}}}
`;
  const running = await startSpanpulse(parseConfig(yaml, 'test config', env), { now: options.now });
  return {
    ...running,
    dataDir,
    recentRequests: (serviceName) => {
      const now = Date.now();
      return running.store.findRequests({ from: new Date(now - 3_600_000), to: new Date(now + 60_000), serviceName, limit: 1000 });
    },
    post: (body, postOptions = {}) =>
      fetch(`${running.otlpUrl}/v1/traces`, {
        method: 'POST',
        headers: {
          'Content-Type': postOptions.contentType ?? 'application/x-protobuf',
          ...(postOptions.gzip ? { 'Content-Encoding': 'gzip' } : {}),
          ...postOptions.headers,
        },
        body: postOptions.gzip ? gzipSync(body) : body,
      }),
    stop: async () => {
      await running.shutdown();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
