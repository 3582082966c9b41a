/**
 * `processors.spanpulse.pricing`: the price table of model calls (collector/pricing/PriceTable.ts),
 * prices per million tokens in one `currency`. Validated like every key (unknown keys, negative
 * prices, bad dates, two entries for the same provider, model and date: errors with their path).
 *
 *   pricing:
 *     currency: USD
 *     models:
 *       - {provider: openai, model: gpt-4o, input: 2.5, output: 10, cache_read: 1.25}
 *       - {provider: openai, model: "gpt-4o-mini*", input: 0.15, output: 0.6}
 *       - {provider: anthropic, model: "claude-*", since: 2026-06-01, input: 3, output: 15, cache_read: 0.3, cache_write: 3.75}
 */
import { z } from 'zod';
import { PriceTable, type Price } from '../pricing/PriceTable.js';

/** The currency of a price table that names none. */
export const DEFAULT_CURRENCY = 'USD';

/** A price per million tokens, also as a string after ${env:...} substitution; empty is an error, not 0. */
const price = z.preprocess(
  (value) => (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value),
  z.number({ error: 'expected a price per million tokens, such as 2.5' }).nonnegative('a price cannot be negative').finite(),
);

const entry = z.strictObject({
  /** As in gen_ai.provider.name (or the older gen_ai.system); `*` for any. */
  provider: z.string().min(1),
  /** The response model, else the request model: a name or a glob (`*`, `?`). */
  model: z.string().min(1),
  /** From this UTC date on (YYYY-MM-DD); absent: always. */
  since: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date such as 2026-06-01')
    .superRefine((date, ctx) => {
      if (sinceOf(date) === null) ctx.addIssue({ code: 'custom', message: `${date} is not a calendar date` });
    }).optional(),
  input: price,
  output: price,
  cache_read: price.optional(),
  cache_write: price.optional(),
  reasoning: price.optional(),
});

export const pricingConfig = z.strictObject({
  /** ISO 4217 code of every price in the table. */
  currency: z.string().regex(/^[A-Z]{3}$/, 'expected a currency code such as USD').default(DEFAULT_CURRENCY),
  models: z.array(entry).default([]),
}).prefault({}).superRefine((pricing, ctx) => {
  const seen = new Map<string, number>();
  pricing.models.forEach((model, i) => {
    const key = JSON.stringify([model.provider, model.model, model.since ?? '']);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['models', i], message: `has the same provider, model and since as models[${earlier}]; keep one` });
    }
    seen.set(key, i);
  });
});

export type PricingConfig = z.output<typeof pricingConfig>;

export function priceTableOf(pricing: PricingConfig): PriceTable {
  const prices: Price[] = pricing.models.map((m) => ({
    provider: m.provider,
    model: m.model,
    since: m.since === undefined ? 0 : sinceOf(m.since)!,
    input: m.input,
    output: m.output,
    cacheRead: m.cache_read ?? null,
    cacheWrite: m.cache_write ?? null,
    reasoning: m.reasoning ?? null,
  }));
  return new PriceTable(prices, pricing.currency);
}

/** Start of the UTC day `date` (YYYY-MM-DD), or null when there is no such day (2026-02-30). */
function sinceOf(date: string): number | null {
  const ms = Date.parse(`${date}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === date ? ms : null;
}
