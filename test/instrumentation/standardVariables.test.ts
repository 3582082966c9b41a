/**
 * The standard OpenTelemetry variables reach the SDK spanpulse starts: export headers (here
 * the collector's ingest token), resource attributes and service name, and the sampler.
 * A real host app under `node --import`, a real collector requiring a bearer token, and a
 * proxy between them that keeps what was sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeProtobufTraces } from '../../collector/receiver/otlphttp/decodeProtobufTraces.js';
import { startTestSpanpulse, type TestSpanpulse } from '../support/spanpulse.js';
import { ESM_EXPRESS5_APP, startHostApp } from './support/hostApp.js';
import { startRecordingProxy, type RecordingProxy } from './support/recordingProxy.js';

const TOKEN = 'std-vars-token';

describe('standard OTEL_* variables', () => {
  let collector: TestSpanpulse;
  let proxy: RecordingProxy;

  beforeAll(async () => {
    collector = await startTestSpanpulse({ env: { SPANPULSE_INGEST_TOKEN: TOKEN } });
    proxy = await startRecordingProxy(collector.otlpUrl);
  });

  afterAll(async () => {
    await proxy?.close();
    await collector?.stop();
  });

  const storedCount = async (serviceName: string): Promise<number> => (await collector.recentRequests(serviceName)).length;

  it('sends OTEL_EXPORTER_OTLP_HEADERS with every export and reports OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME', async () => {
    const before = proxy.exports.length;
    const app = await startHostApp({
      entry: ESM_EXPRESS5_APP,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: proxy.url,
        OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer%20${TOKEN},x-tenant=acme`,
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=staging,service.version=1.2.3',
        OTEL_SERVICE_NAME: 'std-vars-app',
        OTEL_BSP_SCHEDULE_DELAY: '600000',
      },
    });
    try {
      for (let i = 0; i < 3; i++) await (await fetch(`${app.baseUrl}/ping`)).arrayBuffer();
      expect(await app.stop('SIGTERM')).toEqual({ code: null, signal: 'SIGTERM' });
    } finally {
      app.child.kill('SIGKILL');
    }
    const sent = proxy.exports.slice(before);
    expect(sent.length).toBeGreaterThan(0);
    for (const { headers } of sent) {
      expect(headers['authorization']).toBe(`Bearer ${TOKEN}`);
      expect(headers['x-tenant']).toBe('acme');
    }
    const spans = sent.flatMap(({ body }) => decodeProtobufTraces(body));
    expect(spans.filter((span) => span.kind === 2)).toHaveLength(3);
    for (const span of spans) {
      expect(span.resource.get('service.name')).toBe('std-vars-app');
      expect(span.resource.get('deployment.environment.name')).toBe('staging');
      expect(span.resource.get('service.version')).toBe('1.2.3');
    }
    // The collector accepted them only because the header carried its token.
    expect(await storedCount('std-vars-app')).toBe(3);
  });

  it('without the token header the collector refuses the spans, and the app is unaffected', async () => {
    const app = await startHostApp({
      entry: ESM_EXPRESS5_APP,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: proxy.url, OTEL_SERVICE_NAME: 'std-vars-no-token', OTEL_BSP_SCHEDULE_DELAY: '600000' },
    });
    try {
      const response = await fetch(`${app.baseUrl}/ping`);
      expect(response.status).toBe(200);
      await response.arrayBuffer();
      expect(await app.stop('SIGTERM')).toEqual({ code: null, signal: 'SIGTERM' });
    } finally {
      app.child.kill('SIGKILL');
    }
    expect(app.stderr()).toMatch(/spanpulse: cannot export spans to \S+ \(HTTP 401: Unauthorized\)/);
    expect(await storedCount('std-vars-no-token')).toBe(0);
  });

  it('honours OTEL_TRACES_SAMPLER: always_off exports nothing, yet every response still gets its session cookie', async () => {
    const before = proxy.exports.length;
    const app = await startHostApp({
      entry: ESM_EXPRESS5_APP,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: proxy.url,
        OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer%20${TOKEN}`,
        OTEL_SERVICE_NAME: 'std-vars-sampled-out',
        OTEL_TRACES_SAMPLER: 'always_off',
        OTEL_BSP_SCHEDULE_DELAY: '10',
      },
    });
    try {
      for (let i = 0; i < 3; i++) {
        const response = await fetch(`${app.baseUrl}/ping`);
        expect(response.status).toBe(200);
        expect(response.headers.getSetCookie().filter((line) => line.startsWith('spanpulse_sid='))).toHaveLength(1);
        await response.arrayBuffer();
      }
      expect(await app.stop('SIGTERM')).toEqual({ code: null, signal: 'SIGTERM' });
    } finally {
      app.child.kill('SIGKILL');
    }
    expect(proxy.exports.slice(before)).toEqual([]);
    expect(await storedCount('std-vars-sampled-out')).toBe(0);
  });
});
