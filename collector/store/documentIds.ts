/**
 * The identity of a document as one string (a JSON array, so no separator can be confused with
 * data): the `_id` of MongoDB's upserted documents, and the `_id` of every archived line
 * (collector/store/archive/), whichever store it came from.
 */

/** `_id` of an hourly, daily or minute document (the collection says which period). */
export function rollupId(d: { serviceName: string; start: Date; endpoint: string | null; method: string | null; agentName: string | null }): string {
  return JSON.stringify([d.serviceName, d.start.toISOString(), d.endpoint, d.method, d.agentName]);
}

export function agentDayId(d: { serviceName: string; agentName: string; date: string }): string {
  return JSON.stringify([d.serviceName, d.agentName, d.date]);
}

export function modelDayId(d: { serviceName: string; agentName: string; provider: string | null; model: string | null; date: string }): string {
  return JSON.stringify([d.serviceName, d.agentName, d.provider, d.model, d.date]);
}

export function sessionDocId(serviceName: string, sessionId: string): string {
  return JSON.stringify([serviceName, sessionId]);
}

/** A raw document (api_metrics, agent_invocations, model_calls) and a genai_pending one: its span. */
export function spanDocId(d: { traceId: string; spanId: string }): string {
  return JSON.stringify([d.traceId, d.spanId]);
}
