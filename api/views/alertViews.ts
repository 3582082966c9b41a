/**
 * The alerts as the API shows them (README "Alerts"): the active ones (pending and firing,
 * with whether a silence covers them now), the incidents of a window, and the silences.
 *
 * An incident is an alert that fired: from `startsAt` (firing) to `endsAt` (resolved, null
 * while it goes on). Listed: those that began firing in the window, and those firing now,
 * newest first. `notifications` counts the webhook deliveries of its firing and resolved
 * events that were sent and that failed (after their retries); silenced ones are neither.
 */
import type { AlertDelivery, AlertEvent, AlertStore, Silence } from '../../collector/store/alertTypes.js';
import { silenceCovers } from '../../collector/alerts/silences.js';

export interface AlertView {
  rule: string;
  metric: string;
  state: 'pending' | 'firing';
  silenced: boolean;
  service: string | null;
  endpoint: string | null;
  agent: string | null;
  /** Per model (cost, tokens): the calls' provider and model; else null. */
  provider: string | null;
  model: string | null;
  value: number | null;
  threshold: number;
  comparison: 'above' | 'below';
  /** When the current state began. */
  since: string;
}

export interface Incident {
  rule: string;
  metric: string;
  service: string | null;
  endpoint: string | null;
  agent: string | null;
  provider: string | null;
  model: string | null;
  startsAt: string;
  endsAt: string | null;
  durationMs: number | null;
  peakValue: number | null;
  notifications: { sent: number; failed: number };
}

export interface SilenceView {
  id: string;
  rule: string | null;
  service: string | null;
  endpoint: string | null;
  agent: string | null;
  from: string;
  to: string;
  comment: string;
}

export function silenceView(silence: Silence): SilenceView {
  return { ...silence, from: silence.from.toISOString(), to: silence.to.toISOString() };
}

/** Pending and firing alerts, firing first, then by rule and group. */
export function activeAlerts(current: readonly AlertEvent[], silences: readonly Silence[], now: Date): AlertView[] {
  return current
    .filter((event): event is AlertEvent & { state: 'pending' | 'firing' } => event.state === 'pending' || event.state === 'firing')
    .sort((a, b) => (a.state === b.state ? 0 : a.state === 'firing' ? -1 : 1) || a.rule.localeCompare(b.rule) || a.groupKey.localeCompare(b.groupKey))
    .map((event) => ({
      rule: event.rule,
      metric: event.metric,
      state: event.state,
      silenced: silences.some((silence) => silenceCovers(silence, now, event)),
      service: event.service,
      endpoint: event.endpoint,
      agent: event.agent,
      provider: event.provider,
      model: event.model,
      value: event.value,
      threshold: event.threshold,
      comparison: event.comparison,
      since: (event.state === 'firing' ? event.firingSince ?? event.at : event.since).toISOString(),
    }));
}

export async function readActiveAlerts(store: AlertStore, now: Date): Promise<AlertView[]> {
  const [current, silences] = await Promise.all([store.currentAlertEvents(), store.listSilences(now)]);
  return activeAlerts(current, silences, now);
}

export async function alertsOfWindow(store: AlertStore, now: Date, from: Date) {
  const [current, events, silences] = await Promise.all([
    store.currentAlertEvents(), store.findAlertEvents(from, ['firing', 'resolved']), store.listSilences(now),
  ]);
  const key = (event: AlertEvent, seq: number) => JSON.stringify([event.rule, event.groupKey, seq]);
  const resolved = new Map(events.filter((e) => e.state === 'resolved').map((e) => [key(e, e.seq), e]));
  const fired = new Map(events.filter((e) => e.state === 'firing').map((e) => [key(e, e.seq), e]));
  // Firing since before the window: still an incident of it.
  for (const event of current) if (event.state === 'firing') fired.set(key(event, event.seq), event);
  const incidents = [...fired.values()].map((firing): Incident => {
    const end = resolved.get(key(firing, firing.seq + 1));
    const startsAt = firing.firingSince ?? firing.at;
    const deliveries: AlertDelivery[] = [...firing.deliveries, ...(end?.deliveries ?? [])];
    return {
      rule: firing.rule, metric: firing.metric, service: firing.service, endpoint: firing.endpoint, agent: firing.agent,
      provider: firing.provider, model: firing.model,
      startsAt: startsAt.toISOString(),
      endsAt: end === undefined ? null : end.at.toISOString(),
      durationMs: end === undefined ? null : end.at.getTime() - startsAt.getTime(),
      peakValue: end?.peakValue ?? firing.peakValue,
      notifications: {
        sent: deliveries.filter((d) => d.outcome === 'sent').length,
        failed: deliveries.filter((d) => d.outcome === 'failed').length,
      },
    };
  }).sort((a, b) => b.startsAt.localeCompare(a.startsAt));
  return { active: activeAlerts(current, silences, now), incidents, silences: silences.map(silenceView) };
}
