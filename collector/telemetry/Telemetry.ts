/**
 * spanpulse's own health counters: what the collector received, accepted, rejected and how
 * the store and the spool are doing. Read by `/api/status` and rendered for Prometheus at
 * `/metrics`.
 */
import type { Dimension } from '../pipeline/CardinalityLimits.js';
import type { SpoolState } from '../pipeline/spool/SpoolingWriter.js';
import type { WriteResult } from '../store/types.js';

import { AlertCounters } from './AlertCounters.js';
import { LimitCounters } from './LimitCounters.js';
import { ReceiverCounters } from './ReceiverCounters.js';

export interface TelemetrySnapshot {
  startedAt: Date;
  /** Spans in OTLP requests that were decoded (accepted + rejected + ignored). */
  spansReceived: number;
  /** Spans stored for the first time. */
  spansAccepted: number;
  /** Spans answered as rejected in partial_success (bad ids, absurd times, ...). */
  spansRejected: number;
  /** Spans already stored earlier (exporter retries); counted once. */
  spansDuplicate: number;
  /** Spans that were neither requests nor agent invocations (e.g. CLIENT spans to a database). */
  spansIgnored: number;
  /** OTLP requests refused with 4xx for a bad body, keyed by HTTP status. */
  requestsRefused: Record<string, number>;
  /** OTLP requests answered 429/503 (retry later), keyed by HTTP status. */
  requestsThrottled: Record<string, number>;
  /** Spans waiting for a store write right now. */
  queueDepth: number;
  storeWrites: number;
  storeWriteFailures: number;
  storeWriteSecondsSum: number;
  /** Time of the last span stored, or null when none yet. */
  lastSpanStoredAt: Date | null;
  /** Spans acknowledged from the spool while the store failed, and spans drained from it into the store. */
  spansSpooled: number;
  spansDrained: number;
  /** The spool now; null when there is none. */
  spool: SpoolState | null;
  /** Records counted under `(other)` because a cardinality limit was reached, by dimension. */
  cardinalityOverflow: Record<string, number>;
}

export class Telemetry {
  private readonly state: TelemetrySnapshot;
  private queueDepthProbe: () => number = () => 0;
  private spoolProbe: () => SpoolState | null = () => null;
  /** Per receiver transport: spans accepted / refused, metrics and logs ignored. */
  readonly receivers = new ReceiverCounters();
  /** What the receivers' limits and the memory limiter refused, and their gauges. */
  readonly limits = new LimitCounters();
  /** The alert evaluator's cycles and the webhooks' deliveries. */
  readonly alerts = new AlertCounters();

  constructor(startedAt = new Date()) {
    this.state = {
      startedAt,
      spansReceived: 0,
      spansAccepted: 0,
      spansRejected: 0,
      spansDuplicate: 0,
      spansIgnored: 0,
      requestsRefused: {},
      requestsThrottled: {},
      queueDepth: 0,
      storeWrites: 0,
      storeWriteFailures: 0,
      storeWriteSecondsSum: 0,
      lastSpanStoredAt: null,
      spansSpooled: 0,
      spansDrained: 0,
      spool: null,
      cardinalityOverflow: {},
    };
  }

  cardinalityOverflow(dimension: Dimension): void {
    this.state.cardinalityOverflow[dimension] = (this.state.cardinalityOverflow[dimension] ?? 0) + 1;
  }

  /** The spool registers how to read its depth; read lazily at snapshot time. */
  setSpoolProbe(probe: () => SpoolState): void {
    this.spoolProbe = probe;
  }

  spansSpooled(count: number): void {
    this.state.spansSpooled += count;
  }

  /** A spooled batch reached the store: it counts as stored (or duplicate, or refused) now. */
  spoolDrained(count: number, result: WriteResult): void {
    this.state.spansDrained += count;
    this.state.spansAccepted += result.stored;
    this.state.spansDuplicate += result.duplicates;
    this.state.spansRejected += result.rejected.length;
    if (result.stored > 0) this.state.lastSpanStoredAt = new Date();
  }

  /** The pipeline registers how to read its queue depth; read lazily at snapshot time. */
  setQueueDepthProbe(probe: () => number): void {
    this.queueDepthProbe = probe;
  }

  spansDecoded(count: number): void {
    this.state.spansReceived += count;
  }

  spansMapped(rejected: number, ignored: number): void {
    this.state.spansRejected += rejected;
    this.state.spansIgnored += ignored;
  }

  /** Spans the store refused for good (their data): answered as rejected like mapping's. */
  spansRefusedByStore(count: number): void {
    this.state.spansRejected += count;
  }

  storeWriteSucceeded(seconds: number, stored: number, duplicates: number): void {
    this.state.storeWrites += 1;
    this.state.storeWriteSecondsSum += seconds;
    this.state.spansAccepted += stored;
    this.state.spansDuplicate += duplicates;
    if (stored > 0) this.state.lastSpanStoredAt = new Date();
  }

  storeWriteFailed(seconds: number): void {
    this.state.storeWriteFailures += 1;
    this.state.storeWriteSecondsSum += seconds;
  }

  requestRefused(httpStatus: number): void {
    const key = String(httpStatus);
    const target = httpStatus === 429 || httpStatus === 503 ? this.state.requestsThrottled : this.state.requestsRefused;
    target[key] = (target[key] ?? 0) + 1;
  }

  snapshot(): TelemetrySnapshot {
    return {
      ...this.state,
      requestsRefused: { ...this.state.requestsRefused },
      requestsThrottled: { ...this.state.requestsThrottled },
      cardinalityOverflow: { ...this.state.cardinalityOverflow },
      queueDepth: this.queueDepthProbe(),
      spool: this.spoolProbe(),
    };
  }

  /** Prometheus text exposition format 0.0.4. */
  toPrometheus(): string {
    const s = this.snapshot();
    const lines: string[] = [];
    const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: Array<[string, number]>) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
    };
    metric('spanpulse_spans_received_total', 'counter', 'Spans decoded from OTLP requests.', [['', s.spansReceived]]);
    metric('spanpulse_spans_accepted_total', 'counter', 'Spans stored for the first time.', [['', s.spansAccepted]]);
    metric('spanpulse_spans_rejected_total', 'counter', 'Spans rejected in partial_success.', [['', s.spansRejected]]);
    metric('spanpulse_spans_duplicate_total', 'counter', 'Spans already stored (counted once).', [['', s.spansDuplicate]]);
    metric('spanpulse_spans_ignored_total', 'counter', 'Spans that are neither requests nor agent invocations.', [['', s.spansIgnored]]);
    metric('spanpulse_otlp_requests_refused_total', 'counter', 'OTLP requests refused, by HTTP status.',
      Object.entries({ ...s.requestsRefused, ...s.requestsThrottled }).map(([code, n]) => [`{code="${code}"}`, n]));
    metric('spanpulse_cardinality_overflow_total', 'counter', 'Records counted under (other): a service, endpoint or agent limit was reached.',
      Object.entries(s.cardinalityOverflow).map(([dimension, n]) => [`{dimension="${dimension}"}`, n]));
    for (const family of [...this.receivers.families(), ...this.limits.families(), ...this.alerts.families()]) metric(family.name, family.type, family.help, family.samples);
    metric('spanpulse_queue_spans', 'gauge', 'Spans waiting for a store write.', [['', s.queueDepth]]);
    metric('spanpulse_store_writes_total', 'counter', 'Batch writes to the store that succeeded.', [['', s.storeWrites]]);
    metric('spanpulse_store_write_failures_total', 'counter', 'Batch writes to the store that failed.', [['', s.storeWriteFailures]]);
    metric('spanpulse_store_write_seconds_sum', 'counter', 'Total time spent in store batch writes.', [['', s.storeWriteSecondsSum]]);
    if (s.spool !== null) {
      const oldestAge = s.spool.oldestAt === null ? 0 : Math.max(0, (Date.now() - s.spool.oldestAt.getTime()) / 1000);
      metric('spanpulse_spool_spans_total', 'counter', 'Spans acknowledged from the spool while the store failed.', [['', s.spansSpooled]]);
      metric('spanpulse_spool_drained_spans_total', 'counter', 'Spooled spans written to the store since.', [['', s.spansDrained]]);
      metric('spanpulse_spool_records', 'gauge', 'Spans in the spool now.', [['', s.spool.records]]);
      metric('spanpulse_spool_bytes', 'gauge', 'Bytes of the batches in the spool now.', [['', s.spool.bytes]]);
      metric('spanpulse_spool_oldest_age_seconds', 'gauge', 'Age of the oldest batch in the spool (0 when empty).', [['', oldestAge]]);
      metric('spanpulse_store_failing', 'gauge', '1 while the store fails writes and batches go to the spool.', [['', s.spool.storeFailing ? 1 : 0]]);
    }
    metric('spanpulse_uptime_seconds', 'gauge', 'Seconds since the collector started.',
      [['', (Date.now() - s.startedAt.getTime()) / 1000]]);
    return lines.join('\n') + '\n';
  }
}
