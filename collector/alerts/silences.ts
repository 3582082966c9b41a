/**
 * Which alerts a silence covers (README "Alerts"): every one of its rule, service, endpoint and
 * agent that is set must equal the alert's, at a time within [from, to). A silence stops
 * notifications; the alert's state and history go on as without it.
 */
import type { Silence } from '../store/alertTypes.js';

export interface SilenceTarget {
  rule: string;
  service: string | null;
  endpoint: string | null;
  agent: string | null;
}

export function silenceCovers(silence: Silence, at: Date, target: SilenceTarget): boolean {
  if (at.getTime() < silence.from.getTime() || at.getTime() >= silence.to.getTime()) return false;
  return (silence.rule === null || silence.rule === target.rule)
    && (silence.service === null || silence.service === target.service)
    && (silence.endpoint === null || silence.endpoint === target.endpoint)
    && (silence.agent === null || silence.agent === target.agent);
}
