/**
 * The config file spanpulse and its commands read when `--config` is not given: SPANPULSE_CONFIG,
 * else ./otel-config.yaml, else the otel-config.yaml the package ships. An installed collector
 * is started from any directory (`npx spanpulse`): without an otel-config.yaml there it runs on
 * the one it ships, every key at its default and the usual variables (SPANPULSE_DATA_DIR,
 * MONGODB_URI, ...) read from the environment.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../packageRoot.js';

export const LOCAL_CONFIG = './otel-config.yaml';

export function defaultConfigPath(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env['SPANPULSE_CONFIG'] || (existsSync(LOCAL_CONFIG) ? LOCAL_CONFIG : join(packageRoot(), 'otel-config.yaml'));
}
