/** The price table: which entry prices a call (most specific, then latest since), and what it costs. */
import { describe, expect, it } from 'vitest';
import { PriceTable, type Price } from '../../../collector/pricing/PriceTable.js';

const JUNE = Date.UTC(2026, 5, 1);

function price(provider: string, model: string, input: number, output: number, more: Partial<Price> = {}): Price {
  return { provider, model, since: 0, input, output, cacheRead: null, cacheWrite: null, reasoning: null, ...more };
}

const usage = (input: number, output: number, more: Partial<{ cacheRead: number; cacheWrite: number; reasoning: number }> = {}) =>
  ({ input, output, cacheRead: 0, cacheWrite: 0, reasoning: 0, ...more });

describe('PriceTable', () => {
  const table = new PriceTable([
    price('*', '*', 100, 100),
    price('openai', 'gpt-4o*', 5, 15),
    price('openai', 'gpt-4o', 2.5, 10, { cacheRead: 1.25 }),
    price('openai', 'gpt-4o-mini*', 0.15, 0.6),
    price('*', 'gpt-4o-mini-2024-07-18', 0.3, 1.2),
    price('anthropic', 'claude-?-haiku', 0.8, 4),
    price('anthropic', 'claude-*', 3, 15, { cacheRead: 0.3, cacheWrite: 3.75 }),
    price('anthropic', 'claude-*', 4, 20, { since: JUNE }),
  ], 'EUR');

  it('picks the most specific entry: an exact model over globs, the longer literal glob, an exact provider over *', () => {
    const at = Date.UTC(2026, 0, 1);
    expect(table.priceOf('openai', 'gpt-4o', at)).toMatchObject({ model: 'gpt-4o', input: 2.5 });
    expect(table.priceOf('openai', 'gpt-4o-2024-08-06', at)).toMatchObject({ model: 'gpt-4o*' });
    expect(table.priceOf('openai', 'gpt-4o-mini', at)).toMatchObject({ model: 'gpt-4o-mini*' });
    // An exact model under provider * beats a glob of the exact provider.
    expect(table.priceOf('openai', 'gpt-4o-mini-2024-07-18', at)).toMatchObject({ provider: '*', input: 0.3 });
    expect(table.priceOf('anthropic', 'claude-3-haiku', at)).toMatchObject({ model: 'claude-?-haiku' });
    expect(table.priceOf('anthropic', 'claude-3-5-haiku', at)).toMatchObject({ model: 'claude-*', input: 3 });
    expect(table.priceOf('azure', 'gpt-4o', at)).toMatchObject({ provider: '*', model: '*' });
  });

  it('applies a price from its since date on, keeping earlier calls at the earlier price', () => {
    expect(table.priceOf('anthropic', 'claude-sonnet-4', JUNE - 1)).toMatchObject({ input: 3 });
    expect(table.priceOf('anthropic', 'claude-sonnet-4', JUNE)).toMatchObject({ input: 4 });
  });

  it('costs each token kind at its price, in billionths of the currency: cached input apart, reasoning as output', () => {
    const at = Date.UTC(2026, 0, 1);
    // (1000 - 400) x 2.5 + 400 x 1.25 + 200 x 10 = 4000 millionths = 0.004
    expect(table.costNanosOf('openai', 'gpt-4o', at, usage(1000, 200, { cacheRead: 400, reasoning: 50 }))).toBe(4_000_000);
    // (1000 - 100 - 300) x 3 + 100 x 0.3 + 300 x 3.75 + 10 x 15 = 1800 + 30 + 1125 + 150 = 3105 millionths
    expect(table.costNanosOf('anthropic', 'claude-opus-4', at, usage(1000, 10, { cacheRead: 100, cacheWrite: 300 }))).toBe(3_105_000);
    // 1 token at 0.15 per million: 150 billionths.
    expect(table.costNanosOf('openai', 'gpt-4o-mini', at, usage(1, 0))).toBe(150);
    expect(table.currency).toBe('EUR');
  });

  it('prices reasoning tokens at their own price when set, cache tokens at the input price when not', () => {
    const own = new PriceTable([price('x', 'm', 1, 2, { reasoning: 8 })], 'USD');
    // 100 x 1 (cache read at the input price) + (50 - 20) x 2 + 20 x 8 = 100 + 60 + 160
    expect(own.costNanosOf('x', 'm', 0, usage(100, 50, { cacheRead: 100, reasoning: 20 }))).toBe(320_000);
  });

  it('has no price, so no cost, for a model without an entry, a call without a model, or before the first since', () => {
    const narrow = new PriceTable([price('openai', 'gpt-4o', 2.5, 10, { since: JUNE })], 'USD');
    expect(narrow.costNanosOf('openai', 'gpt-4.1', JUNE, usage(10, 10))).toBeNull();
    expect(narrow.costNanosOf('openai', null, JUNE, usage(10, 10))).toBeNull();
    expect(narrow.costNanosOf('anthropic', 'gpt-4o', JUNE, usage(10, 10))).toBeNull();
    expect(narrow.costNanosOf('openai', 'gpt-4o', JUNE - 1, usage(10, 10))).toBeNull();
    expect(new PriceTable([], 'USD').costNanosOf('openai', 'gpt-4o', JUNE, usage(10, 10))).toBeNull();
  });

  it('of two globs as specific that both match, the one listed first wins', () => {
    const tie = new PriceTable([price('p', 'gpt-4*', 1, 1), price('p', '*-mini', 2, 2)], 'USD');
    expect(tie.priceOf('p', 'gpt-4-mini', 0)).toMatchObject({ input: 1 });
    const reversed = new PriceTable([price('p', '*-mini', 2, 2), price('p', 'gpt-4*', 1, 1)], 'USD');
    expect(reversed.priceOf('p', 'gpt-4-mini', 0)).toMatchObject({ input: 2 });
  });

  it('treats glob characters only as globs: a dot in a model name is a dot', () => {
    const dotted = new PriceTable([price('p', 'model.v1', 1, 1)], 'USD');
    expect(dotted.priceOf('p', 'modelXv1', 0)).toBeNull();
    expect(dotted.priceOf('p', 'model.v1', 0)).not.toBeNull();
  });
});
