import { describe, expect, it } from 'vitest';
import { readInstrumentationOptions } from '../../instrumentation/InstrumentationOptions.js';

describe('readInstrumentationOptions', () => {
  it('has a default for everything', () => {
    expect(readInstrumentationOptions({})).toEqual({
      options: {
        sessions: true,
        sessionCookieName: 'spanpulse_sid',
        sessionCookieMaxAgeSeconds: undefined,
        sessionCookieSecure: 'auto',
        shutdownTimeoutMs: 2000,
        protocol: 'http/protobuf',
        tracesExporters: ['otlp'],
        expressLayerSpans: 'none',
      },
      problems: [],
    });
  });

  it.each([
    { env: { SPANPULSE_SESSIONS: 'false' }, field: 'sessions', value: false },
    { env: { SPANPULSE_SESSION_COOKIE: 'sid' }, field: 'sessionCookieName', value: 'sid' },
    { env: { SPANPULSE_SESSION_COOKIE_MAX_AGE: '1800' }, field: 'sessionCookieMaxAgeSeconds', value: 1800 },
    { env: { SPANPULSE_SESSION_COOKIE_SECURE: 'true' }, field: 'sessionCookieSecure', value: 'always' },
    { env: { SPANPULSE_SESSION_COOKIE_SECURE: 'FALSE' }, field: 'sessionCookieSecure', value: 'never' },
    { env: { SPANPULSE_SHUTDOWN_TIMEOUT_MS: '500' }, field: 'shutdownTimeoutMs', value: 500 },
    { env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, field: 'protocol', value: 'http/json' },
    { env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' }, field: 'protocol', value: 'http/protobuf' },
    { env: { OTEL_TRACES_EXPORTER: 'none' }, field: 'tracesExporters', value: [] },
    { env: { OTEL_TRACES_EXPORTER: 'otlp, console' }, field: 'tracesExporters', value: ['otlp', 'console'] },
    { env: { SPANPULSE_SESSION_COOKIE: '  ' }, field: 'sessionCookieName', value: 'spanpulse_sid' },
    { env: { SPANPULSE_EXPRESS_LAYER_SPANS: 'ALL' }, field: 'expressLayerSpans', value: 'all' },
    { env: { SPANPULSE_EXPRESS_LAYER_SPANS: 'handlers' }, field: 'expressLayerSpans', value: 'handlers' },
  ])('$env', ({ env, field, value }) => {
    const { options, problems } = readInstrumentationOptions(env);
    expect(options[field as keyof typeof options]).toEqual(value);
    expect(problems).toEqual([]);
  });

  it.each([
    { env: { SPANPULSE_SESSIONS: 'off' }, field: 'sessions', value: true, problem: 'SPANPULSE_SESSIONS="off" is not true or false; using true' },
    { env: { SPANPULSE_SESSION_COOKIE: 'a;b' }, field: 'sessionCookieName', value: 'spanpulse_sid', problem: 'SPANPULSE_SESSION_COOKIE="a;b" is not a valid cookie name; using spanpulse_sid' },
    { env: { SPANPULSE_SESSION_COOKIE_MAX_AGE: '-5' }, field: 'sessionCookieMaxAgeSeconds', value: undefined, problem: 'SPANPULSE_SESSION_COOKIE_MAX_AGE="-5" is not a whole number from 1 to 2147483647; ignored' },
    { env: { SPANPULSE_SESSION_COOKIE_SECURE: 'maybe' }, field: 'sessionCookieSecure', value: 'auto', problem: 'SPANPULSE_SESSION_COOKIE_SECURE="maybe" is not auto, true or false; using auto' },
    { env: { SPANPULSE_SHUTDOWN_TIMEOUT_MS: '2s' }, field: 'shutdownTimeoutMs', value: 2000, problem: 'SPANPULSE_SHUTDOWN_TIMEOUT_MS="2s" is not a whole number from 0 to 2147483647; ignored' },
    { env: { SPANPULSE_SHUTDOWN_TIMEOUT_MS: '0x10' }, field: 'shutdownTimeoutMs', value: 2000, problem: 'SPANPULSE_SHUTDOWN_TIMEOUT_MS="0x10" is not a whole number from 0 to 2147483647; ignored' },
    { env: { SPANPULSE_SHUTDOWN_TIMEOUT_MS: '9999999999' }, field: 'shutdownTimeoutMs', value: 2000, problem: 'SPANPULSE_SHUTDOWN_TIMEOUT_MS="9999999999" is not a whole number from 0 to 2147483647; ignored' },
    { env: { SPANPULSE_SESSION_COOKIE_SECURE: 'constructor' }, field: 'sessionCookieSecure', value: 'auto', problem: 'SPANPULSE_SESSION_COOKIE_SECURE="constructor" is not auto, true or false; using auto' },
    { env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, field: 'protocol', value: 'http/protobuf', problem: 'OTLP protocol "grpc" is not supported (spanpulse speaks OTLP/HTTP); using http/protobuf' },
    { env: { SPANPULSE_EXPRESS_LAYER_SPANS: 'some' }, field: 'expressLayerSpans', value: 'none', problem: 'SPANPULSE_EXPRESS_LAYER_SPANS="some" is not none, handlers or all; using none' },
    { env: { OTEL_TRACES_EXPORTER: 'zipkin' }, field: 'tracesExporters', value: ['otlp'], problem: 'OTEL_TRACES_EXPORTER "zipkin" is not supported; use otlp, console or none' },
  ])('reports $env and uses the default', ({ env, field, value, problem }) => {
    const { options, problems } = readInstrumentationOptions(env);
    expect(options[field as keyof typeof options]).toEqual(value);
    expect(problems).toEqual([problem]);
  });
});
