/**
 * ApiOptions with every default applied, shared by the route handlers of one app.
 */
import { DEFAULT_CURRENCY } from '../collector/config/pricingConfig.js';
import type { Retention, StoreReader } from '../collector/store/types.js';
import type { Telemetry } from '../collector/telemetry/Telemetry.js';
import type { ApiOptions, ApiStore } from './ApiOptions.js';
import { RollupCache } from './query/RollupCache.js';
import { MINUTE_MS, SessionCountCache } from './query/SessionCountCache.js';
import { readerWithUnavailableErrors } from './readerErrors.js';
import type { StateThresholds } from './stats/healthState.js';
import { ApiAccess } from './auth/ApiAccess.js';
import type { AlertsApi } from './routes/alertRoutes.js';
import { DEFAULT_SLO, type SloOptions } from './export/slaReport.js';
import { SystemSampler } from './system/SystemSampler.js';

export interface ApiContext {
  reader: StoreReader;
  /** The same without the rollup cache: for reads that pass through once (exports). */
  uncachedReader: StoreReader;
  access: ApiAccess;
  slo: SloOptions;
  /** The currency of costs. */
  currency: string;
  /** Session counts of windows ending at a whole minute, shared for a minute (analytics). */
  windowSessions: SessionCountCache;
  backend: ApiStore['backend'];
  telemetry: Telemetry;
  version: string;
  sessionInactivityMs: number;
  thresholds: Readonly<StateThresholds>;
  retention: Readonly<Retention>;
  staleAfterMs: number;
  now: () => Date;
  /** null when the alerts extension does not run. */
  alerts: AlertsApi | null;
  /** null when ApiOptions.hostDetails is false. */
  system: SystemSampler | null;
}

export const DEFAULT_STALE_AFTER_MS = 5 * 60_000;

export const DEFAULT_ROLLUP_CACHE_TTL_MS = 10 * 60_000;
/** Spans of a period may still arrive this long after it ended (SDK batch delay, retries). */
const SETTLE_MS = 2 * 60_000;
const CACHE_MAX_DOCUMENTS = 200_000;

export function apiContext(options: ApiOptions): ApiContext {
  const now = options.now ?? (() => new Date());
  const guarded = readerWithUnavailableErrors(options.store);
  const ttlMs = options.rollupCacheTtlMs ?? DEFAULT_ROLLUP_CACHE_TTL_MS;
  const cache = ttlMs > 0 ? new RollupCache(guarded, { now, ttlMs, settleMs: SETTLE_MS, maxDocuments: CACHE_MAX_DOCUMENTS }) : null;
  return {
    reader: cache === null ? guarded : { ...guarded, findRollups: (query) => cache.findRollups(query) },
    uncachedReader: guarded,
    access: new ApiAccess(options.access ?? { token: '', public: true, metricsPublic: true }),
    slo: options.slo ?? DEFAULT_SLO,
    currency: options.currency ?? DEFAULT_CURRENCY,
    windowSessions: new SessionCountCache(guarded, now, ttlMs > 0 ? MINUTE_MS : 0),
    backend: options.store.backend,
    telemetry: options.telemetry,
    version: options.version,
    sessionInactivityMs: options.sessionInactivityMs,
    thresholds: { ...options.thresholds },
    retention: { ...options.retention },
    staleAfterMs: options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS,
    now,
    alerts: options.alerts ?? null,
    system: options.hostDetails === false ? null : new SystemSampler(),
  };
}
