/**
 * The OTLP/HTTP trace exporters. Endpoint, headers, timeout, compression and retries come
 * from the standard `OTEL_EXPORTER_OTLP_*` variables, read by the exporter code itself.
 *
 * - http/protobuf (the default, like every OpenTelemetry SDK): the stock exporter's
 *   transport and configuration with our serializer, which sends spans encoded when they
 *   ended (otlp/EncodingBatchSpanProcessor) instead of span objects.
 * - http/json: the stock JSON exporter, behind the SDK's own BatchSpanProcessor.
 */
import { OTLPTraceExporter as OtlpJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from '@opentelemetry/otlp-exporter-base/node-http';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { BatchExporter } from './BatchExporter.js';
import { createUnrefAgent } from './createUnrefAgent.js';
import { protobufSpanBatchSerializer } from './otlp/serializeSpanBatch.js';
import type { SpanBatch } from './otlp/SpanBatch.js';

// The names the stock protobuf exporter reports itself with (self-observability metrics).
const COMPONENT_TYPE = 'otlp_http_span_exporter';

export function createProtobufTraceExporter(): BatchExporter<SpanBatch> {
  const options = convertLegacyHttpOptions({ httpAgentOptions: createUnrefAgent }, 'TRACES', 'v1/traces', { 'Content-Type': 'application/x-protobuf' });
  const delegate = createOtlpHttpExportDelegate(options, protobufSpanBatchSerializer, COMPONENT_TYPE, { name: 'span', countItems: (batch) => batch.count }, undefined);
  return new OTLPExporterBase(delegate);
}

export function createJsonTraceExporter(): SpanExporter {
  return new OtlpJsonTraceExporter({ httpAgentOptions: createUnrefAgent });
}
