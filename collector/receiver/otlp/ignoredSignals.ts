/**
 * The OTLP signals spanpulse answers but does not store: metrics and logs. An app that sets one
 * `OTEL_EXPORTER_OTLP_ENDPOINT` for every signal exports them to the collector too, and must get
 * the success answer of its signal instead of a 404 or UNIMPLEMENTED that fills its log.
 *
 * Each request is still checked for the top-level shape of its message down to the counted
 * items (data points, log records), so a body that is not an Export*ServiceRequest is refused
 * as for traces; the items themselves are skipped, not decoded. The trees below name, level
 * by level, the fields that lead to those items (opentelemetry/proto/metrics/v1/metrics.proto,
 * logs/v1/logs.proto), with the wire types of each message's known fields (see ProtoReader.skip).
 */

import type { IgnoredSignal } from '../../telemetry/ReceiverCounters.js';

/** A message on the way to the counted items; `into` maps a field number to the next level (null: an item). */
export interface ProtoLevel {
  message: string;
  expected: readonly (number | undefined)[];
  into: ReadonlyMap<number, ProtoLevel | null>;
}

/** The same path in OTLP/JSON; `repeated` fields are arrays, the others single messages. */
export interface JsonLevel {
  into: ReadonlyArray<{ camel: string; snake: string; repeated: boolean; level: JsonLevel | null }>;
}

export interface IgnoredSignalShape {
  signal: IgnoredSignal;
  httpPath: string;
  grpcPath: string;
  request: string;
  /** What the counted items are, for messages and metric names. */
  items: string;
  proto: ProtoLevel;
  json: JsonLevel;
}

const LEN = 2;
const VARINT = 0;

const repeated = (camel: string, snake: string, level: JsonLevel | null) => ({ camel, snake, repeated: true, level });
const single = (camel: string, snake: string, level: JsonLevel | null) => ({ camel, snake, repeated: false, level });

// Gauge, Sum, Histogram, ExponentialHistogram and Summary all keep their points in field 1.
const dataPoints: ProtoLevel = { message: 'metric data', expected: [undefined, LEN, VARINT, VARINT], into: new Map([[1, null]]) };
const jsonDataPoints: JsonLevel = { into: [repeated('dataPoints', 'data_points', null)] };

export const METRICS: IgnoredSignalShape = {
  signal: 'metrics',
  httpPath: '/v1/metrics',
  grpcPath: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  request: 'ExportMetricsServiceRequest',
  items: 'metric points',
  proto: {
    message: 'ExportMetricsServiceRequest',
    expected: [undefined, LEN],
    into: new Map([[1, {
      message: 'ResourceMetrics',
      expected: [undefined, LEN, LEN, LEN],
      into: new Map([[2, {
        message: 'ScopeMetrics',
        expected: [undefined, LEN, LEN, LEN],
        into: new Map([[2, {
          message: 'Metric',
          expected: [undefined, LEN, LEN, LEN, undefined, LEN, undefined, LEN, undefined, LEN, LEN, LEN, LEN],
          into: new Map([[5, dataPoints], [7, dataPoints], [9, dataPoints], [10, dataPoints], [11, dataPoints]]),
        }]]),
      }]]),
    }]]),
  },
  json: {
    into: [repeated('resourceMetrics', 'resource_metrics', {
      into: [repeated('scopeMetrics', 'scope_metrics', {
        into: [repeated('metrics', 'metrics', {
          into: [
            single('gauge', 'gauge', jsonDataPoints),
            single('sum', 'sum', jsonDataPoints),
            single('histogram', 'histogram', jsonDataPoints),
            single('exponentialHistogram', 'exponential_histogram', jsonDataPoints),
            single('summary', 'summary', jsonDataPoints),
          ],
        })],
      })],
    })],
  },
};

export const LOGS: IgnoredSignalShape = {
  signal: 'logs',
  httpPath: '/v1/logs',
  grpcPath: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
  request: 'ExportLogsServiceRequest',
  items: 'log records',
  proto: {
    message: 'ExportLogsServiceRequest',
    expected: [undefined, LEN],
    into: new Map([[1, {
      message: 'ResourceLogs',
      expected: [undefined, LEN, LEN, LEN],
      into: new Map([[2, {
        message: 'ScopeLogs',
        expected: [undefined, LEN, LEN, LEN],
        into: new Map([[2, null]]),
      }]]),
    }]]),
  },
  json: {
    into: [repeated('resourceLogs', 'resource_logs', {
      into: [repeated('scopeLogs', 'scope_logs', {
        into: [repeated('logRecords', 'log_records', null)],
      })],
    })],
  },
};
