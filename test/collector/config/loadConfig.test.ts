import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { loadConfig, parseConfig } from '../../../collector/config/loadConfig.js';
import { problemsOf } from './configProblems.js';

const shipped = fileURLToPath(new URL('../../../otel-config.yaml', import.meta.url));

describe('loadConfig', () => {
  it('the shipped file with no variables set gives the documented defaults', () => {
    const config = loadConfig(shipped, {});
    const noTls = { cert_file: '', key_file: '', client_ca_file: '' };
    expect(config.receivers.otlp.protocols.http).toEqual({
      endpoint: '0.0.0.0:4318', max_request_body_size: 20 * 1024 * 1024, auth: { bearer_token: '' }, tls: noTls,
      max_connections: 1024, read_header_timeout: 10_000, read_timeout: 30_000, idle_timeout: 65_000,
    });
    expect(config.receivers.otlp.protocols.grpc).toEqual({
      endpoint: '0.0.0.0:4317', max_request_body_size: 20 * 1024 * 1024, auth: { bearer_token: '' }, tls: noTls, max_concurrent_streams: 100,
    });
    expect(config.receivers.otlp.max_bytes_in_flight).toBeUndefined();
    expect(config.processors.memory_limiter).toEqual({ check_interval: 1000, limit: 512 * 1024 ** 2 });
    expect(config.service.pipelines.traces.processors).toEqual(['memory_limiter', 'spanpulse', 'batch']);
    expect(config.extensions.status_api.endpoint).toBe('0.0.0.0:3000');
    expect(config.extensions.status_api.host_details).toBe(true);
    expect(config.exporters.mongodb).toEqual({ uri: '', database: 'aiAgent', timeout: 5000 });
    expect(config.exporters.sqlite).toEqual({ path: './data/spanpulse.db', synchronous: 'full' });
    expect(config.extensions.retention.api_metrics).toBe(30 * 86_400_000);
    expect(config.extensions.retention.session_inactivity).toBe(30 * 60_000);
  });

  it('the shipped file reads the SPEC environment variables', () => {
    const config = loadConfig(shipped, {
      SPANPULSE_OTLP_HTTP_ENDPOINT: '127.0.0.1:0', SPANPULSE_API_ENDPOINT: '127.0.0.1:3100', MONGODB_URI: 'mongodb://db:27017',
      MONGODB_DATABASE: 'metrics', SPANPULSE_DATA_DIR: '/var/lib/sp', SPANPULSE_INGEST_TOKEN: 's3cret',
      SPANPULSE_OTLP_GRPC_ENDPOINT: '127.0.0.1:4327', SPANPULSE_OTLP_TLS_CERT_FILE: '/tls/c.pem', SPANPULSE_OTLP_TLS_KEY_FILE: '/tls/k.pem',
    });
    expect(config.receivers.otlp.protocols.http.endpoint).toBe('127.0.0.1:0');
    expect(config.receivers.otlp.protocols.http.auth.bearer_token).toBe('s3cret');
    expect(config.receivers.otlp.protocols.grpc).toMatchObject({ endpoint: '127.0.0.1:4327', auth: { bearer_token: 's3cret' } });
    for (const protocol of ['http', 'grpc'] as const) {
      expect(config.receivers.otlp.protocols[protocol].tls).toEqual({ cert_file: '/tls/c.pem', key_file: '/tls/k.pem', client_ca_file: '' });
    }
    expect(config.extensions.status_api.endpoint).toBe('127.0.0.1:3100');
    expect(config.exporters.mongodb).toMatchObject({ uri: 'mongodb://db:27017', database: 'metrics' });
    expect(config.exporters.sqlite.path).toBe('/var/lib/sp/spanpulse.db');
  });

  it('refuses pipeline lists that would not do what they say', () => {
    expect(problemsOf('service: {pipelines: {traces: {processors: [batch, spanpulse]}}}')).toEqual([
      expect.stringMatching(/^service\.pipelines\.traces\.processors: must start with spanpulse/),
    ]);
    expect(problemsOf('service: {extensions: [status_api, status_api]}')).toEqual(['service.extensions: lists "status_api" twice']);
    expect(problemsOf('service: {pipelines: {traces: {processors: [spanpulse]}}}')).toEqual([]);
    expect(problemsOf('service: {pipelines: {traces: {processors: [memory_limiter, spanpulse]}}}')).toEqual([]);
    expect(problemsOf('service: {pipelines: {traces: {processors: [spanpulse, memory_limiter, batch]}}}')).toEqual([
      expect.stringMatching(/^service\.pipelines\.traces\.processors: memory_limiter must come first/),
    ]);
    expect(problemsOf('service: {pipelines: {traces: {processors: [memory_limiter, batch]}}}')).toEqual([
      expect.stringMatching(/^service\.pipelines\.traces\.processors: must start with spanpulse, or memory_limiter then spanpulse/),
    ]);
  });

  it('SPANPULSE_OTLP_GRPC_ENDPOINT set to empty turns the gRPC receiver off; unset, it listens on 4317', () => {
    expect(loadConfig(shipped, { SPANPULSE_OTLP_GRPC_ENDPOINT: '' }).receivers.otlp.protocols.grpc.endpoint).toBe('');
    expect(loadConfig(shipped, {}).receivers.otlp.protocols.grpc.endpoint).toBe('0.0.0.0:4317');
    expect(problemsOf('receivers: {otlp: {protocols: {grpc: {endpoint: ""}}}}')).toEqual([]);
  });

  it('a grpc section without its own limit or token leaves them to http (resolved by the receiver options)', () => {
    const config = parseConfig('receivers: {otlp: {protocols: {http: {max_request_body_size: 1MiB, auth: {bearer_token: t}}}}}', 'x', {});
    expect(config.receivers.otlp.protocols.grpc.max_request_body_size).toBeUndefined();
    expect(config.receivers.otlp.protocols.grpc.auth.bearer_token).toBeUndefined();
  });

  it('limits: a header timeout within the request timeout, a spike limit below the limit', () => {
    expect(problemsOf(`
receivers: {otlp: {protocols: {http: {read_header_timeout: 40s, read_timeout: 30s}}}}
processors: {memory_limiter: {limit: 100MiB, spike_limit: 100MiB}}
`)).toEqual([
      'receivers.otlp.protocols.http.read_header_timeout: must not be longer than read_timeout (which covers the headers too)',
      'processors.memory_limiter.spike_limit: must be below limit (requests are refused above limit - spike_limit)',
    ]);
  });

  it('tls: key_file goes with cert_file, and client_ca_file needs both', () => {
    expect(problemsOf(`
receivers:
  otlp:
    protocols:
      http: {tls: {cert_file: c.pem}}
      grpc: {tls: {client_ca_file: ca.pem}}
`)).toEqual([
      'receivers.otlp.protocols.http.tls.key_file: is required with cert_file',
      'receivers.otlp.protocols.grpc.tls.client_ca_file: needs cert_file and key_file: mutual TLS is TLS first',
    ]);
    expect(problemsOf('receivers: {otlp: {protocols: {grpc: {tls: {ca_file: x}}}}}')).toEqual(['receivers.otlp.protocols.grpc.tls.ca_file: unknown key']);
  });

  it('an empty file is a valid config with every default', () => {
    expect(problemsOf('')).toEqual([]);
    expect(parseConfig('', 'x', {}).processors.batch).toEqual({
      send_batch_size: 8192, max_queued_spans: 100_000, max_queue_delay: 1000, spool: { enabled: true, dir: './data/spool', max_size: 1024 ** 3 },
    });
  });

  it('lists every problem with its key path at once', () => {
    const problems = problemsOf(`
receivers:
  otlp:
    protocols:
      http:
        endpoint: nowhere
        max_request_body_size: lots
      grpc: {endpoint: "4317"}
      udp: {}
processors:
  batch:
    send_batch_size: 0
exporters:
  mongodb:
    uri: postgres://x
    timeout: 5 minutes
extensions:
  retention:
    api_metrics: \${env:RETAIN}
service:
  pipelines:
    traces:
      exporters: [kafka]
`, { RETAIN: 'forever' });
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^receivers\.otlp\.protocols\.http\.endpoint: expected host:port/),
      expect.stringMatching(/^receivers\.otlp\.protocols\.http\.max_request_body_size: expected a size/),
      expect.stringMatching(/^receivers\.otlp\.protocols\.grpc\.endpoint: /),
      'receivers.otlp.protocols.udp: unknown key',
      expect.stringMatching(/^processors\.batch\.send_batch_size: /),
      expect.stringMatching(/^exporters\.mongodb\.uri: expected a connection string/),
      expect.stringMatching(/^exporters\.mongodb\.timeout: expected a duration/),
      expect.stringMatching(/^extensions\.retention\.api_metrics: expected a duration.*"forever"/),
    ]));
    expect(problems, problems.join("\n")).toHaveLength(8);
  });

  it('refuses values that would break things later: zero or timer-overflowing durations, huge bodies, empty percentages', () => {
    const problems = problemsOf(`
receivers: {otlp: {protocols: {http: {max_request_body_size: 5GiB}}}}
extensions:
  status_api: {degraded_error_rate: "\${env:RATE}", down_error_rate: }
  retention: {api_metrics: 0s, interval: 30d}
`, { RATE: '' });
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^receivers\.otlp\.protocols\.http\.max_request_body_size: expected a size from 1 byte to 1GiB/),
      expect.stringMatching(/^extensions\.status_api\.degraded_error_rate: /),
      expect.stringMatching(/^extensions\.status_api\.down_error_rate: /),
      expect.stringMatching(/^extensions\.retention\.api_metrics: expected a duration above zero/),
      expect.stringMatching(/^extensions\.retention\.interval: expected a duration of at most 2147483647 ms/),
    ]));
    expect(problems, problems.join("\n")).toHaveLength(5);
  });

  it('reports a YAML document that expands too far as a config problem', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++) levels.push(`${'b'.repeat(i)}: &${'b'.repeat(i)} [${Array(10).fill(i === 1 ? '*a' : `*${'b'.repeat(i - 1)}`).join(', ')}]`);
    expect(problemsOf(levels.join('\n'))[0]).toMatch(/^YAML: .*alias/i);
  });

  it('extensions.status_api.host_details is true or false', () => {
    expect(parseConfig('extensions: {status_api: {host_details: false}}', 'x', {}).extensions.status_api.host_details).toBe(false);
    expect(problemsOf('extensions: {status_api: {host_details: no-thanks}}')).toEqual([expect.stringMatching(/^extensions\.status_api\.host_details: /)]);
  });

  it('checks the pipeline wiring once the shape is right', () => {
    expect(problemsOf('service: {pipelines: {traces: {exporters: [kafka]}}}')).toEqual([
      'service.pipelines.traces.exporters[0]: "kafka" is not a component; expected one of mongodb, sqlite',
      'exporters.mongodb.uri: is empty and sqlite is not in service.pipelines.traces.exporters, so there is no store; set MONGODB_URI or add sqlite',
    ]);
  });

  it('substitutes ${env:NAME} and ${env:NAME:-default}, and escapes $$', () => {
    const config = parseConfig('exporters: {mongodb: {database: "${env:DB}", uri: "${env:URI:-mongodb://h/x}"}, sqlite: {path: "$$HOME/${env:DIR:-d}"}}', 'x', { DB: 'prod' });
    expect(config.exporters.mongodb.database).toBe('prod');
    expect(config.exporters.mongodb.uri).toBe('mongodb://h/x');
    expect(config.exporters.sqlite.path).toBe('$HOME/d');
  });

  it('rejects malformed references, bad YAML and a missing file', () => {
    expect(problemsOf('exporters: {sqlite: {path: "${HOME}"}}')).toEqual([
      'exporters.sqlite.path: "${HOME}" is not a valid reference; use ${env:NAME} or ${env:NAME:-default}',
      'exporters.sqlite.path: Too small: expected string to have >=1 characters',
    ]);
    expect(problemsOf('a: [1, 2')[0]).toMatch(/^YAML: /);
    expect(problemsOf('x: 1\nx: 2')[0]).toMatch(/^YAML: .*[Mm]ap keys must be unique/);
    expect(() => loadConfig('/nonexistent/otel-config.yaml', {})).toThrow(/cannot read the file/);
  });
});
