/**
 * The pipeline and extension lists of `service` do what they say (collector/service.ts):
 * an extension left out does not run, the first configured exporter is the store, and the
 * components stop in the reverse order of their start.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../collector/config/loadConfig.js';
import { shutdownInReverse, startInOrder, type Component } from '../../collector/lifecycle/Component.js';
import { startSpanpulse, type RunningSpanpulse } from '../../collector/service.js';
import { mongodbUri } from './store/mongodbSupport.js';

const dirs: string[] = [];
const running: RunningSpanpulse[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.shutdown()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(service: string, mongo = ''): Promise<RunningSpanpulse> {
  const dir = mkdtempSync(join(tmpdir(), 'spanpulse-components-'));
  dirs.push(dir);
  const config = parseConfig(`
receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}, grpc: {endpoint: ""}}}}
exporters: {sqlite: {path: "${dir}/spanpulse.db"}, mongodb: {uri: "${mongo}", database: "spanpulse_components_${process.pid}"}}
processors: {batch: {spool: {dir: "${dir}/spool"}}}
extensions: {status_api: {endpoint: "127.0.0.1:0"}}
service: {telemetry: {logs: {level: warn}}, ${service}}
`, 'test', {});
  const spanpulse = await startSpanpulse(config);
  running.push(spanpulse);
  return spanpulse;
}

describe('service lists', () => {
  it('runs no status API when status_api is not among service.extensions', async () => {
    const spanpulse = await start('extensions: [retention]');
    expect(spanpulse.apiUrl).toBeNull();
  });

  it('runs the status API when listed', async () => {
    const spanpulse = await start('extensions: [status_api]');
    expect((await fetch(`${spanpulse.apiUrl}/healthz`)).status).toBe(200);
  });

  it('evaluates alerts and serves them only when alerts is listed', async () => {
    const without = await start('extensions: [status_api]');
    expect(without.alerts).toBeNull();
    expect((await fetch(`${without.apiUrl}/api/status/alerts`)).status).toBe(404);
    const withAlerts = await start('extensions: [status_api, alerts]');
    expect(withAlerts.alerts).not.toBeNull();
    expect(await (await fetch(`${withAlerts.apiUrl}/api/status/alerts`)).json()).toEqual({ active: [], incidents: [], silences: [] });
  });

  it.skipIf(mongodbUri === null)('uses the first configured exporter: sqlite before mongodb even with a MongoDB uri', async () => {
    const sqliteFirst = await start('pipelines: {traces: {exporters: [sqlite, mongodb]}}', mongodbUri ?? '');
    expect(sqliteFirst.store.backend).toBe('sqlite');
    const mongoFirst = await start('pipelines: {traces: {exporters: [mongodb, sqlite]}}', mongodbUri ?? '');
    expect(mongoFirst.store.backend).toBe('mongodb');
  });

  it('falls back to sqlite when the preferred mongodb has no uri', async () => {
    expect((await start('pipelines: {traces: {exporters: [mongodb, sqlite]}}')).store.backend).toBe('sqlite');
  });
});

describe('lifecycle', () => {
  const component = (name: string, events: string[], fail = false): Component => ({
    name,
    start: async () => {
      if (fail) throw new Error(`${name} cannot start`);
      events.push(`start ${name}`);
    },
    shutdown: async () => { events.push(`stop ${name}`); },
  });

  it('starts in order and stops in reverse', async () => {
    const events: string[] = [];
    const components = ['store', 'pipeline', 'api', 'receiver'].map((name) => component(name, events));
    await startInOrder(components, 1000);
    await shutdownInReverse(components, 1000);
    expect(events).toEqual(['start store', 'start pipeline', 'start api', 'start receiver', 'stop receiver', 'stop api', 'stop pipeline', 'stop store']);
  });

  it('stops what already started when a later component cannot start', async () => {
    const events: string[] = [];
    const components = [component('store', events), component('pipeline', events), component('receiver', events, true)];
    await expect(startInOrder(components, 1000)).rejects.toThrow(/receiver cannot start/);
    expect(events).toEqual(['start store', 'start pipeline', 'stop pipeline', 'stop store']);
  });

  it('moves on from a component that overruns the deadline', async () => {
    const events: string[] = [];
    const stuck: Component = { name: 'stuck', start: async () => undefined, shutdown: () => new Promise(() => undefined) };
    await shutdownInReverse([component('store', events), stuck], 50);
    expect(events).toEqual(['stop store']);
  });
});
