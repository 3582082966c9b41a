/**
 * The state machine of one rule and group, as a pure function: from the current event (the
 * latest transition, or none) and this evaluation's reading, the next transition to make, or
 * the value to note, or nothing.
 *
 *   none / resolved / cancelled --holds--> pending (firing at once when `for` is 0s)
 *   pending --held for `for`--> firing;   pending --does not hold, or no verdict--> cancelled
 *   firing  --does not hold--> resolved;  firing with no verdict stays firing (resolving takes
 *   evidence that the condition is gone, not a quiet window)
 */
import type { AlertDelivery, AlertEvent } from '../store/alertTypes.js';
import type { GroupReading } from './alertGroups.js';
import { peakOf, type AlertRule } from './AlertRule.js';

export type NextStep =
  | { kind: 'transition'; event: AlertEvent }
  | { kind: 'note'; value: number | null; peakValue: number | null }
  | { kind: 'none' };

/** `deliveries`: what a firing or resolved event starts with (WebhookSender.plan). */
export function nextEvent(rule: AlertRule, reading: GroupReading, current: AlertEvent | undefined, now: Date,
  deliveries: () => AlertDelivery[]): NextStep {
  const open = current !== undefined && (current.state === 'pending' || current.state === 'firing');
  const base = {
    rule: rule.name, groupKey: reading.key, seq: (current?.seq ?? 0) + 1, at: now, metric: rule.metric,
    ...reading.group, comparison: rule.comparison, threshold: rule.threshold, value: reading.value,
  };
  if (!open) {
    if (reading.holds !== true) return { kind: 'none' };
    const firesNow = rule.forMs === 0;
    return { kind: 'transition', event: {
      ...base, state: firesNow ? 'firing' : 'pending', peakValue: reading.value, since: now, firingSince: firesNow ? now : null,
      deliveries: firesNow ? deliveries() : [],
    } };
  }
  const peakValue = reading.holds === true ? peakOf(rule, current.peakValue, reading.value) : current.peakValue;
  const carried = { since: current.since, firingSince: current.firingSince, peakValue };
  if (current.state === 'pending') {
    if (reading.holds !== true) return { kind: 'transition', event: { ...base, ...carried, state: 'cancelled', deliveries: [] } };
    if (now.getTime() - current.since.getTime() >= rule.forMs) {
      return { kind: 'transition', event: { ...base, ...carried, state: 'firing', firingSince: now, deliveries: deliveries() } };
    }
  } else if (reading.holds === false) {
    return { kind: 'transition', event: { ...base, ...carried, state: 'resolved', deliveries: deliveries() } };
  }
  if (reading.value === current.value && peakValue === current.peakValue) return { kind: 'none' };
  return { kind: 'note', value: reading.value, peakValue };
}
