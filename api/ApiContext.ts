/**
 * ApiOptions with every default applied, shared by the route handlers of one app.
 */
import type { Retention, StoreReader } from '../collector/store/types.js';
import type { Telemetry } from '../collector/telemetry/Telemetry.js';
import type { ApiOptions, ApiStore } from './ApiOptions.js';
import { readerWithUnavailableErrors } from './readerErrors.js';
import type { StateThresholds } from './stats/healthState.js';
import { SystemSampler } from './system/SystemSampler.js';

export interface ApiContext {
  reader: StoreReader;
  backend: ApiStore['backend'];
  telemetry: Telemetry;
  version: string;
  sessionInactivityMs: number;
  thresholds: Readonly<StateThresholds>;
  retention: Readonly<Retention>;
  staleAfterMs: number;
  now: () => Date;
  system: SystemSampler;
}

export const DEFAULT_STALE_AFTER_MS = 5 * 60_000;

export function apiContext(options: ApiOptions): ApiContext {
  return {
    reader: readerWithUnavailableErrors(options.store),
    backend: options.store.backend,
    telemetry: options.telemetry,
    version: options.version,
    sessionInactivityMs: options.sessionInactivityMs,
    thresholds: { ...options.thresholds },
    retention: { ...options.retention },
    staleAfterMs: options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS,
    now: options.now ?? (() => new Date()),
    system: new SystemSampler(),
  };
}
