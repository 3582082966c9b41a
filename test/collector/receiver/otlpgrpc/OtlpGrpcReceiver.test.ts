/**
 * The OTLP/gRPC receiver in-process, called by a real grpc-js client with messages made by the
 * official OTLP serializers: traces are stored (checked field by field), metrics and logs are
 * answered and counted, and every error path gives the status code the OTLP specification
 * gives it, with the collector still serving afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { connect, type IncomingHttpHeaders } from 'node:http2';
import { gzipSync } from 'node:zlib';
import type { ConsumeResult, TracesConsumer } from '../../../../collector/consumer/TracesConsumer.js';
import { PipelineError } from '../../../../collector/errors.js';
import type { Span } from '../../../../collector/pdata/Span.js';
import { OtlpGrpcReceiver } from '../../../../collector/receiver/otlpgrpc/OtlpGrpcReceiver.js';
import { TRACE_SERVICE_EXPORT_PATH } from '../../../../collector/receiver/otlpgrpc/otlpServices.js';
import { MAX_SPANS_PER_REQUEST } from '../../../../collector/receiver/otlphttp/maxSpansPerRequest.js';
import { Telemetry } from '../../../../collector/telemetry/Telemetry.js';
import { floorHour, HOUR_MS as HOUR } from '../../../../collector/time/utcTime.js';
import { otlpGrpcClient, type OtlpGrpcClient } from '../../../support/grpcClient.js';
import { RetryInfo, RpcStatus } from '../../../support/grpcRetryInfo.js';
import { makeSpans, manyEmptySpansProtobuf, otlpProtobuf, serverSpan } from '../../../support/otelSpans.js';
import { LOG_RECORDS, METRIC_POINTS, otlpLogs, otlpMetrics } from '../../../support/otelSignals.js';
import { startTestSpanpulse, type TestSpanpulse } from '../../../support/spanpulse.js';
import { expectFieldCheckStored, fieldCheckSpans } from '../fieldCheck.js';

// One clock read: two could straddle a millisecond and put hourStart 1 ms before the hour.
const hourStart = floorHour(new Date(Date.now() - 2 * HOUR)).getTime();
const window = { from: new Date(hourStart - 24 * HOUR), to: new Date(hourStart + 24 * HOUR) };

let sp: TestSpanpulse;
let client: OtlpGrpcClient;
beforeAll(async () => {
  sp = await startTestSpanpulse({ env: { SPANPULSE_INGEST_TOKEN: 'tok-123' } });
  client = otlpGrpcClient(sp.otlpGrpcUrl!);
});
afterAll(async () => {
  client?.close();
  await sp?.stop();
});

const auth = { authorization: 'Bearer tok-123' };

describe.each([['plain', false], ['gzip', true]] as const)('TraceService/Export, %s', (label, gzip) => {
  it('stores requests, sessions, agents and rollups field by field and answers an ExportTraceServiceResponse', async () => {
    const service = `grpc-${label}`;
    const spans = fieldCheckSpans(service, hourStart);
    const sender = gzip ? otlpGrpcClient(sp.otlpGrpcUrl!, { gzip: true }) : client;
    try {
      const result = await sender.export('traces', otlpProtobuf(spans), auth);
      expect(result.error).toBeUndefined();
      expect(ProtobufTraceSerializer.deserializeResponse(result.response!)).toEqual({});
      await expectFieldCheckStored(sp.store, service, spans, hourStart, window, async () => {
        expect((await sender.export('traces', otlpProtobuf(spans), auth)).error).toBeUndefined();
      });
    } finally {
      if (gzip) sender.close();
    }
  });
});

describe('TraceService/Export answers', () => {
  it('partial_success for spans it cannot use', async () => {
    const spans = makeSpans([
      serverSpan({ service: 'grpc-partial', route: '/a', status: 200, startMs: hourStart, durationMs: 1 }),
      serverSpan({ service: 'grpc-partial', route: '/old', status: 200, startMs: Date.UTC(1999, 0, 1), durationMs: 1 }),
    ]);
    const result = await client.export('traces', otlpProtobuf(spans), auth);
    expect(result.error).toBeUndefined();
    const decoded = ProtobufTraceSerializer.deserializeResponse(result.response!);
    expect(Number(decoded.partialSuccess?.rejectedSpans)).toBe(1);
    expect(decoded.partialSuccess?.errorMessage).toMatch(/start/);
    expect((await sp.store.findRequests({ ...window, serviceName: 'grpc-partial', limit: 10 })).map((r) => r.endpoint)).toEqual(['/a']);
  });

  it('an empty message is an empty request: success', async () => {
    const result = await client.export('traces', Buffer.alloc(0), auth);
    expect(result.error).toBeUndefined();
    expect(result.response!.length).toBe(0);
  });

  it('INVALID_ARGUMENT for bytes that are not an ExportTraceServiceRequest', async () => {
    const result = await client.export('traces', Buffer.from('{"resourceSpans": []}'), auth);
    expect(result.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(result.error?.details).toMatch(/^invalid protobuf ExportTraceServiceRequest/);
  });

  it('UNAUTHENTICATED without the token or with a wrong one; the Bearer scheme in any case', async () => {
    expect((await client.export('traces', Buffer.alloc(0))).error?.code).toBe(status.UNAUTHENTICATED);
    expect((await client.export('traces', Buffer.alloc(0), { authorization: 'Bearer tok-124' })).error?.code).toBe(status.UNAUTHENTICATED);
    expect((await client.export('traces', Buffer.alloc(0), { authorization: 'tok-123' })).error?.code).toBe(status.UNAUTHENTICATED);
    expect((await client.export('metrics', Buffer.alloc(0))).error?.code).toBe(status.UNAUTHENTICATED);
    expect((await client.export('traces', Buffer.alloc(0), { authorization: 'bearer tok-123' })).error).toBeUndefined();
  });

  it('INTERNAL (from grpc-js, before any handler) for a message flagged gzip that is not; the collector keeps serving', async () => {
    // Written frame by frame over HTTP/2: grpc-js clients never send a broken compressed message.
    const session = connect(sp.otlpGrpcUrl!);
    const stream = session.request({
      ':method': 'POST', ':path': TRACE_SERVICE_EXPORT_PATH, 'content-type': 'application/grpc', te: 'trailers',
      'grpc-encoding': 'gzip', authorization: 'Bearer tok-123',
    });
    const garbage = Buffer.from('not gzip at all');
    const prefix = Buffer.alloc(5);
    prefix[0] = 1; // compressed flag
    prefix.writeUInt32BE(garbage.length, 1);
    stream.end(Buffer.concat([prefix, garbage]));
    const headers: IncomingHttpHeaders = {};
    stream.on('response', (h) => Object.assign(headers, h));
    stream.on('trailers', (h) => Object.assign(headers, h));
    stream.resume();
    await new Promise((resolve) => stream.on('close', resolve));
    session.close();
    expect(headers['grpc-status']).toBe(String(status.INTERNAL));
    expect((await client.export('traces', Buffer.alloc(0), auth)).error).toBeUndefined();
  });

  it('RESOURCE_EXHAUSTED for too many spans, not retryable (no RetryInfo)', async () => {
    const result = await client.export('traces', manyEmptySpansProtobuf(MAX_SPANS_PER_REQUEST + 1), auth);
    expect(result.error?.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(result.error?.details).toMatch(/more than 100000 spans/);
    expect(result.error?.metadata.get('grpc-status-details-bin')).toEqual([]);
  });
});

describe('MetricsService and LogsService', () => {
  it.each([
    ['metrics', otlpMetrics, METRIC_POINTS, 'spanpulse_receiver_ignored_metric_points_total'],
    ['logs', otlpLogs, LOG_RECORDS, 'spanpulse_receiver_ignored_log_records_total'],
  ] as const)('%s: success with an empty response, counted, not stored', async (signal, make, items, metric) => {
    const before = await sp.telemetry.toPrometheus();
    const result = await client.export(signal, await make('protobuf'), auth);
    expect(result.error).toBeUndefined();
    expect(result.response!.length).toBe(0); // Export*ServiceResponse with partial_success unset
    const sample = (text: string) => Number(new RegExp(`^${metric}\\{transport="grpc"\\} (\\d+)$`, 'm').exec(text)?.[1]);
    expect(sample(sp.telemetry.toPrometheus()) - sample(before)).toBe(items);
    expect(await sp.store.findRequests({ ...window, serviceName: 'signals', limit: 1 })).toEqual([]);
  });

  it.each(['metrics', 'logs'] as const)('%s: INVALID_ARGUMENT for a body that is not its request message', async (signal) => {
    const truncated = (await (signal === 'metrics' ? otlpMetrics : otlpLogs)('protobuf')).subarray(0, 40);
    const result = await client.export(signal, truncated, auth);
    expect(result.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(result.error?.details).toMatch(signal === 'metrics' ? /^invalid protobuf ExportMetricsServiceRequest: truncated/ : /^invalid protobuf ExportLogsServiceRequest: truncated/);
  });
});

describe('message size limit', () => {
  it('RESOURCE_EXHAUSTED above max_request_body_size, compressed or once decompressed; the collector keeps serving', async () => {
    const small = await startTestSpanpulse({ yaml: `
receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0", max_request_body_size: 64KiB}, grpc: {endpoint: "127.0.0.1:0"}}}}
exporters: {sqlite: {path: "\${env:SPANPULSE_DATA_DIR}/spanpulse.db"}}
extensions: {status_api: {endpoint: "127.0.0.1:0"}}
service: {telemetry: {logs: {level: error}}}
` });
    const plain = otlpGrpcClient(small.otlpGrpcUrl!);
    const gzip = otlpGrpcClient(small.otlpGrpcUrl!, { gzip: true });
    try {
      const big = otlpProtobuf(makeSpans(Array.from({ length: 400 }, (_, i) =>
        serverSpan({ service: 'grpc-big', route: `/r/${i}`, status: 200, startMs: hourStart + i, durationMs: 1 }))));
      expect(big.length).toBeGreaterThan(64 * 1024);
      expect(gzipSync(big).length).toBeLessThan(64 * 1024);
      for (const sender of [plain, gzip]) {
        const result = await sender.export('traces', big);
        expect(result.error?.code).toBe(status.RESOURCE_EXHAUSTED);
      }
      expect(await small.store.findRequests({ ...window, serviceName: 'grpc-big', limit: 1 })).toEqual([]);
      const ok = otlpProtobuf(makeSpans([serverSpan({ service: 'grpc-big', route: '/ok', status: 200, startMs: hourStart, durationMs: 1 })]));
      expect((await gzip.export('traces', ok)).error).toBeUndefined();
      expect(await small.store.findRequests({ ...window, serviceName: 'grpc-big', limit: 10 })).toHaveLength(1);
    } finally {
      plain.close();
      gzip.close();
      await small.stop();
    }
  });
});

/** A consumer that holds every call until released, then answers as told. */
class GatedConsumer implements TracesConsumer {
  readonly received: Span[][] = [];
  private release!: () => void;
  readonly gate = new Promise<void>((resolve) => (this.release = resolve));
  constructor(private readonly answer: () => ConsumeResult) {}
  open(): void {
    this.release();
  }
  async consumeTraces(spans: readonly Span[]): Promise<ConsumeResult> {
    this.received.push([...spans]);
    await this.gate;
    return this.answer();
  }
}

describe('OtlpGrpcReceiver on its own', () => {
  const options = { endpoint: '127.0.0.1:0', maxRequestBodySize: 1024 * 1024, bearerToken: '' };
  const body = () => otlpProtobuf(makeSpans([serverSpan({ route: '/x', status: 200, startMs: hourStart, durationMs: 1 })]));

  it('a retryable error is UNAVAILABLE with a RetryInfo of the error\'s delay in grpc-status-details-bin', async () => {
    const telemetry = new Telemetry();
    const consumer: TracesConsumer = { consumeTraces: async () => { throw PipelineError.overloaded('queue full: 100000 spans wait for the store', 3); } };
    const receiver = new OtlpGrpcReceiver(options, consumer, telemetry);
    await receiver.start();
    const address = receiver.address!;
    const grpc = otlpGrpcClient(`http://127.0.0.1:${address.port}`);
    try {
      const { error } = await grpc.export('traces', body());
      expect(error?.code).toBe(status.UNAVAILABLE);
      expect(error?.details).toBe('queue full: 100000 spans wait for the store');
      const [details] = error!.metadata.get('grpc-status-details-bin') as Buffer[];
      const decoded = RpcStatus.toObject(RpcStatus.decode(details!), { longs: Number }) as {
        code: number; message: string; details: Array<{ type_url: string; value: Uint8Array }>;
      };
      expect(decoded).toMatchObject({ code: status.UNAVAILABLE, message: 'queue full: 100000 spans wait for the store' });
      expect(decoded.details.map((d) => d.type_url)).toEqual(['type.googleapis.com/google.rpc.RetryInfo']);
      expect(RetryInfo.toObject(RetryInfo.decode(decoded.details[0]!.value), { longs: Number })).toEqual({ retry_delay: { seconds: 3 } });
      expect(telemetry.toPrometheus()).toContain('otelcol_receiver_refused_spans_total{receiver="otlp",transport="grpc"} 1');
      expect(telemetry.toPrometheus()).toContain('spanpulse_otlp_requests_refused_total{code="429"} 1');
    } finally {
      grpc.close();
      await receiver.shutdown();
    }
  });

  it('shutdown answers the call in flight, then refuses new calls; idempotent and safe before start', async () => {
    await new OtlpGrpcReceiver(options, new GatedConsumer(() => ({ rejectedSpans: 0, errorMessage: '' })), new Telemetry()).shutdown();
    const consumer = new GatedConsumer(() => ({ rejectedSpans: 0, errorMessage: '' }));
    const telemetry = new Telemetry();
    const receiver = new OtlpGrpcReceiver(options, consumer, telemetry);
    await receiver.start();
    const address = receiver.address!;
    const grpc = otlpGrpcClient(`http://127.0.0.1:${address.port}`);
    try {
      const inFlight = grpc.export('traces', body());
      while (consumer.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      const stopped = receiver.shutdown();
      const stoppedAgain = receiver.shutdown();
      consumer.open();
      expect((await inFlight).error).toBeUndefined();
      await Promise.all([stopped, stoppedAgain]);
      expect((await grpc.export('traces', body())).error?.code).toBe(status.UNAVAILABLE);
      expect(consumer.received).toHaveLength(1);
      expect(telemetry.toPrometheus()).toContain('otelcol_receiver_accepted_spans_total{receiver="otlp",transport="grpc"} 1');
    } finally {
      grpc.close();
    }
  });

  it('start fails with a message naming the endpoint when the port is taken', async () => {
    const first = new OtlpGrpcReceiver(options, new GatedConsumer(() => ({ rejectedSpans: 0, errorMessage: '' })), new Telemetry());
    await first.start();
    const { port } = first.address!;
    const second = new OtlpGrpcReceiver({ ...options, endpoint: `127.0.0.1:${port}` }, new GatedConsumer(() => ({ rejectedSpans: 0, errorMessage: '' })), new Telemetry());
    await expect(second.start()).rejects.toThrow(`cannot listen for OTLP/gRPC on 127.0.0.1:${port}`);
    await Promise.all([first.shutdown(), second.shutdown()]);
  });
});
