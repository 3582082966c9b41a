/**
 * Opting out of a contract test: a backend names the test and writes down why, and the test
 * is reported as skipped with that reason instead of silently missing.
 */
import { it } from 'vitest';

export interface ContractOptions {
  /** Reasons for tests this backend opts out of, keyed by the test's name. */
  optOut?: Readonly<Record<string, string>>;
}

export function contractTest(options: ContractOptions, name: string, test: () => Promise<void>): void {
  const reason = options.optOut?.[name];
  if (reason === undefined) it(name, test);
  else it.skip(`${name} (opted out: ${reason})`, test);
}
