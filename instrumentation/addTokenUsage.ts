/**
 * Adds the tokens an AI model call used to the current request
 * (`gen_ai.usage.input_tokens` / `gen_ai.usage.output_tokens` on its SERVER span).
 */
import type { Span } from '@opentelemetry/api';
import { ATTR_GEN_AI_INPUT_TOKENS, ATTR_GEN_AI_OUTPUT_TOKENS } from './attributeNames.js';
import { currentServerSpan } from './currentServerSpan.js';

export interface TokenUsage {
  /** Prompt tokens of one model call; default 0. */
  inputTokens?: number;
  /** Completion tokens of one model call; default 0. */
  outputTokens?: number;
}

// Span attributes cannot be read back through the API, so the running totals live here.
// Keyed weakly by span: an ended request leaves nothing behind.
const totals = new WeakMap<Span, { input: number; output: number }>();

/**
 * Adds one model call's token counts to the current request; several calls in one request
 * add up. Counts must be whole numbers >= 0; other values are ignored. A no-op when spanpulse
 * is not running or outside a traced request. Never throws.
 */
export function addTokenUsage(usage: TokenUsage): void {
  try {
    const input = tokenCount(usage?.inputTokens);
    const output = tokenCount(usage?.outputTokens);
    if (input === 0 && output === 0) return;
    const span = currentServerSpan();
    if (span === undefined) return;
    let total = totals.get(span);
    if (total === undefined) {
      total = { input: 0, output: 0 };
      totals.set(span, total);
    }
    total.input += input;
    total.output += output;
    span.setAttributes({ [ATTR_GEN_AI_INPUT_TOKENS]: total.input, [ATTR_GEN_AI_OUTPUT_TOKENS]: total.output });
  } catch {
    // Accounting is best effort; the app's request is not.
  }
}

function tokenCount(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : 0;
}
