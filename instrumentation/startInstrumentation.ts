/**
 * Starts the OpenTelemetry Node SDK the way spanpulse needs it: HTTP and Express
 * instrumentations, session cookies, the OTLP/HTTP trace exporter behind a bounded batch
 * queue, and flush-on-exit handlers. Metrics and logs stay off unless their standard
 * `OTEL_METRICS_EXPORTER` / `OTEL_LOGS_EXPORTER` variables ask for them (the SDK would
 * otherwise export both to the collector, which only takes traces).
 *
 * Throws when the SDK cannot start; the caller (register) reports it and lets the app run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NodeSDK, type NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AbandonableSpanExporter } from './AbandonableSpanExporter.js';
import { createTraceExporter, type TraceExporter } from './createTraceExporter.js';
import { EmitBindingContextManager } from './EmitBindingContextManager.js';
import type { ExpressLayerSpans, InstrumentationOptions } from './InstrumentationOptions.js';
import { installShutdownHandlers } from './installShutdownHandlers.js';
import { ReportingSpanExporter } from './ReportingSpanExporter.js';
import { createSessionHook } from './session/createSessionHook.js';

type Env = Readonly<Record<string, string | undefined>>;

export function startInstrumentation(options: InstrumentationOptions, env: Env): void {
  const exports: { otlp: TraceExporter; exporter: AbandonableSpanExporter }[] = [];
  const spanProcessors: SpanProcessor[] = options.tracesExporters.map((name) => {
    if (name === 'console') return new SimpleSpanProcessor(new ConsoleSpanExporter());
    const otlp = createTraceExporter(options.protocol);
    const exporter = new AbandonableSpanExporter(new ReportingSpanExporter(otlp.exporter, tracesEndpoint(env)));
    exports.push({ otlp, exporter });
    // Bounded queue (OTEL_BSP_MAX_QUEUE_SIZE, default 2048, drops beyond), one export at a
    // time with a timeout, unref'd timer: a slow collector costs memory up to the bound, never latency.
    return new BatchSpanProcessor(exporter);
  });

  const configuration: Partial<NodeSDKConfiguration> = {
    contextManager: new EmitBindingContextManager(),
    instrumentations: [
      new HttpInstrumentation(options.sessions ? { responseHook: createSessionHook(options) } : {}),
      new ExpressInstrumentation({ ignoreLayersType: ignoredLayers(options.expressLayerSpans) }),
    ],
    spanProcessors,
  };
  if (!env['OTEL_METRICS_EXPORTER']?.trim()) configuration.metricReaders = [];
  if (!env['OTEL_LOGS_EXPORTER']?.trim()) configuration.logRecordProcessors = [];
  const serviceName = hasServiceName(env) ? undefined : packageName(process.cwd());
  if (serviceName !== undefined) configuration.serviceName = serviceName;

  const sdk = new NodeSDK(configuration);
  sdk.start();
  // Once the app is stopping, a collector that is down gets one attempt per batch, not retry
  // waits that would outlast the app.
  const stopRetrying = (): void => {
    for (const { otlp } of exports) otlp.stopRetrying();
  };
  installShutdownHandlers(
    {
      flush: async () => {
        stopRetrying();
        await Promise.all(spanProcessors.map((processor) => processor.forceFlush()));
        await Promise.all(exports.map(({ exporter }) => exporter.whenIdle()));
      },
      shutdown: () => {
        stopRetrying();
        return sdk.shutdown();
      },
      // Destroying the connections also ends the exporter's own wait for them during SDK shutdown.
      abandon: () => {
        for (const { otlp, exporter } of exports) {
          exporter.abandonPending();
          otlp.dropConnections();
        }
      },
    },
    options.shutdownTimeoutMs,
  );
}

function ignoredLayers(spans: ExpressLayerSpans): ExpressLayerType[] {
  if (spans === 'all') return [];
  const nonHandlers = [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER];
  return spans === 'handlers' ? nonHandlers : [...nonHandlers, ExpressLayerType.REQUEST_HANDLER];
}

/** The traces URL the exporter will use, as the OTLP exporter specification derives it. */
function tracesEndpoint(env: Env): string {
  const signal = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']?.trim();
  if (signal) return signal;
  const base = env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim() || 'http://localhost:4318';
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}

function hasServiceName(env: Env): boolean {
  if (env['OTEL_SERVICE_NAME']?.trim()) return true;
  return (env['OTEL_RESOURCE_ATTRIBUTES'] ?? '').split(',').some((pair) => pair.split('=')[0]?.trim() === 'service.name');
}

/**
 * Without OTEL_SERVICE_NAME the SDK reports `unknown_service:node`, and every app would share
 * one row on the status pages; the app's package name is a better default.
 */
function packageName(directory: string): string | undefined {
  try {
    const name: unknown = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')).name;
    return typeof name === 'string' && name.trim() !== '' ? name.trim() : undefined;
  } catch {
    return undefined;
  }
}
