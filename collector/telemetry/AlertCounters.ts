/**
 * What the alert evaluator and the webhooks did (collector/alerts/), for /metrics: evaluations
 * and how long the last one took, alerts pending and firing after it, webhook deliveries by
 * outcome and the attempts retried.
 */
import type { MetricFamily } from './ReceiverCounters.js';

export type DeliveryOutcome = 'sent' | 'failed' | 'silenced';

export class AlertCounters {
  private evaluations = 0;
  private failures = 0;
  private lastSeconds = 0;
  private secondsSum = 0;
  private pending = 0;
  private firing = 0;
  private retries = 0;
  private readonly outcomes = new Map<DeliveryOutcome, number>([['sent', 0], ['failed', 0], ['silenced', 0]]);

  evaluated(seconds: number, states: { pending: number; firing: number }): void {
    this.evaluations += 1;
    this.lastSeconds = seconds;
    this.secondsSum += seconds;
    this.pending = states.pending;
    this.firing = states.firing;
  }

  evaluationFailed(): void {
    this.failures += 1;
  }

  delivered(outcome: DeliveryOutcome): void {
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
  }

  retried(): void {
    this.retries += 1;
  }

  /** For tests and the API: the counts so far. */
  snapshot() {
    return {
      evaluations: this.evaluations, failures: this.failures, pending: this.pending, firing: this.firing,
      retries: this.retries, deliveries: Object.fromEntries(this.outcomes) as Record<DeliveryOutcome, number>,
    };
  }

  families(): MetricFamily[] {
    return [
      { name: 'spanpulse_alert_evaluations_total', type: 'counter', help: 'Alert evaluation cycles completed.', samples: [['', this.evaluations]] },
      { name: 'spanpulse_alert_evaluation_failures_total', type: 'counter', help: 'Alert evaluation cycles that failed (store unreachable); retried at the next interval.', samples: [['', this.failures]] },
      { name: 'spanpulse_alert_evaluation_seconds_sum', type: 'counter', help: 'Time spent in alert evaluation cycles.', samples: [['', this.secondsSum]] },
      { name: 'spanpulse_alert_evaluation_last_seconds', type: 'gauge', help: 'Duration of the last alert evaluation cycle.', samples: [['', this.lastSeconds]] },
      { name: 'spanpulse_alerts', type: 'gauge', help: 'Alerts after the last evaluation, by state.', samples: [['{state="pending"}', this.pending], ['{state="firing"}', this.firing]] },
      { name: 'spanpulse_alert_webhook_deliveries_total', type: 'counter', help: 'Webhook notifications by outcome (sent, failed after its retries, silenced).',
        samples: [...this.outcomes].map(([outcome, n]) => [`{outcome="${outcome}"}`, n]) },
      { name: 'spanpulse_alert_webhook_retries_total', type: 'counter', help: 'Webhook attempts that failed and were tried again.', samples: [['', this.retries]] },
    ];
  }
}
