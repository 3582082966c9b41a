/**
 * `extensions.status_api.host_details: false`, for public deployments, from the config file
 * through the collector's own status API: /api/status says nothing about the collector host,
 * and the status page says the details are hidden instead of showing empty cards.
 */
import { describe, expect, it } from 'vitest';
import { startTestSpanpulse } from '../../support/spanpulse.js';
import { cardValue, launchBrowser, openPage } from '../support/browser.js';

const CONFIG = `
receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
exporters: {sqlite: {path: "\${env:SPANPULSE_DATA_DIR}/spanpulse.db"}}
extensions: {status_api: {endpoint: "127.0.0.1:0", host_details: false}}
service: {telemetry: {logs: {level: warn}}}
`;

describe('host details turned off', () => {
  it('/api/status has system: null and /status says the host details are hidden', async () => {
    const spanpulse = await startTestSpanpulse({ yaml: CONFIG });
    const browser = await launchBrowser();
    try {
      const status = await (await fetch(`${spanpulse.apiUrl}/api/status`)).json();
      expect(status.system).toBeNull();
      expect(status.store.reachable).toBe(true);

      const { page, problems, close } = await openPage(browser, `${spanpulse.apiUrl}/status`);
      try {
        expect(await cardValue(page, 'host-details')).toBe('hidden');
        expect(await page.locator('#collector .card .label').allTextContents()).toEqual(['Uptime', 'Store', 'Spans accepted', 'Host details']);
        expect(problems).toEqual([]);
      } finally {
        await close();
      }
    } finally {
      await browser.close();
      await spanpulse.stop();
    }
  });
});
