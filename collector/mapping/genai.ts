/**
 * Mapping GenAI spans (OpenTelemetry GenAI conventions, old and new names: attributes.ts):
 * which operations are model calls, which name an agent, and the model-call record of a span.
 * The agent a model call is credited to is found afterwards (mapSpans.ts within a request,
 * collector/genai/ModelCallResolver.ts across requests).
 */
import type { Span } from '../pdata/Span.js';
import { StatusCode } from '../pdata/Span.js';
import type { PriceTable } from '../pricing/PriceTable.js';
import type { ModelCallRecord, PendingModelCallRecord } from '../store/types.js';
import * as names from './attributes.js';

/** gen_ai.operation.name values that are one call to a model: inference and embeddings. */
export const MODEL_CALL_OPERATIONS: ReadonlySet<string> = new Set(['chat', 'text_completion', 'generate_content', 'embeddings']);

/** The operation whose span is an agent's run. */
export const INVOKE_AGENT = 'invoke_agent';

/** error.type of a failed call that did not say why (the conventions' fallback value). */
export const OTHER_ERROR = '_OTHER';

export function operationOf(span: Span): string | null {
  return names.stringAttribute(span.attributes, names.GENAI_OPERATION, 64);
}

/**
 * The agent a non-SERVER span stands for: gen_ai.agent.name, else for an invoke_agent span
 * its gen_ai.agent.id (an agent known by id only is still an agent).
 */
export function agentOf(span: Span, operation: string | null): string | null {
  return names.stringAttribute(span.attributes, names.AGENT_NAME, 128)
    ?? (operation === INVOKE_AGENT ? names.stringAttribute(span.attributes, names.AGENT_ID, 128) : null);
}

export interface ModelCallContext {
  serviceName: string;
  /** The span's parent, '' for a root (validated by mapSpan). */
  parentSpanId: string;
  startMs: number;
  durationMs: number;
  sessionId: string | null;
  userId: string | null;
  receivedAt: Date;
  prices: PriceTable | undefined;
}

/**
 * The model call of a span as pending (its agent unknown yet; lookupSpanId = its parent).
 * Input tokens include cached ones (the conventions say so); a count that is negative or not
 * an integer is 0. The model is the response model, else the request model.
 */
export function pendingModelCallOf(span: Span, operation: string, context: ModelCallContext): PendingModelCallRecord {
  const attributes = span.attributes;
  const count = (attribute: readonly string[]) => {
    const value = names.integerAttribute(attributes, attribute);
    return value !== null && value > 0 ? value : 0;
  };
  const provider = names.stringAttribute(attributes, names.GENAI_PROVIDER, 128);
  const model = names.stringAttribute(attributes, names.RESPONSE_MODEL, 256) ?? names.stringAttribute(attributes, names.REQUEST_MODEL, 256);
  const errorType = names.stringAttribute(attributes, names.ERROR_TYPE, 128);
  const failed = span.statusCode === StatusCode.ERROR || errorType !== null;
  const usage = {
    input: count(names.INPUT_TOKENS),
    output: count(names.OUTPUT_TOKENS),
    cacheRead: count(names.CACHE_READ_TOKENS),
    cacheWrite: count(names.CACHE_WRITE_TOKENS),
    reasoning: count(names.REASONING_TOKENS),
  };
  return {
    kind: 'pending_model_call',
    traceId: span.traceId,
    spanId: span.spanId,
    serviceName: context.serviceName,
    agentName: null,
    operation,
    provider,
    model,
    responseTime: context.durationMs,
    timestamp: new Date(context.startMs),
    sessionId: context.sessionId,
    userId: context.userId,
    conversationId: names.stringAttribute(attributes, names.CONVERSATION_ID, 256),
    outcome: failed ? 'error' : 'success',
    errorType: failed ? (errorType ?? OTHER_ERROR) : null,
    inputTokens: usage.input,
    outputTokens: usage.output,
    cacheReadTokens: usage.cacheRead,
    cacheWriteTokens: usage.cacheWrite,
    reasoningTokens: usage.reasoning,
    costNanos: context.prices?.costNanosOf(provider, model, context.startMs, usage) ?? null,
    parentSpanId: context.parentSpanId,
    lookupSpanId: context.parentSpanId,
    receivedAt: context.receivedAt,
  };
}

/** The counted record of a model call once its agent is known (or given up: UNATTRIBUTED). */
export function attributedCall(pending: PendingModelCallRecord, agentName: string): ModelCallRecord {
  const { kind: _kind, agentName: _none, lookupSpanId: _lookup, receivedAt: _received, ...fields } = pending;
  return { kind: 'model_call', ...fields, agentName };
}
