/** The problems a config text is refused with (none when it is valid), for the config tests. */
import { ConfigError, parseConfig } from '../../../collector/config/loadConfig.js';

export function problemsOf(text: string, env: Record<string, string> = {}): readonly string[] {
  try {
    parseConfig(text, 'test.yaml', env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}
