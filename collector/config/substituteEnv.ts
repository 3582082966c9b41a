/**
 * `${env:NAME}` and `${env:NAME:-default}` substitution in config values, as the
 * OpenTelemetry Collector does it: applied to every string value after the YAML is parsed,
 * so a substituted value can never change the structure of the file. An unset variable
 * without a default becomes the empty string. `$$` escapes a literal `$`.
 * `${env:NAME-default}` (as in POSIX shells) takes the default only when NAME is unset, so a
 * variable set to the empty string can turn a component off (SPANPULSE_OTLP_GRPC_ENDPOINT=).
 */

const REFERENCE = /\$\$|\$\{([^}]*)\}/g;
const ENV_REFERENCE = /^env:([A-Za-z_][A-Za-z0-9_]*)(?:(:?)-(.*))?$/s;

export interface SubstitutionProblem {
  path: string;
  message: string;
}

/** A copy of `value` with references replaced; problems (malformed references) are pushed to `problems`. */
export function substituteEnv(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  problems: SubstitutionProblem[],
  path = '',
): unknown {
  if (typeof value === 'string') return substituteString(value, env, problems, path);
  if (Array.isArray(value)) return value.map((item, i) => substituteEnv(item, env, problems, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const [key, item] of Object.entries(value)) copy[key] = substituteEnv(item, env, problems, path ? `${path}.${key}` : key);
    return copy;
  }
  return value;
}

function substituteString(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  problems: SubstitutionProblem[],
  path: string,
): string {
  return text.replace(REFERENCE, (whole, inner: string | undefined) => {
    if (whole === '$$') return '$';
    const match = ENV_REFERENCE.exec(inner ?? '');
    if (!match) {
      problems.push({ path, message: `"${whole}" is not a valid reference; use \${env:NAME} or \${env:NAME:-default}` });
      return '';
    }
    const current = env[match[1]!];
    const emptyTakesDefault = match[2] === ':';
    if (current !== undefined && (current !== '' || !emptyTakesDefault)) return current;
    return match[3] ?? current ?? '';
  });
}
