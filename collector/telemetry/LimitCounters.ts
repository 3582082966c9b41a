/**
 * What the receivers' limits did (collector/receiver/otlp/IngestLimits.ts, the HTTP receiver's
 * connection limit and timeouts, the memory limiter): requests refused by reason and
 * transport, and the gauges the limits are measured by, read when /metrics is rendered.
 */
import type { MetricFamily, Transport } from './ReceiverCounters.js';

/**
 * Why a request got no answer of its own: `memory_limiter`, `batch_queue` (refused before it
 * was read) and `bytes_in_flight` are answered 429 / UNAVAILABLE with a retry delay; the two
 * timeouts get 408 and their connection closed.
 */
export type RefusalReason = 'memory_limiter' | 'batch_queue' | 'bytes_in_flight' | 'read_header_timeout' | 'read_timeout';

export type LimitGauge =
  | 'bytes_in_flight'
  | 'bytes_in_flight_limit'
  | 'http_connections'
  | 'http_connections_limit'
  | 'memory_limiter_rss_bytes'
  | 'memory_limiter_soft_limit_bytes'
  | 'memory_limiter_refusing';

const GAUGE_HELP: Record<LimitGauge, [name: string, help: string]> = {
  bytes_in_flight: ['spanpulse_receiver_bytes_in_flight', 'Request body bytes held by the OTLP receivers now (read, decompressed, being decoded or stored).'],
  bytes_in_flight_limit: ['spanpulse_receiver_bytes_in_flight_limit', 'receivers.otlp.max_bytes_in_flight.'],
  http_connections: ['spanpulse_receiver_http_connections', 'Open connections to the OTLP/HTTP receiver.'],
  http_connections_limit: ['spanpulse_receiver_http_connections_limit', 'receivers.otlp.protocols.http.max_connections.'],
  memory_limiter_rss_bytes: ['spanpulse_memory_limiter_rss_bytes', 'Process RSS at the memory limiter\'s last check.'],
  memory_limiter_soft_limit_bytes: ['spanpulse_memory_limiter_soft_limit_bytes', 'RSS above which the memory limiter refuses requests (limit - spike_limit).'],
  memory_limiter_refusing: ['spanpulse_memory_limiter_refusing', '1 while the memory limiter refuses OTLP requests.'],
};

export class LimitCounters {
  private readonly refusals = new Map<`${RefusalReason}/${Transport}`, number>();
  private connectionsDropped = 0;
  private readonly gauges = new Map<LimitGauge, () => number>();

  refused(reason: RefusalReason, transport: Transport): void {
    this.refusals.set(`${reason}/${transport}`, (this.refusals.get(`${reason}/${transport}`) ?? 0) + 1);
  }

  /** A connection to the HTTP receiver closed as it arrived: max_connections were open. */
  connectionDropped(): void {
    this.connectionsDropped += 1;
  }

  /** The owner of a gauge registers how to read it; read at render time. */
  gauge(name: LimitGauge, read: () => number): void {
    this.gauges.set(name, read);
  }

  families(): MetricFamily[] {
    const families: MetricFamily[] = [
      { name: 'spanpulse_receiver_refused_requests_total', type: 'counter', help: 'OTLP requests refused by a receiver limit, by reason and transport.',
        samples: [...this.refusals].map(([key, n]) => {
          const [reason, transport] = key.split('/');
          return [`{reason="${reason}",transport="${transport}"}`, n];
        }) },
      { name: 'spanpulse_receiver_refused_connections_total', type: 'counter', help: 'Connections to the OTLP/HTTP receiver closed on arrival: max_connections were open.',
        samples: [['{transport="http"}', this.connectionsDropped]] },
    ];
    for (const [gauge, read] of this.gauges) {
      const [name, help] = GAUGE_HELP[gauge];
      families.push({ name, type: 'gauge', help, samples: [['', read()]] });
    }
    return families;
  }
}
