/** The SLA report's objectives from `extensions.status_api.slo` (the API, `spanpulse export` and scheduled reports alike). */
import type { Config } from '../../collector/config/Config.js';
import type { SloOptions } from './slaReport.js';

export function sloOptionsOf(slo: Config['extensions']['status_api']['slo']): SloOptions {
  return {
    availability: slo.availability,
    latencyP95Ms: slo.latency_p95 ?? null,
    overrides: slo.overrides.map((o) => ({ service: o.service, endpoint: o.endpoint, availability: o.availability, latencyP95Ms: o.latency_p95 })),
  };
}
