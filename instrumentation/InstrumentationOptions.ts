/**
 * What `spanpulse/register` can be told, and how it is read from the environment.
 *
 * The standard `OTEL_*` variables (service name, endpoints, headers, timeout, compression,
 * sampler, resource attributes, batch processor) are read by the OpenTelemetry SDK and the
 * OTLP exporters themselves; only the protocol and exporter list are read here because they
 * choose which exporter to build. `SPANPULSE_*` covers what the standard has no name for.
 * A bad value is reported (one line each) and its default used: configuration mistakes must
 * never stop the host app.
 */

export type CookieSecureMode = 'auto' | 'always' | 'never';
export type OtlpHttpProtocol = 'http/protobuf' | 'http/json';
export type TracesExporterName = 'otlp' | 'console';
export type ExpressLayerSpans = 'none' | 'handlers' | 'all';

export interface InstrumentationOptions {
  /** Issue and read the session cookie; default true (`SPANPULSE_SESSIONS=false` turns it off). */
  sessions: boolean;
  /** Session cookie name; default `spanpulse_sid` (`SPANPULSE_SESSION_COOKIE`). */
  sessionCookieName: string;
  /**
   * Cookie `Max-Age` in seconds; default undefined: a browser-session cookie that ends when the
   * browser closes (`SPANPULSE_SESSION_COOKIE_MAX_AGE`).
   */
  sessionCookieMaxAgeSeconds: number | undefined;
  /**
   * When the cookie gets `Secure`; default `auto`: when the request came over TLS or its
   * `X-Forwarded-Proto` says https (`SPANPULSE_SESSION_COOKIE_SECURE=auto|true|false`).
   */
  sessionCookieSecure: CookieSecureMode;
  /** Longest wait for the final flush on SIGTERM/SIGINT/beforeExit; default 2000 ms (`SPANPULSE_SHUTDOWN_TIMEOUT_MS`). */
  shutdownTimeoutMs: number;
  /** OTLP/HTTP encoding; default `http/protobuf` (`OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, `OTEL_EXPORTER_OTLP_PROTOCOL`). */
  protocol: OtlpHttpProtocol;
  /** Where spans go; default `otlp`; `none` gives an empty list (`OTEL_TRACES_EXPORTER`). */
  tracesExporters: TracesExporterName[];
  /**
   * Which Express layers get a span of their own; default `none`: the collector counts
   * requests from SERVER spans and ignores layer spans, so by default they are not made at
   * all (`http.route` is still set on the server span). `handlers`: route handlers only;
   * `all`: middleware and routers too, for viewing traces elsewhere (`SPANPULSE_EXPRESS_LAYER_SPANS`).
   */
  expressLayerSpans: ExpressLayerSpans;
}

export interface ReadOptionsResult {
  options: InstrumentationOptions;
  /** One line per ignored value, to be reported by the caller. */
  problems: string[];
}

type Env = Readonly<Record<string, string | undefined>>;

// RFC 6265 cookie-name = token (RFC 7230 tchar).
const COOKIE_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;

export function readInstrumentationOptions(env: Env): ReadOptionsResult {
  const problems: string[] = [];
  const text = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };

  const sessions = readBoolean('SPANPULSE_SESSIONS', text('SPANPULSE_SESSIONS'), true, problems);

  let sessionCookieName = text('SPANPULSE_SESSION_COOKIE') ?? 'spanpulse_sid';
  if (!COOKIE_NAME.test(sessionCookieName)) {
    problems.push(`SPANPULSE_SESSION_COOKIE="${sessionCookieName}" is not a valid cookie name; using spanpulse_sid`);
    sessionCookieName = 'spanpulse_sid';
  }

  const maxAge = readInteger('SPANPULSE_SESSION_COOKIE_MAX_AGE', text('SPANPULSE_SESSION_COOKIE_MAX_AGE'), 1, problems);

  const secureText = text('SPANPULSE_SESSION_COOKIE_SECURE')?.toLowerCase() ?? 'auto';
  const secureModes: Record<string, CookieSecureMode> = { auto: 'auto', true: 'always', false: 'never' };
  const known = Object.hasOwn(secureModes, secureText);
  const sessionCookieSecure = known ? secureModes[secureText]! : 'auto';
  if (!known) problems.push(`SPANPULSE_SESSION_COOKIE_SECURE="${secureText}" is not auto, true or false; using auto`);

  const shutdownTimeoutMs = readInteger('SPANPULSE_SHUTDOWN_TIMEOUT_MS', text('SPANPULSE_SHUTDOWN_TIMEOUT_MS'), 0, problems) ?? 2000;

  const protocolText = text('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? text('OTEL_EXPORTER_OTLP_PROTOCOL') ?? 'http/protobuf';
  let protocol: OtlpHttpProtocol = 'http/protobuf';
  if (protocolText === 'http/json') protocol = 'http/json';
  else if (protocolText !== 'http/protobuf') {
    problems.push(`OTLP protocol "${protocolText}" is not supported (spanpulse speaks OTLP/HTTP); using http/protobuf`);
  }

  const tracesExporters: TracesExporterName[] = [];
  const exporterNames = (text('OTEL_TRACES_EXPORTER') ?? 'otlp').split(',').map((name) => name.trim().toLowerCase());
  if (!exporterNames.includes('none')) {
    for (const name of new Set(exporterNames)) {
      if (name === 'otlp' || name === 'console') tracesExporters.push(name);
      else problems.push(`OTEL_TRACES_EXPORTER "${name}" is not supported; use otlp, console or none`);
    }
    if (tracesExporters.length === 0) tracesExporters.push('otlp');
  }

  const layersText = text('SPANPULSE_EXPRESS_LAYER_SPANS')?.toLowerCase() ?? 'none';
  let expressLayerSpans: ExpressLayerSpans = 'none';
  if (layersText === 'handlers' || layersText === 'all') expressLayerSpans = layersText;
  else if (layersText !== 'none') problems.push(`SPANPULSE_EXPRESS_LAYER_SPANS="${layersText}" is not none, handlers or all; using none`);

  return {
    options: {
      sessions,
      sessionCookieName,
      sessionCookieMaxAgeSeconds: maxAge,
      sessionCookieSecure,
      shutdownTimeoutMs,
      protocol,
      tracesExporters,
      expressLayerSpans,
    },
    problems,
  };
}

function readBoolean(name: string, value: string | undefined, fallback: boolean, problems: string[]): boolean {
  if (value === undefined) return fallback;
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  problems.push(`${name}="${value}" is not true or false; using ${fallback}`);
  return fallback;
}

// Node's timers take at most 2^31-1 ms; a larger delay would fire at once.
const MAX_INTEGER = 2_147_483_647;

/** Plain decimal digits only: `Number()` would also take `0x10`, `1e3` and `1.0`. */
function readInteger(name: string, value: string | undefined, min: number, problems: string[]): number | undefined {
  if (value === undefined) return undefined;
  const parsed = /^\d{1,10}$/.test(value) ? Number(value) : NaN;
  if (parsed >= min && parsed <= MAX_INTEGER) return parsed;
  problems.push(`${name}="${value}" is not a whole number from ${min} to ${MAX_INTEGER}; ignored`);
  return undefined;
}
