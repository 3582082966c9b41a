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

const price = z.coerce.number().nonnegative('a price cannot be negative').finite();

const entry = z.strictObject({
  /** As in gen_ai.provider.name (or the older gen_ai.system); `*` for any. */
  provider: z.string().min(1),
  /** The response model, else the request model: a name or a glob (`*`, `?`). */
  model: z.string().min(1),
  /** From this UTC date on (YYYY-MM-DD); absent: always. */
  since: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date such as 2026-06-01').optional(),
  input: price,
  output: price,
  cache_read: price.optional(),
  cache_write: price.optional(),
  reasoning: price.optional(),
});

export const pricingConfig = z.strictObject({
  /** ISO 4217 code of every price in the table. */
  currency: z.string().regex(/^[A-Z]{3}$/, 'expected a currency code such as USD').default('USD'),
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
    if (model.since !== undefined && Number.isNaN(Date.parse(`${model.since}T00:00:00Z`))) {
      ctx.addIssue({ code: 'custom', path: ['models', i, 'since'], message: `${model.since} is not a calendar date` });
    }
  });
});

export type PricingConfig = z.output<typeof pricingConfig>;

export function priceTableOf(pricing: PricingConfig): PriceTable {
  const prices: Price[] = pricing.models.map((m) => ({
    provider: m.provider,
    model: m.model,
    since: m.since === undefined ? 0 : Date.parse(`${m.since}T00:00:00Z`),
    input: m.input,
    output: m.output,
    cacheRead: m.cache_read ?? null,
    cacheWrite: m.cache_write ?? null,
    reasoning: m.reasoning ?? null,
  }));
  return new PriceTable(prices, pricing.currency);
}
