/**
 * Mapping one decoded span to the record it becomes in the store (SPEC §2 "Mapping spans to
 * documents"). Pure: the same span and options always give the same result.
 *
 * - a SERVER span is one API request (`RequestRecord`);
 * - another span whose gen_ai.operation.name is a model call (chat, embeddings, ...) is one
 *   model call, pending until mapSpans (or later the resolver) finds its agent (genai.ts);
 * - another span that names an agent (`gen_ai.agent.name`, or the id of an invoke_agent) is
 *   one agent invocation;
 * - another GenAI span (execute_tool, ...) is a link on the way from a model call to its agent;
 * - anything else is ignored (it is not an error: traces carry many other spans);
 * - a span that cannot be used (bad ids, absurd times) is rejected with a reason, which the
 *   receiver reports in `partial_success`.
 */
import { SpanKind, StatusCode, type Span } from '../pdata/Span.js';
import type { Outcome, SpanRecord } from '../store/types.js';
import * as names from './attributes.js';
import { endpointOf, routeParameter } from './endpoint.js';
import { agentOf, attributedCall, MODEL_CALL_OPERATIONS, operationOf, pendingModelCallOf } from './genai.js';
import type { PriceTable } from '../pricing/PriceTable.js';
import { protectAddress, protectUserId, type PrivacyOptions } from './privacy.js';
import { truncateString } from './truncate.js';

const KEEP_ALL: PrivacyOptions = { clientAddress: 'keep', userId: 'keep', hashSecret: '' };

export interface MappingOptions {
  /** What of client addresses and user ids is stored (privacy.ts). Default: kept as sent. */
  privacy?: PrivacyOptions;
  /** Route parameter that names the agent, e.g. `agent` for `/api/agents/:agent/chat`. Default `agent`; empty disables. */
  agentRouteParameter: string;
  /** Reference "now" for the time checks; default the wall clock. */
  now?: () => number;
  /**
   * Oldest start accepted, as an age: the raw-request retention. Raw documents are what make a
   * re-sent span count once; a span older than they are kept could be counted twice, so it is
   * refused instead. Default: no limit beyond the year 2000.
   */
  maxAgeMs?: number;
  /** What model calls cost (processors.spanpulse.pricing); without it every cost is null. */
  prices?: PriceTable;
}

export type MapResult =
  | { type: 'record'; record: SpanRecord }
  | { type: 'ignored' }
  | { type: 'rejected'; reason: string };

/** Spans that started before this are absurd (epoch-zero and unit mix-ups). */
const EARLIEST_START_MS = Date.UTC(2000, 0, 1);
/** Clock skew tolerated for spans that start in the future. */
const MAX_FUTURE_MS = 60 * 60 * 1000;
/** A request longer than a day is a broken clock, not a slow request. */
const MAX_DURATION_MS = 24 * 60 * 60 * 1000;

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);
/** Session ids are opaque but must be printable and short to be trusted into storage. */
const SESSION_ID = /^[\x21-\x7e]{1,128}$/;
/** A method as stored: upper case (anything else is stored as `UNKNOWN`). */
export const STORED_METHOD = /^[A-Z_]{1,20}$/;

const NS_PER_MS = 1_000_000n;

export function mapSpan(span: Span, options: MappingOptions): MapResult {
  if (!TRACE_ID.test(span.traceId) || span.traceId === ZERO_TRACE_ID) {
    return rejected(span, `traceId must be 16 non-zero bytes (32 hex digits), got ${describeId(span.traceId)}`);
  }
  if (!SPAN_ID.test(span.spanId) || span.spanId === ZERO_SPAN_ID) {
    return rejected(span, `spanId must be 8 non-zero bytes (16 hex digits), got ${describeId(span.spanId)}`);
  }
  const startMs = Number(span.startTimeUnixNano / NS_PER_MS) + Number(span.startTimeUnixNano % NS_PER_MS) / 1e6;
  const durationMs = Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e6;
  const now = options.now?.() ?? Date.now();
  if (!(startMs >= EARLIEST_START_MS) || startMs > now + MAX_FUTURE_MS) {
    return rejected(span, `startTimeUnixNano ${span.startTimeUnixNano} is not a plausible time (before 2000 or more than 1 h ahead)`);
  }
  if (options.maxAgeMs !== undefined && startMs < now - options.maxAgeMs) {
    return rejected(span, `startTimeUnixNano ${span.startTimeUnixNano} is older than the raw-request retention (${options.maxAgeMs / 86_400_000} d): a re-sent copy could no longer be recognised, so it is not counted`);
  }
  if (!(durationMs >= 0) || durationMs > MAX_DURATION_MS) {
    return rejected(span, `end - start is ${durationMs} ms; it must be between 0 and 24 h`);
  }

  const attributes = span.attributes;
  const serviceName = names.stringAttribute(span.resource, names.SERVICE_NAME, 256) ?? 'unknown_service';
  const timestamp = new Date(startMs);
  const sessionId = validSessionId(names.stringAttribute(attributes, names.SESSION_ID, 256));
  const userId = protectUserId(names.stringAttribute(attributes, names.USER_ID, 256), options.privacy ?? KEEP_ALL);
  const inputTokens = tokenCount(names.integerAttribute(attributes, names.INPUT_TOKENS));
  const outputTokens = tokenCount(names.integerAttribute(attributes, names.OUTPUT_TOKENS));
  const spanFailed = span.statusCode === StatusCode.ERROR;
  const parentSpanId = parentSpanIdOf(span);
  const conversationId = names.stringAttribute(attributes, names.CONVERSATION_ID, 256);

  if (span.kind === SpanKind.SERVER) {
    const route = names.stringAttribute(attributes, names.HTTP_ROUTE, 1024);
    const path = names.stringAttribute(attributes, names.URL_PATH, 4096) ?? names.stringAttribute(attributes, names.URL_FULL, 4096);
    const statusCode = validStatus(names.integerAttribute(attributes, names.HTTP_STATUS));
    const namedAgent = names.stringAttribute(attributes, names.AGENT_NAME, 128);
    const routeAgent =
      options.agentRouteParameter && route !== null && path !== null
        ? routeParameter(route, path, options.agentRouteParameter)
        : null;
    return {
      type: 'record',
      record: {
        kind: 'request',
        traceId: span.traceId,
        spanId: span.spanId,
        serviceName,
        endpoint: endpointOf(route, path, span.name),
        method: methodOf(names.stringAttribute(attributes, names.HTTP_METHOD, 32)),
        statusCode,
        responseTime: durationMs,
        timestamp,
        sessionId,
        userId,
        agentName: namedAgent ?? (routeAgent !== null ? truncateString(routeAgent, 128) : null),
        ipAddress: protectAddress(names.stringAttribute(attributes, names.CLIENT_ADDRESS, 64), options.privacy ?? KEEP_ALL),
        userAgent: names.stringAttribute(attributes, names.USER_AGENT, 512),
        outcome: outcomeOf(statusCode, spanFailed),
        inputTokens,
        outputTokens,
        conversationId,
        parentSpanId,
      },
    };
  }
  const operation = operationOf(span);
  if (operation !== null && MODEL_CALL_OPERATIONS.has(operation)) {
    const receivedAt = new Date(now);
    const call = pendingModelCallOf(span, operation, { serviceName, parentSpanId, startMs, durationMs, sessionId, userId, receivedAt, prices: options.prices });
    // A call that names its agent itself needs no search.
    const ownAgent = agentOf(span, operation);
    return { type: 'record', record: ownAgent === null ? call : attributedCall(call, ownAgent) };
  }
  const namedAgent = agentOf(span, operation);
  if (namedAgent === null && operation !== null) {
    return {
      type: 'record',
      record: {
        kind: 'genai_link', traceId: span.traceId, spanId: span.spanId, serviceName, agentName: null,
        parentSpanId, timestamp, receivedAt: new Date(now),
      },
    };
  }
  if (namedAgent !== null) {
    return {
      type: 'record',
      record: {
        kind: 'agent_invocation',
        traceId: span.traceId,
        spanId: span.spanId,
        serviceName,
        agentName: namedAgent,
        operation: truncateString(span.name, 256),
        responseTime: durationMs,
        timestamp,
        sessionId,
        userId,
        outcome: spanFailed ? 'error' : 'success',
        inputTokens,
        outputTokens,
        conversationId,
        parentSpanId,
      },
    };
  }
  return { type: 'ignored' };
}

/** The span's parent id; '' for a root, and for an id that is not one (wrong length, zeros). */
export function parentSpanIdOf(span: Span): string {
  return SPAN_ID.test(span.parentSpanId) && span.parentSpanId !== ZERO_SPAN_ID ? span.parentSpanId : '';
}

function outcomeOf(statusCode: number | null, spanFailed: boolean): Outcome {
  if (spanFailed || (statusCode !== null && statusCode >= 500)) return 'error';
  if (statusCode !== null && statusCode >= 400) return 'client_error';
  return 'success';
}

function methodOf(method: string | null): string {
  const upper = method?.toUpperCase() ?? '';
  return STORED_METHOD.test(upper) ? upper : 'UNKNOWN';
}

function validStatus(status: number | null): number | null {
  return status !== null && status >= 100 && status <= 999 ? status : null;
}

function validSessionId(value: string | null): string | null {
  return value !== null && SESSION_ID.test(value) ? value : null;
}

function tokenCount(value: number | null): number {
  return value !== null && value > 0 ? value : 0;
}

function describeId(id: string): string {
  if (id.length === 0) return 'an empty id';
  return id.length > 40 ? `${id.length / 2} bytes` : `"${id}"`;
}

function rejected(span: Span, reason: string): MapResult {
  const where = SPAN_ID.test(span.spanId) ? `span ${span.spanId}` : `span "${truncateString(span.name, 64)}"`;
  return { type: 'rejected', reason: `${where}: ${reason}` };
}
