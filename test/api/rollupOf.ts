/**
 * Hand-built Rollup and AgentDay values for table tests: a list of response times and how
 * many of them were errors / client errors, turned into the counters a store would hold.
 */
import { addToHistogram } from '../../collector/mapping/latencyHistogram.js';
import type { AgentDay, Period, Rollup } from '../../collector/store/types.js';

export interface Sample {
  start: string;
  period?: Period;
  serviceName?: string;
  endpoint?: string | null;
  method?: string | null;
  agentName?: string | null;
  /** Response times, ms; one per request. */
  times: number[];
  errors?: number;
  clientErrors?: number;
  activeUsers?: number;
  inputTokens?: number;
  outputTokens?: number;
}

export function rollupOf(sample: Sample): Rollup {
  const latencyHistogram: Record<string, number> = {};
  for (const ms of sample.times) addToHistogram(latencyHistogram, ms);
  const errors = sample.errors ?? 0;
  const clientErrors = sample.clientErrors ?? 0;
  return {
    serviceName: sample.serviceName ?? 'shop',
    period: sample.period ?? 'hour',
    start: new Date(sample.start),
    endpoint: sample.endpoint === undefined ? '/api/chat' : sample.endpoint,
    method: sample.method === undefined ? 'POST' : sample.method,
    agentName: sample.agentName === undefined ? null : sample.agentName,
    requestCount: sample.times.length,
    successCount: sample.times.length - errors - clientErrors,
    errorCount: errors,
    clientErrorCount: clientErrors,
    totalResponseTime: sample.times.reduce((a, b) => a + b, 0),
    minResponseTime: sample.times.length === 0 ? null : Math.min(...sample.times),
    maxResponseTime: sample.times.length === 0 ? null : Math.max(...sample.times),
    latencyHistogram,
    inputTokens: sample.inputTokens ?? 0,
    outputTokens: sample.outputTokens ?? 0,
    activeUsers: sample.activeUsers ?? 0,
  };
}

export function agentDayOf(sample: Omit<Sample, 'start'> & { date: string; agentName: string; invocations?: number; lastSeen?: string }): AgentDay {
  const rollup = rollupOf({ ...sample, start: `${sample.date}T00:00:00Z`, period: 'day' });
  return {
    serviceName: rollup.serviceName,
    agentName: sample.agentName,
    date: sample.date,
    requestCount: rollup.requestCount,
    invocationCount: sample.invocations ?? 0,
    successCount: rollup.successCount,
    errorCount: rollup.errorCount,
    clientErrorCount: rollup.clientErrorCount,
    totalResponseTime: rollup.totalResponseTime,
    avgResponseTime: rollup.requestCount === 0 ? 0 : rollup.totalResponseTime / rollup.requestCount,
    minResponseTime: rollup.minResponseTime,
    maxResponseTime: rollup.maxResponseTime,
    latencyHistogram: rollup.latencyHistogram,
    inputTokens: rollup.inputTokens,
    outputTokens: rollup.outputTokens,
    activeUsers: rollup.activeUsers,
    lastSeen: new Date(sample.lastSeen ?? `${sample.date}T12:00:00Z`),
  };
}

/** 1, 2, ..., n. */
export function range(n: number, scale = 1): number[] {
  return Array.from({ length: n }, (_, i) => (i + 1) * scale);
}
