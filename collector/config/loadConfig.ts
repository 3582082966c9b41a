/**
 * Reading otel-config.yaml: parse, substitute `${env:...}`, apply defaults, reject unknown
 * keys, check the pipeline wiring, and report every problem with its key path at once.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { alertsProblems, configuredWebhooks } from './alertsConfig.js';
import { ConfigSchema, type Config } from './Config.js';
import { substituteEnv, type SubstitutionProblem } from './substituteEnv.js';

export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(source: string, problems: readonly string[]) {
    super(`invalid configuration ${source}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Reads and validates the config file at `path`; throws ConfigError listing every problem. */
export function loadConfig(path: string, env: Readonly<Record<string, string | undefined>> = process.env): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [`cannot read the file: ${(error as Error).message}`]);
  }
  return parseConfig(text, path, env);
}

export function parseConfig(text: string, source: string, env: Readonly<Record<string, string | undefined>>): Config {
  const document = parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(source, document.errors.map((error) => `YAML: ${error.message.split('\n')[0]}`));
  }
  let raw: unknown;
  try {
    raw = document.toJS() ?? {};
  } catch (error) {
    // e.g. "Excessive alias count": a document that expands beyond what yaml allows.
    throw new ConfigError(source, [`YAML: ${(error as Error).message.split('\n')[0]}`]);
  }
  const substitutionProblems: SubstitutionProblem[] = [];
  const substituted = substituteEnv(raw, env, substitutionProblems);
  const problems = substitutionProblems.map((problem) => `${problem.path}: ${problem.message}`);

  const parsed = ConfigSchema.safeParse(substituted);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.join('.');
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) problems.push(`${path ? `${path}.` : ''}${key}: unknown key`);
      } else {
        problems.push(`${path || '(root)'}: ${issue.message}`);
      }
    }
  } else {
    problems.push(...wiringProblems(parsed.data));
  }
  if (problems.length > 0) throw new ConfigError(source, problems);
  return parsed.data as Config;
}

const KNOWN = {
  receivers: ['otlp'],
  processors: ['memory_limiter', 'spanpulse', 'batch'],
  exporters: ['mongodb', 'sqlite'],
  extensions: ['status_api', 'retention', 'alerts', 'reports'],
} as const;

function wiringProblems(config: Config): string[] {
  const problems: string[] = [];
  const traces = config.service.pipelines.traces;
  const check = (list: readonly string[], known: readonly string[], path: string) => {
    list.forEach((name, i) => {
      if (!known.includes(name)) problems.push(`${path}[${i}]: "${name}" is not a component; expected one of ${known.join(', ')}`);
    });
  };
  check(traces.receivers, KNOWN.receivers, 'service.pipelines.traces.receivers');
  check(traces.processors, KNOWN.processors, 'service.pipelines.traces.processors');
  check(traces.exporters, KNOWN.exporters, 'service.pipelines.traces.exporters');
  check(config.service.extensions, KNOWN.extensions, 'service.extensions');
  if (!traces.receivers.includes('otlp')) problems.push('service.pipelines.traces.receivers: must include otlp');
  const limiterAt = traces.processors.indexOf('memory_limiter');
  if (limiterAt > 0) {
    problems.push('service.pipelines.traces.processors: memory_limiter must come first (it refuses requests before anything is done with them)');
  } else if (traces.processors[limiterAt + 1] !== 'spanpulse') {
    problems.push('service.pipelines.traces.processors: must start with spanpulse, or memory_limiter then spanpulse (it maps spans to records; batch, if listed, groups them after it)');
  }
  const duplicate = (list: readonly string[]) => list.find((name, i) => list.indexOf(name) !== i);
  for (const [path, list] of [['service.extensions', config.service.extensions], ['service.pipelines.traces.processors', traces.processors],
    ['service.pipelines.traces.exporters', traces.exporters]] as const) {
    const twice = duplicate(list);
    if (twice !== undefined) problems.push(`${path}: lists "${twice}" twice`);
  }
  if (traces.exporters.length === 0) problems.push('service.pipelines.traces.exporters: must list mongodb and/or sqlite');
  if (!traces.exporters.includes('sqlite') && config.exporters.mongodb.uri === '') {
    problems.push('exporters.mongodb.uri: is empty and sqlite is not in service.pipelines.traces.exporters, so there is no store; set MONGODB_URI or add sqlite');
  }
  if (config.extensions.reports.webhooks && configuredWebhooks(config.extensions.alerts).length === 0) {
    problems.push('extensions.reports.webhooks: is true but extensions.alerts.webhooks has no url to post the reports to');
  }
  const spanpulse = config.processors.spanpulse;
  if ((spanpulse.client_address === 'hash' || spanpulse.user_id === 'hash') && spanpulse.hash_secret.length < 16) {
    problems.push('processors.spanpulse.hash_secret: hash needs a secret of at least 16 characters (set SPANPULSE_HASH_SECRET); without it a hash of an address or id could be reversed by trying them all');
  }
  const statusApi = config.extensions.status_api;
  // Without a token nobody could sign in, so "private" would mean "closed to everyone".
  for (const key of ['public', 'metrics_public'] as const) {
    if (!statusApi[key] && statusApi.auth.bearer_token === '') {
      problems.push(`extensions.status_api.${key}: false needs a token in extensions.status_api.auth.bearer_token (SPANPULSE_API_TOKEN), or nobody could read what it closes`);
    }
  }
  if (config.extensions.status_api.down_error_rate < config.extensions.status_api.degraded_error_rate) {
    problems.push('extensions.status_api.down_error_rate: must be >= degraded_error_rate');
  }
  problems.push(...alertsProblems(config.extensions.alerts, config.extensions.retention.minute_metrics));
  return problems;
}
