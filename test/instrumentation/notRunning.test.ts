/**
 * When spanpulse is switched off (OTEL_SDK_DISABLED=true) or simply not preloaded, the app
 * behaves as if it had never heard of it: no cookie, no span, no signal handling, and the
 * helpers the app calls do nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSpanpulse, type TestSpanpulse } from '../support/spanpulse.js';
import { ESM_EXPRESS5_APP, startHostApp } from './support/hostApp.js';
import { startRecordingProxy, type RecordingProxy } from './support/recordingProxy.js';

describe.each<{ name: string; instrument: boolean; env: Record<string, string> }>([
  { name: 'OTEL_SDK_DISABLED=true', instrument: true, env: { OTEL_SDK_DISABLED: 'true' } },
  { name: 'not preloaded', instrument: false, env: {} },
])('spanpulse $name', ({ instrument, env }) => {
  let collector: TestSpanpulse;
  let proxy: RecordingProxy;
  beforeAll(async () => {
    collector = await startTestSpanpulse();
    proxy = await startRecordingProxy(collector.otlpUrl);
  });
  afterAll(async () => {
    await proxy.close();
    await collector.stop();
  });

  it('serves the app unchanged: helpers are no-ops, no cookie, no spans, default signal behaviour', async () => {
    const app = await startHostApp({
      entry: ESM_EXPRESS5_APP,
      instrument,
      env: { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: proxy.url, OTEL_BSP_SCHEDULE_DELAY: '10' },
    });
    try {
      const chat = await fetch(`${app.baseUrl}/api/agents/support/chat`);
      expect(await chat.json()).toEqual({ agent: 'support', reply: 'hello' });
      expect(chat.headers.getSetCookie()).toEqual([]);
      const login = await fetch(`${app.baseUrl}/login/u1`);
      await login.arrayBuffer();
      expect(login.headers.getSetCookie()).toEqual(['app_pref=dark; Path=/', 'app_lang=en; Path=/']);
      expect(await app.stop('SIGTERM')).toEqual({ code: null, signal: 'SIGTERM' });
      expect(proxy.contentTypes).toEqual([]);
      expect(collector.telemetry.snapshot().spansReceived).toBe(0);
      expect(app.stderr()).toBe('');
    } finally {
      app.child.kill('SIGKILL');
    }
  });
});
