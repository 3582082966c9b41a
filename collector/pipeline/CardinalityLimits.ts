/**
 * Bounded cardinality (SPEC §2), like the OpenTelemetry spanmetrics connector's
 * `aggregation_cardinality_limit`: past a configured number of services, of endpoints per
 * service, of agents per service or of models per service, a record with a new value is
 * counted under OVERFLOW (`(other)`) instead: counted, never dropped, and every document stays
 * bounded whatever a client invents. Endpoints keep their method, so a service has at most one
 * overflow row per method; models keep their provider. The error types of a model_metrics
 * document are bounded too (MAX_ERROR_TYPES per service, learnt in memory only: a restart may
 * admit others, so a document gains at most that many per collector run).
 *
 * The values admitted so far are read from the store at start and every `refreshMs` (so
 * replicas learn each other's), and grow as new values are admitted. Several replicas may
 * each admit a different new value at the same moment: a limit can then be passed by a few
 * values until the next refresh. A lifecycle Component.
 */
import type { Component } from '../lifecycle/Component.js';
import { log } from '../log.js';
import { UNATTRIBUTED, type SpanRecord, type StoreReader } from '../store/types.js';
import type { Telemetry } from '../telemetry/Telemetry.js';

export const OVERFLOW = '(other)';

export interface CardinalityOptions {
  maxServices: number;
  maxEndpointsPerService: number;
  maxAgentsPerService: number;
  /** Distinct (provider, model) per service. */
  maxModelsPerService: number;
  /** How far back the store is asked for the values already seen, ms. */
  lookbackMs: number;
  /** How often those are read again, ms; 0 only at start. */
  refreshMs: number;
}

export type Dimension = 'service' | 'endpoint' | 'agent' | 'model' | 'error_type';

/** Distinct error.type values per service in model_metrics. */
const MAX_ERROR_TYPES = 50;

export class CardinalityLimits implements Component {
  readonly name = 'processor/spanpulse/limits';
  private readonly services = new Set<string>();
  private readonly endpoints = new Map<string, Set<string>>();
  private readonly agents = new Map<string, Set<string>>();
  private readonly models = new Map<string, Set<string>>();
  private readonly errorTypes = new Map<string, Set<string>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly reader: Pick<StoreReader, 'knownDimensions'>,
    private readonly options: CardinalityOptions,
    private readonly telemetry: Telemetry,
  ) {}

  async start(): Promise<void> {
    await this.refresh();
    if (this.options.refreshMs > 0) {
      this.timer = setInterval(() => {
        this.refresh().catch((error: unknown) => log.debug('cardinality limits: reading the known values failed; kept the ones in memory', { error }));
      }, this.options.refreshMs);
      this.timer.unref();
    }
  }

  async shutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Replaces values past the limits by OVERFLOW, in place. */
  apply(records: readonly SpanRecord[]): void {
    for (const record of records) {
      if (!this.admit(this.services, record.serviceName, this.options.maxServices)) {
        record.serviceName = OVERFLOW;
        this.telemetry.cardinalityOverflow('service');
      }
      if (record.agentName !== null && record.agentName !== UNATTRIBUTED && !this.admit(setOf(this.agents, record.serviceName), record.agentName, this.options.maxAgentsPerService)) {
        record.agentName = OVERFLOW;
        this.telemetry.cardinalityOverflow('agent');
      }
      if (record.kind === 'request') {
        const endpoints = setOf(this.endpoints, record.serviceName);
        if (!this.admit(endpoints, `${record.method} ${record.endpoint}`, this.options.maxEndpointsPerService)) {
          record.endpoint = OVERFLOW;
          this.telemetry.cardinalityOverflow('endpoint');
        }
      }
      if (record.kind === 'model_call' || record.kind === 'pending_model_call') {
        if (!this.admit(setOf(this.models, record.serviceName), modelKey(record.provider, record.model), this.options.maxModelsPerService)) {
          record.model = OVERFLOW;
          this.telemetry.cardinalityOverflow('model');
        }
        if (record.errorType !== null && !this.admit(setOf(this.errorTypes, record.serviceName), record.errorType, MAX_ERROR_TYPES)) {
          record.errorType = OVERFLOW;
          this.telemetry.cardinalityOverflow('error_type');
        }
      }
    }
  }

  private admit(known: Set<string>, value: string, limit: number): boolean {
    if (value === OVERFLOW || known.has(value)) return true;
    if (known.size >= limit) return false;
    known.add(value);
    return true;
  }

  private async refresh(): Promise<void> {
    const { maxServices, maxEndpointsPerService, maxAgentsPerService, maxModelsPerService, lookbackMs } = this.options;
    const perService = Math.max(maxEndpointsPerService, maxAgentsPerService, maxModelsPerService);
    const known = await this.reader.knownDimensions(new Date(Date.now() - lookbackMs), Math.max(maxServices, perService) * maxServices);
    for (const service of known.services) this.admit(this.services, service, maxServices);
    for (const { serviceName, method, endpoint } of known.endpoints) {
      this.admit(setOf(this.endpoints, serviceName), `${method} ${endpoint}`, maxEndpointsPerService);
    }
    for (const { serviceName, agentName } of known.agents) this.admit(setOf(this.agents, serviceName), agentName, maxAgentsPerService);
    for (const { serviceName, provider, model } of known.models) this.admit(setOf(this.models, serviceName), modelKey(provider, model), maxModelsPerService);
  }
}

function modelKey(provider: string | null, model: string | null): string {
  return JSON.stringify([provider, model]);
}

function setOf(map: Map<string, Set<string>>, key: string): Set<string> {
  let set = map.get(key);
  if (set === undefined) map.set(key, (set = new Set()));
  return set;
}
