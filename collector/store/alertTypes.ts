/**
 * The alert part of the store contract (README "Alerts"): the transitions of every rule and
 * group, which are also its current state and its history, and the silences.
 *
 * A rule and group (`groupKey`) go through numbered transitions, 1, 2, 3, ...: `pending` (the
 * condition holds), `firing` (it held for the rule's `for`), `resolved` (a firing alert's
 * condition stopped holding), `cancelled` (a pending one's did, before it fired). The latest
 * transition is the current state. `addAlertEvents` is the one decision point: transition n of
 * a rule and group is stored once, by whoever adds it first (a unique key in both backends),
 * so with several collectors on one database each transition is made, and notified, once.
 *
 * Collections / tables: `alert_events` (one per transition) and `alert_silences`.
 */
import type { AlertMetric } from '../alerts/alertMetrics.js';

export type AlertEventState = 'pending' | 'firing' | 'resolved' | 'cancelled';

/** What became of a notification to one webhook. */
export interface AlertDelivery {
  /** The webhook's URL. */
  url: string;
  /** Sent as the X-Spanpulse-Delivery header, the same on every attempt. */
  deliveryId: string;
  /** `silenced`: not sent, a silence covered the alert; `pending`: attempts under way. */
  outcome: 'sent' | 'failed' | 'silenced' | 'pending';
  attempts: number;
  /** HTTP status of the last attempt, null when it got none. */
  lastStatus: number | null;
  /** Why the last attempt failed, null when it did not. */
  lastError: string | null;
  at: Date;
}

export interface AlertEvent {
  rule: string;
  /** The group as one string (alertGroups.ts), unique per rule. */
  groupKey: string;
  /** This is transition number `seq` of the rule and group, from 1. */
  seq: number;
  state: AlertEventState;
  /** When the transition was made. */
  at: Date;
  metric: AlertMetric;
  service: string | null;
  /** "METHOD /route". */
  endpoint: string | null;
  agent: string | null;
  /** Groups per model (cost, tokens): the calls' provider and model; else null. */
  provider: string | null;
  model: string | null;
  comparison: 'above' | 'below';
  threshold: number;
  /** The metric's value at the latest evaluation of this state (null: no verdict). */
  value: number | null;
  /** The farthest past the threshold since the condition began (largest for above, smallest for below). */
  peakValue: number | null;
  /** When the condition began to hold (the pending transition, or the firing one with for: 0s). */
  since: Date;
  /** When the alert began firing (firing and resolved events), else null. */
  firingSince: Date | null;
  /** One per webhook, for firing and resolved events; empty for the others. */
  deliveries: AlertDelivery[];
}

/** Names one event: its rule, group and transition number. */
export type AlertEventKey = Pick<AlertEvent, 'rule' | 'groupKey' | 'seq'>;

/** The latest value and peak of an event whose state goes on. */
export interface AlertValueNote {
  key: AlertEventKey;
  value: number | null;
  peakValue: number | null;
}

export interface Silence {
  id: string;
  /** null: any rule. Each of rule, service, endpoint, agent that is set must match the alert. */
  rule: string | null;
  service: string | null;
  endpoint: string | null;
  agent: string | null;
  from: Date;
  to: Date;
  comment: string;
}

export interface AlertStore {
  /** The latest event of every rule and group that has one: their current states. */
  currentAlertEvents(): Promise<AlertEvent[]>;
  /**
   * Stores each event as transition `event.seq` of its rule and group (at most one event per
   * rule and group in a call), in one write. Resolves to one answer per event, in order: false
   * where that transition was already stored (another collector made it first) and nothing of
   * that event was written.
   */
  addAlertEvents(events: readonly AlertEvent[]): Promise<boolean[]>;
  /** Notes the latest values and peaks of events whose state goes on (unknown events are skipped), all at once. */
  updateAlertValues(notes: readonly AlertValueNote[]): Promise<void>;
  /** Replaces the delivery outcomes of an event. */
  setAlertDeliveries(key: AlertEventKey, deliveries: readonly AlertDelivery[]): Promise<void>;
  /** Events of state `states` made at or after `from`, newest first. */
  findAlertEvents(from: Date, states: readonly AlertEventState[]): Promise<AlertEvent[]>;
  /** Silences that end after `after`, by start. */
  listSilences(after: Date): Promise<Silence[]>;
  addSilence(silence: Silence): Promise<void>;
  /** false when there is no silence of that id. */
  deleteSilence(id: string): Promise<boolean>;
}
