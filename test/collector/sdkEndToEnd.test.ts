/**
 * End to end: a real NodeSDK (http + express instrumentation) in a child process exports
 * to spanpulse on port 0 over OTLP/HTTP, as http/protobuf and as http/json, and the
 * sessions, agents, API metrics and rollups it produced are checked in the store, on the
 * embedded store and on MongoDB (the test server of test/mongodbServer.ts).
 */
import { describe, expect, it } from 'vitest';
import { expectScenarioStored, onEachStore, runScenarioApp } from './sdkScenario.js';

onEachStore('sdkEndToEnd', (store, collector) => {
  describe.each(['http/protobuf', 'http/json'])('NodeSDK exporting %s', (protocol) => {
    const service = `e2e-${store}-${protocol.replace('/', '-')}`;
    it('produces sessions, agents, API metrics and rollups', async () => {
      const startedAt = new Date();
      const code = await runScenarioApp(collector().otlpUrl, protocol, service);
      expect(code).toBe(0);
      await expectScenarioStored(collector().store, service, startedAt);
    });
  });
});
