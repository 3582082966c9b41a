/**
 * GET /api/status/sessions: the sessions of a window (user_sessions), latest activity first,
 * in pages with an opaque cursor, each with what its retained raw documents show (requests,
 * errors, agents, tokens, cost: api/stats/sessionUsage.ts). GET /api/status/sessions/:id: one
 * session's requests in order. Raw documents are kept for the api_metrics retention, sessions
 * longer: what retention already removed is said in the answer (`retained`), never guessed.
 */
import type { ApiContext } from '../ApiContext.js';
import { HttpError } from '../HttpError.js';
import { cursorOf, parseCursor, parseLimit } from '../query/parsePage.js';
import { parseRangeQuery, parseService, readParameters } from '../query/parseRangeQuery.js';
import { requestUsages, sessionUsage, type RequestUsage } from '../stats/sessionUsage.js';
import type { SessionPosition, SessionSpans, UserSession } from '../../collector/store/types.js';

const LIST_PARAMETERS = ['window', 'from', 'to', 'service', 'agent', 'limit', 'cursor'] as const;
const DETAIL_PARAMETERS = ['service', 'limit'] as const;
const LIST_LIMIT = { fallback: 50, max: 200 };
const TIMELINE_LIMIT = { fallback: 500, max: 5000 };
/** Requests read per session for its figures: beyond, they cover the first ones (`retained.complete` false). */
const SPANS_PER_SESSION = 5000;
/** Requests read at once for a page of sessions (FerretDB scans a collection per query: one read, not one per session). */
const SPANS_PER_PAGE = 10_000;
/** With `agent`, sessions examined per answer at most: a page may then hold fewer than `limit` (follow nextCursor). */
const EXAMINED_PER_PAGE = 400;
const MAX_AGENT_LENGTH = 1024;

export async function sessionList(context: ApiContext, query: Record<string, unknown>) {
  const { reader } = context;
  const now = context.now();
  const services = await reader.listServices();
  const q = parseRangeQuery(query, {
    now,
    retentionMs: context.retention.sessionsMs,
    services: services.map((s) => s.serviceName),
    allowedParameters: LIST_PARAMETERS,
  });
  const agent = parseAgent(query['agent']);
  const limit = parseLimit(query, LIST_LIMIT);
  let after = parseCursor(query, positionOf);
  const window = { from: q.range.from, to: q.range.end, ...(q.serviceName === undefined ? {} : { serviceName: q.serviceName }) };
  const sessions: SessionEntry[] = [];
  let examined = 0;
  let more = true;
  // Without an agent every session read is one shown (one more is read to know whether a next
  // page exists); with one, sessions are read in batches until the page is full, the window
  // has no more, or EXAMINED_PER_PAGE were examined.
  while (more && sessions.length < limit && examined < EXAMINED_PER_PAGE) {
    const room = limit - sessions.length;
    const want = agent === undefined ? room + 1 : Math.min(limit, EXAMINED_PER_PAGE - examined);
    const batch = await reader.listSessions({ ...window, limit: want, ...(after === undefined ? {} : { after }) });
    more = batch.length === want;
    const read = agent === undefined ? batch.slice(0, room) : batch;
    const entries = await entriesOf(context, read, now);
    for (const [i, entry] of entries.entries()) {
      if (sessions.length === limit) {
        more = true;
        break;
      }
      examined += 1;
      after = read[i]!;
      if (agent === undefined || entry.agents.includes(agent)) sessions.push(entry);
    }
  }
  return {
    window: { name: q.window, from: q.range.from, to: q.range.end },
    service: q.serviceName ?? null,
    agent: agent ?? null,
    currency: context.currency,
    sessions,
    /** Give as `cursor` for the next page; null when this page is the last. */
    nextCursor: more && after !== undefined ? cursorOf(positionKey(after)) : null,
    services: services.map((s) => s.serviceName),
  };
}

export async function sessionTimeline(context: ApiContext, sessionId: string, query: Record<string, unknown>) {
  const { reader } = context;
  const now = context.now();
  const params = readParameters(query, DETAIL_PARAMETERS);
  const services = (await reader.listServices()).map((s) => s.serviceName);
  const serviceName = parseService(params.service, services);
  const limit = parseLimit(query, TIMELINE_LIMIT);
  const candidates = serviceName === undefined ? services : [serviceName];
  const found = (await Promise.all(candidates.map((service) => reader.findSession(service, sessionId)))).filter((s) => s !== null);
  if (found.length === 0) throw new HttpError(404, `no session ${JSON.stringify(sessionId)}${serviceName === undefined ? '' : ` in service ${JSON.stringify(serviceName)}`}`);
  if (found.length > 1) {
    const names = found.map((s) => s.serviceName);
    throw HttpError.badRequest(`session ${JSON.stringify(sessionId)} exists in several services; give service (one of ${names.join(', ')})`, { service: names });
  }
  const session = found[0]!;
  const spans = await readSpans(context, session, now);
  const usages = requestUsages(spans);
  return {
    currency: context.currency,
    session: entryOf(context, session, spans, now),
    /** Oldest first, at most `limit`. */
    requests: usages.slice(0, limit).map(timelineEntry),
    /** More retained requests than `requests` holds. */
    more: usages.length > limit || spans.more,
  };
}

type SessionEntry = ReturnType<typeof entryOf>;

/**
 * The entries of `sessions`, from one read of their raw documents; when that holds more than
 * SPANS_PER_PAGE requests, from one read per session (each then at most SPANS_PER_SESSION).
 */
async function entriesOf(context: ApiContext, sessions: readonly UserSession[], now: Date): Promise<SessionEntry[]> {
  if (sessions.length === 0) return [];
  const spans = await context.reader.findSessionSpans({
    sessions,
    from: new Date(Math.max(Math.min(...sessions.map((s) => s.startTime.getTime())), rawFrom(context, now).getTime())),
    to: new Date(Math.max(...sessions.map((s) => s.lastActivity.getTime()))),
    limit: SPANS_PER_PAGE,
  });
  const entries: SessionEntry[] = [];
  for (const session of sessions) {
    entries.push(entryOf(context, session, spans.more ? await readSpans(context, session, now) : spansOf(spans, session), now));
  }
  return entries;
}

/** The part of `spans` that is `session`'s: its requests and the spans in their traces. */
function spansOf(spans: SessionSpans, session: UserSession): SessionSpans {
  const requests = spans.requests.filter((r) => r.serviceName === session.serviceName && r.sessionId === session.sessionId);
  const traces = new Set(requests.map((r) => r.traceId));
  return {
    requests,
    invocations: spans.invocations.filter((i) => traces.has(i.traceId)),
    modelCalls: spans.modelCalls.filter((c) => traces.has(c.traceId)),
    more: false,
  };
}

function readSpans(context: ApiContext, session: UserSession, now: Date): Promise<SessionSpans> {
  return context.reader.findSessionSpans({
    sessions: [session],
    from: new Date(Math.max(session.startTime.getTime(), rawFrom(context, now).getTime())),
    to: session.lastActivity,
    limit: SPANS_PER_SESSION,
  });
}

/** The oldest raw documents retention keeps. */
function rawFrom(context: ApiContext, now: Date): Date {
  return new Date(now.getTime() - context.retention.apiMetricsMs);
}

function entryOf(context: ApiContext, session: UserSession, spans: SessionSpans, now: Date) {
  const usage = sessionUsage(spans);
  const removed = Math.max(0, session.requestCount - usage.requests);
  return {
    serviceName: session.serviceName,
    sessionId: session.sessionId,
    userId: session.userId,
    firstActivity: session.startTime,
    lastActivity: session.lastActivity,
    durationMs: session.lastActivity.getTime() - session.startTime.getTime(),
    isActive: session.isActive,
    /** Every request of the session (user_sessions), retained or not. */
    requests: session.requestCount,
    errors: usage.errors,
    clientErrors: usage.clientErrors,
    agents: usage.agents,
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    totalTokens: usage.totalTokens,
    modelCalls: usage.modelCalls,
    cost: usage.cost,
    unpricedCalls: usage.unpricedCalls,
    /**
     * What errors, agents, tokens and cost are counted from: the requests whose raw documents
     * are still kept (api_metrics retention, from `rawFrom`); `complete` when that is all of them.
     */
    retained: {
      requests: usage.requests,
      rawFrom: rawFrom(context, now),
      complete: !spans.more && removed === 0,
      /** Requests of the session retention has removed (null when more than SPANS_PER_SESSION are kept and not all were read). */
      removedByRetention: spans.more ? null : removed,
    },
  };
}

function timelineEntry({ request, usage, agents }: RequestUsage) {
  return {
    time: request.timestamp,
    method: request.method,
    route: request.endpoint,
    statusCode: request.statusCode,
    outcome: request.outcome,
    durationMs: request.responseTime,
    agentName: request.agentName,
    agents,
    conversationId: request.conversationId,
    traceId: request.traceId,
    ...usage,
  };
}

function parseAgent(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '' || value.length > MAX_AGENT_LENGTH) {
    throw HttpError.badRequest(`agent must be an agent name (1 to ${MAX_AGENT_LENGTH} characters), given once`);
  }
  return value;
}

function positionKey(position: SessionPosition): unknown[] {
  return [position.lastActivity.getTime(), position.serviceName, position.sessionId];
}

function positionOf(key: unknown[]): SessionPosition | undefined {
  const [time, serviceName, sessionId] = key;
  if (key.length !== 3 || typeof time !== 'number' || !Number.isSafeInteger(time) || typeof serviceName !== 'string' || typeof sessionId !== 'string') return undefined;
  return { lastActivity: new Date(time), serviceName, sessionId };
}
