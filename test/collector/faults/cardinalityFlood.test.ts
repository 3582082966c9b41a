/**
 * A client inventing names: 100 000 spans, each with a service, a route and an agent never
 * seen before, sent to the real collector (a child process, embedded store, the shipped
 * memory_limiter of 512 MiB). Its RSS stays under the limit; past the cardinality limits
 * every new value is counted under `(other)`, whose rows carry exactly the counts of what
 * overflowed (nothing dropped); `/api/status/api-status` stays small and quick, and
 * /status/api-status loads in Chromium quickly on the flooded store, without errors.
 */
import { Agent, request } from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { uniqueBodies } from '../../../bench/uniqueBodies.js';
import { OVERFLOW } from '../../../collector/pipeline/CardinalityLimits.js';
import { launchBrowser, openPage } from '../../api/support/browser.js';
import { startCollectorProcess, type CollectorProcess } from '../../../bench/collectorProcess.js';
import { makeSpans, serverSpan } from '../../support/otelSpans.js';

const MiB = 1024 ** 2;
const LIMIT = 512 * MiB;
const [SERVICES, ENDPOINTS, AGENTS] = [100, 500, 100];
const REQUESTS = 1000;
const MARKER = '######';

let collector: CollectorProcess;
let browser: Browser;
beforeAll(async () => {
  collector = await startCollectorProcess(`
receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}, grpc: {endpoint: ""}}}}
processors: {memory_limiter: {limit: ${LIMIT}}, spanpulse: {limits: {services: ${SERVICES}, endpoints_per_service: ${ENDPOINTS}, agents_per_service: ${AGENTS}}}}
`);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await collector?.remove();
});

// Span i of request k: service flood-k-i, route /items/k-i/:id, agent agent-k-i.
const t0 = Date.now() - 10 * 60_000;
const requests = uniqueBodies(makeSpans(Array.from({ length: 100 }, (_, i) => serverSpan({
  service: `flood-${MARKER}-${i}`, route: `/items/${MARKER}-${i}/:id`, status: i % 20 === 0 ? 500 : 200,
  startMs: t0 + i, durationMs: 1 + (i % 9), sessionId: `s${i % 10}`, agent: `agent-${MARKER}-${i}`,
}))), MARKER);
const SPANS = REQUESTS * requests.spans;

/** POSTs request k until it is answered 200, resending after 429 as exporters do. */
async function deliver(agent: Agent, k: number): Promise<void> {
  const body = requests.body(k);
  for (let attempt = 0; attempt < 100; attempt++) {
    const status = await new Promise<number>((resolve) => {
      const req = request(`${collector.otlpUrl}/v1/traces`, {
        method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length },
      }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
      req.on('error', () => resolve(0));
      req.end(body);
    });
    if (status === 200) return;
    expect([0, 429]).toContain(status);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`request ${k} was never acknowledged`);
}

async function timedJson(path: string): Promise<{ ms: number; bytes: number; body: any }> {
  const began = performance.now();
  const response = await fetch(`${collector.apiUrl}${path}`);
  const text = await response.text();
  expect(response.status).toBe(200);
  return { ms: performance.now() - began, bytes: text.length, body: JSON.parse(text) };
}

it('stays under its memory limit, counts every overflowed value under (other), and the API and page stay quick', async () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    for (let k = next++; k < REQUESTS; k = next++) await deliver(agent, k);
  }));
  agent.destroy();
  const peak = collector.peakRss();

  // The page asks for the default page of endpoints; the whole list is at most 1000 a page.
  const paged = await timedJson('/api/status/api-status?window=24h');
  const apiStatus = await timedJson('/api/status/api-status?window=24h&limit=1000');
  const status = await timedJson('/api/status');
  expect(paged.body.page.total).toBe(SERVICES + ENDPOINTS + 1);
  const endpoints = apiStatus.body.endpoints as Array<{ serviceName: string; endpoint: string; totalRequests: number }>;
  // Each admitted service has its one endpoint; (other) has ENDPOINTS of its own and its overflow row.
  expect(apiStatus.body.summary.endpoints).toBe(SERVICES + ENDPOINTS + 1);
  expect(endpoints.reduce((sum, e) => sum + e.totalRequests, 0)).toBe(SPANS);
  expect(endpoints.find((e) => e.serviceName === OVERFLOW && e.endpoint === OVERFLOW)?.totalRequests).toBe(SPANS - SERVICES - ENDPOINTS);

  const began = performance.now();
  const { page, problems, close } = await openPage(browser, `${collector.apiUrl}/status/api-status`);
  let [pageMs, nodes] = [NaN, NaN];
  try {
    await page.locator('#live', { hasText: 'updated' }).waitFor({ timeout: 30_000 });
    pageMs = performance.now() - began;
    nodes = await page.evaluate(() => document.getElementsByTagName('*').length);
    expect(await page.locator('#endpoints').textContent()).toContain(OVERFLOW);
    expect(problems).toEqual([]);
  } finally {
    await close();
  }
  console.log(`cardinality flood: ${SPANS} spans with ${SPANS} distinct services, routes and agents; peak RSS ${Math.round(peak / MiB)} MiB ` +
    `(limit ${LIMIT / MiB} MiB); /api/status/api-status ${Math.round(paged.ms)} ms, ${Math.round(paged.bytes / 1024)} KiB ` +
    `(${paged.body.endpoints.length} endpoints; all ${apiStatus.body.endpoints.length}: ${Math.round(apiStatus.ms)} ms, ${Math.round(apiStatus.bytes / 1024)} KiB); ` +
    `/api/status ${Math.round(status.ms)} ms, ${Math.round(status.bytes / 1024)} KiB; ` +
    `/status/api-status rendered in ${Math.round(pageMs)} ms with ${nodes} elements`);
  expect(peak).toBeLessThan(LIMIT);
  expect(paged.ms).toBeLessThan(5000);
  expect(status.ms).toBeLessThan(5000);
  expect(pageMs).toBeLessThan(15_000);

  const day = new Date(t0).toISOString().slice(0, 10);
  const [services, agentDays] = await collector.readStore(async (store) =>
    [await store.listServices(), await store.findAgentDays({ fromDate: day, toDate: day })] as const);
  expect(services).toHaveLength(SERVICES + 1);
  expect(services.reduce((sum, s) => sum + s.spanCount, 0)).toBe(SPANS);
  expect(services.find((s) => s.serviceName === OVERFLOW)?.spanCount).toBe(SPANS - SERVICES);
  expect(agentDays).toHaveLength(SERVICES + AGENTS + 1);
  expect(agentDays.find((d) => d.serviceName === OVERFLOW && d.agentName === OVERFLOW)?.requestCount).toBe(SPANS - SERVICES - AGENTS);
}, 180_000);
