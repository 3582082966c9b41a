/**
 * What the OTLP receivers took in, per transport, with the OpenTelemetry Collector's receiver
 * metrics where their meaning fits (`otelcol_receiver_accepted_spans` / `refused_spans` with
 * `receiver` and `transport` labels), so Collector dashboards read spanpulse too:
 * - accepted: spans of answered requests, less those rejected in partial_success;
 * - refused: spans rejected in partial_success, and every span of a request answered with an
 *   error after it was decoded (queue full, store down). A body that cannot be decoded has no
 *   span count; it shows in spanpulse_otlp_requests_refused_total.
 * Metrics and logs are answered and not stored: their requests and items count as ignored.
 */

export type Transport = 'http' | 'grpc';
export type IgnoredSignal = 'metrics' | 'logs';

export interface MetricFamily {
  name: string;
  type: 'counter' | 'gauge';
  help: string;
  samples: Array<[labels: string, value: number]>;
}

const TRANSPORTS: readonly Transport[] = ['http', 'grpc'];
const SIGNALS: readonly IgnoredSignal[] = ['metrics', 'logs'];

export class ReceiverCounters {
  private readonly accepted: Record<Transport, number> = { http: 0, grpc: 0 };
  private readonly refused: Record<Transport, number> = { http: 0, grpc: 0 };
  private readonly ignoredRequests: Record<`${IgnoredSignal}/${Transport}`, number> = {
    'metrics/http': 0, 'metrics/grpc': 0, 'logs/http': 0, 'logs/grpc': 0,
  };
  private readonly ignoredItems: Record<`${IgnoredSignal}/${Transport}`, number> = { ...this.ignoredRequests };

  spans(transport: Transport, accepted: number, refused: number): void {
    this.accepted[transport] += accepted;
    this.refused[transport] += refused;
  }

  ignored(signal: IgnoredSignal, transport: Transport, items: number): void {
    this.ignoredRequests[`${signal}/${transport}`] += 1;
    this.ignoredItems[`${signal}/${transport}`] += items;
  }

  families(): MetricFamily[] {
    const perTransport = (counts: Record<Transport, number>) =>
      TRANSPORTS.map((t): [string, number] => [`{receiver="otlp",transport="${t}"}`, counts[t]]);
    const perSignal = (counts: Record<string, number>, signals: readonly IgnoredSignal[], label: (s: IgnoredSignal) => string) =>
      signals.flatMap((s) => TRANSPORTS.map((t): [string, number] => [`{${label(s)}transport="${t}"}`, counts[`${s}/${t}`]!]));
    return [
      { name: 'otelcol_receiver_accepted_spans_total', type: 'counter', help: 'Spans taken into the pipeline (stored or duplicates).',
        samples: perTransport(this.accepted) },
      { name: 'otelcol_receiver_refused_spans_total', type: 'counter', help: 'Spans refused: rejected in partial_success, or in a request answered with an error.',
        samples: perTransport(this.refused) },
      { name: 'spanpulse_receiver_ignored_requests_total', type: 'counter', help: 'OTLP metrics and logs requests answered with success and not stored.',
        samples: perSignal(this.ignoredRequests, SIGNALS, (s) => `signal="${s}",`) },
      { name: 'spanpulse_receiver_ignored_metric_points_total', type: 'counter', help: 'Metric data points received and not stored.',
        samples: perSignal(this.ignoredItems, ['metrics'], () => '') },
      { name: 'spanpulse_receiver_ignored_log_records_total', type: 'counter', help: 'Log records received and not stored.',
        samples: perSignal(this.ignoredItems, ['logs'], () => '') },
    ];
  }
}
