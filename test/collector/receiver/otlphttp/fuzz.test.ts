/**
 * Property-based fuzzing of the OTLP/HTTP receiver (fast-check): SPANPULSE_FUZZ_RUNS (default
 * 10 000) adversarial requests (test/support/adversarialOtlp.ts) against a real spanpulse on
 * port 0. Every one is answered 4xx, or 200 with the partial success telling what was
 * rejected, never 5xx; a request that is refused leaves the stored data as it was; and the
 * collector still takes a valid request at the end. scripts/fuzz.sh runs it a million times.
 */
import fc from 'fast-check';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { adversarialRequests, type FuzzCase } from '../../../support/adversarialOtlp.js';
import { paddedRequest } from '../../../support/paddedSpans.js';
import { startTestSpanpulse, type TestSpanpulse } from '../../../support/spanpulse.js';

const RUNS = Number(process.env['SPANPULSE_FUZZ_RUNS'] ?? 10_000);
const MAX_BODY = 256 * 1024;

let sp: TestSpanpulse;
beforeAll(async () => {
  sp = await startTestSpanpulse({ http: { max_request_body_size: MAX_BODY } });
});
afterAll(async () => {
  await sp?.stop();
});

/**
 * What is stored: every service with its span count and last span, and the collector's
 * counters of spans stored, duplicate and rejected (cheap enough to read after every request,
 * also a million times over a growing store).
 */
async function snapshot(): Promise<string> {
  const { spansAccepted, spansDuplicate, spansRejected } = sp.telemetry.snapshot();
  return JSON.stringify({ spansAccepted, spansDuplicate, spansRejected, services: await sp.store.listServices() });
}

async function send(c: FuzzCase): Promise<{ status: number; body: Uint8Array; contentType: string | null }> {
  const headers: Record<string, string> = { 'Content-Type': c.contentType };
  if (c.contentEncoding !== undefined) headers['Content-Encoding'] = c.contentEncoding;
  const response = await fetch(`${sp.otlpUrl}/v1/traces`, { method: 'POST', headers, body: c.body });
  return { status: response.status, body: new Uint8Array(await response.arrayBuffer()), contentType: response.headers.get('content-type') };
}

it(`answers ${RUNS} adversarial requests with 4xx or a partial success, never 5xx, and refusals change nothing stored`, async () => {
  const statuses: Record<number, number> = {};
  let stored = await snapshot();
  await fc.assert(
    fc.asyncProperty(adversarialRequests(MAX_BODY), async (c) => {
      const answer = await send(c);
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
      const after = await snapshot();
      if (answer.status === 200) {
        // A 200 is an ExportTraceServiceResponse (its partial_success names the rejected spans).
        const serializer = answer.contentType === 'application/json' ? JsonTraceSerializer : ProtobufTraceSerializer;
        expect(() => serializer.deserializeResponse(answer.body), c.label).not.toThrow();
        stored = after;
        return;
      }
      expect(answer.status, `${c.label}: ${Buffer.from(answer.body).toString().slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      expect(answer.status, c.label).toBeLessThan(500);
      expect(after, `${c.label} changed the stored data`).toBe(stored);
    }),
    { numRuns: RUNS, endOnFailure: true },
  );
  console.log(`fuzz: ${RUNS} requests, answers by status ${JSON.stringify(statuses)}`);
  expect(Object.keys(statuses).every((status) => Number(status) < 500)).toBe(true);
  // Still up and taking data.
  expect((await sp.post(paddedRequest('after-fuzz', 3, 3000))).status).toBe(200);
  expect((await sp.store.listServices()).find((s) => s.serviceName === 'after-fuzz')?.spanCount).toBe(3);
}, Math.max(120_000, RUNS * 50));
