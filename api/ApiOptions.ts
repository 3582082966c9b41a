/**
 * What code passes to createApiApp. The collector process fills it from otel-config.yaml
 * (collector/service.ts); tests pass their own store, clock and thresholds.
 */
import type { Retention, Store, StoreReader } from '../collector/store/types.js';
import type { Telemetry } from '../collector/telemetry/Telemetry.js';
import type { AccessOptions } from './auth/ApiAccess.js';
import type { AlertsApi } from './routes/alertRoutes.js';
import type { SloOptions } from './export/slaReport.js';
import type { StateThresholds } from './stats/healthState.js';

/** The API only reads: the StoreReader queries plus the backend's name for /api/status. */
export type ApiStore = StoreReader & Pick<Store, 'backend'>;

export interface ApiOptions {
  /** The store to read from. Required; the API never writes. */
  store: ApiStore;
  /** The collector's own counters: uptime, spans received, and the body of /metrics. Required. */
  telemetry: Telemetry;
  /** spanpulse version shown in /api/status. Required. */
  version: string;
  /** Sessions with activity within this many milliseconds count as active users now. Required (config default 30 minutes). */
  sessionInactivityMs: number;
  /** Error-rate and p95 limits for the operational / degraded / down states. Required (config defaults 5 %, 50 %, 1 s, 10 s). */
  thresholds: StateThresholds;
  /** Retention periods; windows reaching further back than the hourly retention are refused with 400. Required. */
  retention: Retention;
  /**
   * Whether /api/status reports the collector host in `system` (CPU, memory, load, platform,
   * Node version); false gives `system: null`, for public deployments. Default true.
   */
  hostDetails?: boolean;
  /** A service that sent no span for this many milliseconds is `stale`. Default 5 minutes. */
  staleAfterMs?: number;
  /**
   * How long rollups of past hours and days are served from memory before being read again,
   * ms; 0 reads everything from the store on every request. The hour and day in progress are
   * always read fresh. Default 10 minutes.
   */
  rollupCacheTtlMs?: number;
  /** The clock. Default `() => new Date()`; tests pin it. */
  now?: () => Date;
  /** Folder holding the pages' HTML, CSS and JS. Default: api/public under the package root. */
  publicDir?: string;
  /** Who may read and change what (auth/ApiAccess.ts). Default: no token, public pages and /metrics. */
  access?: AccessOptions;
  /** The alert state and silences (the alerts extension); absent: no alerts, /api/status/alerts is a 404. */
  alerts?: AlertsApi;
  /** ISO 4217 code of every cost the API shows (processors.spanpulse.pricing.currency). Default that config's default. */
  currency?: string;
  /** The SLA report's objectives. Default availability 99.9 %, no latency objective, no overrides. */
  slo?: SloOptions;
}
