/**
 * An app that loads signal-exit (as execa, write-file-atomic and many other libraries do) must
 * still die by SIGTERM with spanpulse preloaded: signal-exit re-raises the signal only when its
 * listeners are the last ones, and spanpulse re-raises only when nobody else handles it, so
 * counting each other as "the host's handler" would leave the process running. The test
 * timeout is the guard for that.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSpanpulse, type TestSpanpulse } from '../support/spanpulse.js';
import { ESM_EXPRESS5_APP, startHostApp } from './support/hostApp.js';

describe('an app that loads signal-exit', () => {
  let collector: TestSpanpulse;
  beforeAll(async () => {
    collector = await startTestSpanpulse();
  });
  afterAll(async () => {
    await collector?.stop();
  });

  it('flushes its spans, runs its signal-exit cleanup and dies by SIGTERM', async () => {
    const app = await startHostApp({
      entry: ESM_EXPRESS5_APP,
      env: { FIXTURE_SIGNAL_EXIT: '1', OTEL_SERVICE_NAME: 'signal-exit-app', OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpUrl, OTEL_BSP_SCHEDULE_DELAY: '600000' },
    });
    try {
      for (let i = 0; i < 2; i++) expect((await fetch(`${app.baseUrl}/ping`)).status).toBe(200);
      expect(await app.stop('SIGTERM')).toEqual({ code: null, signal: 'SIGTERM' });
      expect(app.stdout()).toContain('signal-exit cleanup SIGTERM');
    } finally {
      app.child.kill('SIGKILL');
    }
    expect(await collector.recentRequests('signal-exit-app')).toHaveLength(2);
  }, 10_000);
});
