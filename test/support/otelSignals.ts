/**
 * Metrics and logs request bodies made by the real SDKs and the official OTLP serializers, as
 * an app exporting every signal sends them: a counter with two series, a histogram and a gauge
 * (4 data points), and 3 log records.
 */
import { SeverityNumber } from '@opentelemetry/api-logs';
import { JsonLogsSerializer, JsonMetricsSerializer, ProtobufLogsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';

export const METRIC_POINTS = 4;
export const LOG_RECORDS = 3;

class CollectingReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

export async function otlpMetrics(format: 'json' | 'protobuf'): Promise<Buffer> {
  const reader = new CollectingReader();
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'signals' }), readers: [reader] });
  const meter = provider.getMeter('spanpulse-tests');
  const counter = meter.createCounter('orders');
  counter.add(1, { region: 'eu' });
  counter.add(2, { region: 'us' });
  meter.createHistogram('latency').record(12.5);
  meter.createGauge('queue').record(7);
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  const serializer = format === 'json' ? JsonMetricsSerializer : ProtobufMetricsSerializer;
  return Buffer.from(serializer.serializeRequest(resourceMetrics)!);
}

export async function otlpLogs(format: 'json' | 'protobuf'): Promise<Buffer> {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'signals' }),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger('spanpulse-tests');
  for (const body of ['started', 'order placed', 'stopped']) logger.emit({ severityNumber: SeverityNumber.INFO, body, attributes: { k: 'v' } });
  const records = exporter.getFinishedLogRecords();
  await provider.shutdown();
  const serializer = format === 'json' ? JsonLogsSerializer : ProtobufLogsSerializer;
  return Buffer.from(serializer.serializeRequest(records)!);
}
