/**
 * GET /api/status: is the platform up, is spanpulse receiving, who is using it right now.
 * Answers 200 even when the store is unreachable — then with the store marked unreachable,
 * the overall state `down` and no store-derived figures (null / empty), because this is the
 * page an operator opens when something is wrong.
 */
import { RELATIVE_ERROR } from '../../collector/mapping/latencyHistogram.js';
import type { ServiceSummary } from '../../collector/store/types.js';
import type { ApiContext } from '../ApiContext.js';
import { loadRollups } from '../query/loadRollups.js';
import { agentStats } from '../stats/agentStats.js';
import { healthState, type HealthState } from '../stats/healthState.js';
import { performanceOf, sumTotals, type Performance } from '../stats/Totals.js';
import { ceilHour, DAY_MS, dayKey, floorHour, HOUR_MS } from '../../collector/time/utcTime.js';
import { agentEntries, type AgentEntry } from './agentEntries.js';
import { readActiveAlerts, type AlertView } from './alertViews.js';

export type ServiceState = 'receiving' | 'stale' | 'no_data';

export interface ServiceEntry extends ServiceSummary {
  state: ServiceState;
}

export interface ApiPerformance extends Pick<Performance, 'totalRequests' | 'successRate' | 'errorRate' | 'avgResponseTime' | 'p95ResponseTime'> {
  from: Date;
  to: Date;
}

interface StoreView {
  services: ServiceEntry[];
  agents: AgentEntry[];
  activeUsers: number;
  apiPerformance: ApiPerformance;
}

export async function platformStatus(context: ApiContext) {
  const now = context.now();
  const telemetry = context.telemetry.snapshot();
  let pingMs: number | null = null;
  let storeError: string | null = null;
  let view: StoreView | null = null;
  let active: AlertView[] = [];
  try {
    [pingMs, view, active] = await Promise.all([
      context.reader.ping(), readStoreView(context, now), context.alerts === null ? [] : readActiveAlerts(context.alerts.store, now),
    ]);
  } catch (error) {
    storeError = error instanceof Error ? error.message : String(error);
  }
  const usingRealData = telemetry.lastSpanStoredAt !== null || (view?.services.some((s) => s.spanCount > 0) ?? false);
  const { status, reasons } = overallState(view, storeError, usingRealData, context);
  return {
    status,
    reasons,
    timestamp: now,
    collector: {
      version: context.version,
      startedAt: telemetry.startedAt,
      uptimeSeconds: Math.max(0, (now.getTime() - telemetry.startedAt.getTime()) / 1000),
      spansReceived: telemetry.spansReceived,
      spansAccepted: telemetry.spansAccepted,
      spansRejected: telemetry.spansRejected,
      queueDepth: telemetry.queueDepth,
      lastSpanStoredAt: telemetry.lastSpanStoredAt,
    },
    store: { backend: context.backend, reachable: storeError === null, pingMs: storeError === null ? pingMs : null, error: storeError },
    spool: telemetry.spool,
    services: view?.services ?? [],
    agents: view?.agents ?? [],
    trackedAgents: view?.agents.length ?? 0,
    activeUsers: view?.activeUsers ?? null,
    sessionInactivityMs: context.sessionInactivityMs,
    apiPerformance: view?.apiPerformance ?? null,
    system: context.system?.sample() ?? null,
    usingRealData,
    /**
     * Pending and firing alerts (empty while the store is unreachable: store.reachable says so);
     * absent when the alerts extension does not run, so pages do not ask for /api/status/alerts.
     */
    ...(context.alerts === null ? {} : { alerts: { active } }),
    percentileRelativeError: RELATIVE_ERROR,
  };
}

async function readStoreView(context: ApiContext, now: Date): Promise<StoreView> {
  const { reader } = context;
  const hour = { from: floorHour(new Date(now.getTime() - HOUR_MS)), to: ceilHour(now) };
  const [services, days, sessions, lastHour] = await Promise.all([
    reader.listServices(),
    reader.findAgentDays({ fromDate: dayKey(new Date(now.getTime() - DAY_MS)), toDate: dayKey(now) }),
    reader.countSessions({ from: new Date(now.getTime() - context.sessionInactivityMs), to: now }),
    loadRollups(reader, { range: hour, level: 'service' }),
  ]);
  const performance = performanceOf(sumTotals(lastHour));
  return {
    services: services.map((service) => ({ ...service, state: serviceState(service, now, context.staleAfterMs) })),
    agents: agentEntries(agentStats(days.filter((d) => d.date === dayKey(now))), agentStats(days), context.thresholds),
    activeUsers: sessions.sessions,
    apiPerformance: {
      from: hour.from,
      to: now,
      totalRequests: performance.totalRequests,
      successRate: performance.successRate,
      errorRate: performance.errorRate,
      avgResponseTime: performance.avgResponseTime,
      p95ResponseTime: performance.p95ResponseTime,
    },
  };
}

function serviceState(service: ServiceSummary, now: Date, staleAfterMs: number): ServiceState {
  if (service.spanCount === 0) return 'no_data';
  return now.getTime() - service.lastSeen.getTime() <= staleAfterMs ? 'receiving' : 'stale';
}

function overallState(view: StoreView | null, storeError: string | null, usingRealData: boolean, context: ApiContext):
  { status: HealthState; reasons: string[] } {
  if (view === null) return { status: 'down', reasons: [`store unreachable: ${storeError ?? 'unknown error'}`] };
  if (!usingRealData) return { status: 'no_data', reasons: ['no spans received yet'] };
  const perf = view.apiPerformance;
  const state = healthState(perf, context.thresholds);
  if (state === 'no_data') return { status: 'operational', reasons: ['no requests in the last hour'] };
  const { thresholds } = context;
  const reasons: string[] = [];
  const errorRate = perf.errorRate ?? 0;
  const p95 = perf.p95ResponseTime ?? 0;
  if (errorRate > thresholds.degradedErrorRate) {
    const limit = errorRate > thresholds.downErrorRate ? thresholds.downErrorRate : thresholds.degradedErrorRate;
    reasons.push(`error rate in the last hour ${errorRate.toFixed(1)} % is above ${limit} %`);
  }
  if (p95 > thresholds.degradedP95Ms) {
    const limit = p95 > thresholds.downP95Ms ? thresholds.downP95Ms : thresholds.degradedP95Ms;
    reasons.push(`p95 response time in the last hour ${Math.round(p95)} ms is above ${limit} ms`);
  }
  return { status: state, reasons };
}
