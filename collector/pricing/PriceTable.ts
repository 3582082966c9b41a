/**
 * What model calls cost (`processors.spanpulse.pricing`, README "Cost"): a table of prices per
 * million tokens, per provider and model, in one currency. There is no built-in list: prices
 * change, and a guessed price is worse than none, so a model without an entry has `cost: null`.
 *
 * An entry names a provider (exact, or `*`) and a model: exact, or a glob (`*` any run of
 * characters, `?` one). The most specific entry that matches wins: an exact model over a glob,
 * then the glob with more literal characters, then an exact provider over `*`. Of entries equal
 * in that, the one with the latest `since` not after the call wins (a price change keeps older
 * calls at the older price). Two different globs equally specific that both match a model
 * (`gpt-4*` and `*-mini`): the one listed first wins. Two entries with the same provider,
 * model and since are a configuration error.
 *
 * A call's cost: input tokens include cached ones (as the GenAI conventions say), so uncached
 * input is input - cache read - cache write, each part at its own price (cache prices default to
 * the input price); reasoning tokens are part of the output tokens, at the reasoning price when
 * one is set, else at the output price.
 */

export interface Price {
  provider: string;
  model: string;
  /** UTC epoch ms from which this price applies; 0 for always. */
  since: number;
  /** Per million tokens. */
  input: number;
  output: number;
  cacheRead: number | null;
  cacheWrite: number | null;
  reasoning: number | null;
}

export interface TokenUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
}

interface Entry extends Price {
  specificity: [number, number, number];
  pattern: RegExp;
}

export class PriceTable {
  private readonly entries: Entry[];

  /** `prices` as validated by the config (collector/config/pricingConfig.ts). */
  constructor(prices: readonly Price[], readonly currency: string) {
    this.entries = prices.map((price) => ({ ...price, specificity: specificity(price), pattern: globPattern(price.model) }));
    const seen = new Set<string>();
    for (const entry of this.entries) {
      const key = JSON.stringify([entry.provider, entry.model, entry.since]);
      if (seen.has(key)) throw new Error(`two prices for provider ${entry.provider} and model ${entry.model} from the same date`);
      seen.add(key);
    }
  }

  get empty(): boolean {
    return this.entries.length === 0;
  }

  /** The price of `model` by `provider` at `at` (epoch ms), or null when no entry matches. */
  priceOf(provider: string | null, model: string | null, at: number): Price | null {
    if (model === null) return null;
    let best: Entry | null = null;
    for (const entry of this.entries) {
      if (entry.since > at || (entry.provider !== '*' && entry.provider !== provider) || !entry.pattern.test(model)) continue;
      if (best === null || compare(entry, best) > 0) best = entry;
    }
    return best;
  }

  /**
   * The cost of a call in billionths of the table's currency (rounded to a whole number, so
   * that sums of many calls are exact in any order), or null when its model has no price.
   */
  costNanosOf(provider: string | null, model: string | null, at: number, usage: TokenUsage): number | null {
    const price = this.priceOf(provider, model, at);
    if (price === null) return null;
    const cacheRead = Math.min(usage.cacheRead, usage.input);
    const cacheWrite = Math.min(usage.cacheWrite, usage.input - cacheRead);
    const reasoning = Math.min(usage.reasoning, usage.output);
    // Tokens times prices per million tokens: millionths of the currency.
    const millionths = (usage.input - cacheRead - cacheWrite) * price.input
      + cacheRead * (price.cacheRead ?? price.input)
      + cacheWrite * (price.cacheWrite ?? price.input)
      + (usage.output - reasoning) * price.output
      + reasoning * (price.reasoning ?? price.output);
    return Math.round(millionths * 1000);
  }
}

function compare(a: Entry, b: Entry): number {
  for (let i = 0; i < 3; i++) {
    const difference = a.specificity[i]! - b.specificity[i]!;
    if (difference !== 0) return difference;
  }
  return a.since - b.since;
}

/** [exact model, literal characters of the model, exact provider]: larger is more specific. */
function specificity(price: Price): [number, number, number] {
  const literal = price.model.replace(/[*?]/g, '').length;
  return [/[*?]/.test(price.model) ? 0 : 1, literal, price.provider === '*' ? 0 : 1];
}

function globPattern(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}
