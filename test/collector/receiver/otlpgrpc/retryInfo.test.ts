/**
 * UNAVAILABLE with RetryInfo as stock OTLP/gRPC exporters see it:
 * - the OpenTelemetry Go SDK's otlptracegrpc (fixtures/goOtlpExporter, backoff set to 10-50 ms)
 *   waits the RetryInfo delay between its attempts, and its span is stored once it gets through;
 * - through a MongoDB outage (the collector's own FerretDB stopped), it keeps retrying at the
 *   server's pace until the store is back, and the span is counted exactly once;
 * - the stock JavaScript exporter 0.223 does not retry gRPC errors at all (a limit of that
 *   exporter, written down in README): one call, and the export is reported failed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConsumeResult, TracesConsumer } from '../../../../collector/consumer/TracesConsumer.js';
import { PipelineError } from '../../../../collector/errors.js';
import type { Span } from '../../../../collector/pdata/Span.js';
import { OtlpGrpcReceiver } from '../../../../collector/receiver/otlpgrpc/OtlpGrpcReceiver.js';
import { Telemetry } from '../../../../collector/telemetry/Telemetry.js';
import { startFerretdb, stopFerretdb } from '../../../mongodbServer.js';
import { makeSpans, serverSpan } from '../../../support/otelSpans.js';
import { startTestSpanpulse, type TestSpanpulse } from '../../../support/spanpulse.js';
import { mongodbUri, skipReason } from '../../store/mongodbSupport.js';

const goSource = fileURLToPath(new URL('../../fixtures/goOtlpExporter', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'spanpulse-retryinfo-'));
const goExporter = join(dir, 'go-otlp-exporter');
let goMissing: string | null = null;
try {
  execFileSync('go', ['version'], { stdio: 'pipe' });
} catch {
  goMissing = 'go is not installed';
}
if (goMissing) console.warn(`[retryInfo: Go exporter tests skipped] ${goMissing}`);

beforeAll(() => {
  if (!goMissing) execFileSync('go', ['build', '-o', goExporter, '.'], { cwd: goSource, stdio: 'pipe', timeout: 170_000 });
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runGoExporter(url: string, service: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(goExporter, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_SERVICE_NAME: service }, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }));
  });
}

/** Refuses the first `refusals` calls as the group-commit queue does when full, with a `delay` s RetryInfo; then accepts. */
class RefusingConsumer implements TracesConsumer {
  readonly calls: Array<{ at: number; spans: readonly Span[] }> = [];
  constructor(private readonly refusals: number, private readonly delay: number) {}
  async consumeTraces(spans: readonly Span[]): Promise<ConsumeResult> {
    this.calls.push({ at: Date.now(), spans });
    if (this.calls.length <= this.refusals) throw PipelineError.overloaded('spans are waiting to be stored; retry shortly', this.delay);
    return { rejectedSpans: 0, errorMessage: '' };
  }
}

async function withReceiver(consumer: TracesConsumer, run: (url: string) => Promise<void>): Promise<void> {
  const receiver = new OtlpGrpcReceiver({ endpoint: '127.0.0.1:0', maxRequestBodySize: 1024 * 1024, bearerToken: '' }, consumer, new Telemetry());
  await receiver.start();
  const { port } = receiver.address!;
  try {
    await run(`http://127.0.0.1:${port}`);
  } finally {
    await receiver.shutdown();
  }
}

describe.skipIf(goMissing !== null)('the Go SDK\'s stock OTLP/gRPC exporter', () => {
  it('waits the RetryInfo delay between attempts (its own backoff is 10-50 ms) and gets through', async () => {
    const consumer = new RefusingConsumer(2, 1);
    await withReceiver(consumer, async (url) => {
      const { code, output } = await runGoExporter(url, 'go-retry');
      expect(output).toContain('exported');
      expect(code).toBe(0);
    });
    expect(consumer.calls).toHaveLength(3);
    for (let i = 1; i < consumer.calls.length; i++) expect(consumer.calls[i]!.at - consumer.calls[i - 1]!.at).toBeGreaterThanOrEqual(950);
    expect(consumer.calls[2]!.spans.map((s) => [s.name, s.kind, s.resource.get('service.name')])).toEqual([['GET /go', 2, 'go-retry']]);
  });

  describe.skipIf(mongodbUri === null)(`through a MongoDB outage${mongodbUri === null ? ` (skipped: ${skipReason})` : ''}`, () => {
    const ferretDir = join(dir, 'ferretdb');
    let sp: TestSpanpulse | undefined;
    afterAll(async () => {
      await sp?.stop();
      await stopFerretdb(ferretDir).catch(() => undefined);
    });

    it('retries at the server\'s pace until the store is back; the span is stored once', async (context) => {
      const started = await startFerretdb(ferretDir).catch((error: unknown) => error as Error);
      if (started instanceof Error) {
        if (process.env['CI'] === 'true') throw started;
        context.skip(`FerretDB could not be started: ${started.message}`);
      }
      // Without the spool: with it the collector would take the span during the outage, and there would be nothing to retry.
      sp = await startTestSpanpulse({ mongoUri: started as string, mongoDatabase: 'grpc_outage', spool: false });
      await stopFerretdb(ferretDir);
      const exported = runGoExporter(sp.otlpGrpcUrl!, 'go-outage');
      const refused = () => Number(/^otelcol_receiver_refused_spans_total\{receiver="otlp",transport="grpc"\} (\d+)$/m.exec(sp!.telemetry.toPrometheus())?.[1]);
      while (refused() === 0) await new Promise((resolve) => setTimeout(resolve, 100));
      await startFerretdb(ferretDir);
      const { code, output } = await exported;
      expect(output).toContain('exported');
      expect(code).toBe(0);
      const requests = await sp.recentRequests('go-outage');
      expect(requests.map((r) => [r.endpoint, r.method, r.statusCode])).toEqual([['/go', 'GET', 200]]);
      expect(refused()).toBeGreaterThanOrEqual(1);
    });
  });
});

describe('the JavaScript SDK\'s stock OTLP/gRPC exporter 0.223', () => {
  it('does not retry gRPC errors: one call, the export is reported failed with the status', async () => {
    const require = createRequire(import.meta.url);
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc') as typeof import('@opentelemetry/exporter-trace-otlp-grpc');
    const consumer = new RefusingConsumer(1, 1);
    await withReceiver(consumer, async (url) => {
      const exporter = new OTLPTraceExporter({ url });
      const spans = makeSpans([serverSpan({ service: 'js-retry', route: '/js', status: 200, startMs: Date.now() - 1000, durationMs: 1 })]);
      const result = await new Promise<{ code: number; error?: Error }>((resolve) => exporter.export(spans, resolve));
      await exporter.shutdown();
      expect(result.code).toBe(1); // ExportResultCode.FAILED
      expect(result.error?.message).toMatch(/^14 UNAVAILABLE: spans are waiting to be stored/);
    });
    expect(consumer.calls).toHaveLength(1);
  });
});
