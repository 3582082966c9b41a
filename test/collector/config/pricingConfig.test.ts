/** processors.spanpulse.pricing: validation with key paths, and the price table it gives. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../collector/config/loadConfig.js';
import { priceTableOf } from '../../../collector/config/pricingConfig.js';
import { problemsOf as configProblems } from './configProblems.js';

function configOf(pricing: string, env: Record<string, string> = {}) {
  return parseConfig(`processors: {spanpulse: {pricing: ${pricing}}}`, 'test.yaml', env);
}

const problemsOf = (pricing: string) => configProblems(`processors: {spanpulse: {pricing: ${pricing}}}`);

describe('processors.spanpulse.pricing', () => {
  it('is an empty table in USD by default: every cost null', () => {
    const pricing = parseConfig('{}', 'test.yaml', {}).processors.spanpulse.pricing;
    expect(pricing).toEqual({ currency: 'USD', models: [] });
    expect(priceTableOf(pricing).costNanosOf('openai', 'gpt-4o', Date.now(), { input: 1, output: 1, cacheRead: 0, cacheWrite: 0, reasoning: 0 })).toBeNull();
  });

  it('gives a price table with since dates, prices also from ${env:...}', () => {
    const config = configOf(`{currency: EUR, models: [
      {provider: openai, model: gpt-4o, input: 2.5, output: 10, cache_read: 1.25},
      {provider: anthropic, model: "claude-*", since: 2026-06-01, input: "\${env:CLAUDE_INPUT}", output: 15, cache_write: 3.75, reasoning: 20}]}`,
    { CLAUDE_INPUT: '3' });
    const table = priceTableOf(config.processors.spanpulse.pricing);
    expect(table.currency).toBe('EUR');
    expect(table.priceOf('anthropic', 'claude-opus-4', Date.UTC(2026, 5, 1))).toMatchObject({
      provider: 'anthropic', model: 'claude-*', since: Date.UTC(2026, 5, 1), input: 3, output: 15, cacheRead: null, cacheWrite: 3.75, reasoning: 20,
    });
    expect(table.priceOf('anthropic', 'claude-opus-4', Date.UTC(2026, 5, 1) - 1)).toBeNull();
    expect(table.priceOf('openai', 'gpt-4o', 0)).toMatchObject({ cacheRead: 1.25, cacheWrite: null });
  });

  it('lists every problem with its key path: unknown keys, negative or missing prices, bad dates and currencies', () => {
    const problems = problemsOf(`{currency: usd, colour: red, models: [
      {provider: openai, model: gpt-4o, input: -1, output: 10},
      {provider: openai, model: gpt-4o, input: 1, output: 1, cache_raed: 1},
      {provider: openai, model: gpt-4o, input: 1},
      {provider: openai, model: "o*", since: 2026-02-30, input: 1, output: 1},
      {provider: openai, model: "o*", since: 26-1-1, input: 1, output: 1},
      {provider: openai, model: gpt-4o, input: "", output: 1},
      {provider: "", model: y, input: 1, output: 1}]}`).join('\n');
    const at = (path: string, text: RegExp) => expect(problems).toMatch(new RegExp(`processors\\.spanpulse\\.pricing\\.${path}: .*${text.source}`));
    at('currency', /currency code/);
    at('colour', /unknown key/);
    at('models\\.0\\.input', /negative/);
    at('models\\.1\\.cache_raed', /unknown key/);
    at('models\\.2\\.output', /expected a price/);
    at('models\\.3\\.since', /2026-02-30 is not a calendar date/);
    at('models\\.4\\.since', /expected a date/);
    at('models\\.5\\.input', /expected a price/);
    at('models\\.6\\.provider', /./);
  });

  it('refuses two entries for the same provider, model and since (the table could not choose)', () => {
    expect(problemsOf(`{models: [
      {provider: x, model: "y*", input: 1, output: 1},
      {provider: x, model: "y*", since: 2026-01-01, input: 1, output: 1},
      {provider: x, model: "y*", input: 2, output: 2}]}`)).toEqual([
      'processors.spanpulse.pricing.models.2: has the same provider, model and since as models[0]; keep one',
    ]);
  });
});
