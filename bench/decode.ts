/**
 * Decoding speed of the OTLP/HTTP receiver's wire-format layer alone: requests of 100
 * realistic HTTP server spans (made by the OTel SDK, serialized by the official OTLP
 * serializers) decoded again and again in this process; prints spans/s and µs per span for
 * JSON, protobuf and gzipped protobuf. The collector must store >= 30,000 spans/s on 2 cores
 * with everything else, so decoding should stay well under 10 µs per span.
 *
 *   npm run build && node dist/bench/decode.js [--seconds 3]
 */
import { gzipSync } from 'node:zlib';
import { SpanKind } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Span } from '../collector/pdata/Span.js';
import { decodeJsonTraces } from '../collector/receiver/otlphttp/decodeJsonTraces.js';
import { decodeProtobufTraces } from '../collector/receiver/otlphttp/decodeProtobufTraces.js';
import { decompressBody } from '../collector/receiver/otlphttp/decompressBody.js';

const secondsArg = process.argv.indexOf('--seconds');
const SECONDS = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 3;
const SPANS_PER_REQUEST = 100;
const ROUTES = ['/api/agents/:agent/chat', '/api/orders/:id', '/api/users/:id', '/api/search', '/api/health'];
const AGENTS = ['support', 'sales', 'planner', 'coder'];

/** SERVER spans shaped like instrumentation-http 0.223 + instrumentation-express + spanpulse's session hook. */
function realisticSpans(): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'bench-app',
      'service.version': '1.4.2',
      'host.name': 'web-1',
      'host.arch': 'amd64',
      'process.pid': 4242,
      'process.runtime.name': 'nodejs',
      'process.runtime.version': '20.20.2',
      'telemetry.sdk.language': 'nodejs',
      'telemetry.sdk.name': 'opentelemetry',
      'telemetry.sdk.version': '2.12.0',
    }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('@opentelemetry/instrumentation-http', '0.223.0');
  const start = Date.now();
  for (let i = 0; i < SPANS_PER_REQUEST; i++) {
    const route = ROUTES[i % ROUTES.length]!;
    const agent = AGENTS[i % AGENTS.length]!;
    const path = route.replace(':agent', agent).replace(':id', String(1000 + i));
    const status = i % 17 === 0 ? 500 : i % 11 === 0 ? 404 : 200;
    const span = tracer.startSpan(`POST ${route}`, {
      kind: SpanKind.SERVER,
      startTime: start + i,
      attributes: {
        'http.request.method': 'POST',
        'url.scheme': 'http',
        'url.path': path,
        'server.address': 'app.example.com',
        'server.port': 8080,
        'network.protocol.version': '1.1',
        'network.peer.address': '10.0.0.12',
        'network.peer.port': 51000 + i,
        'client.address': '203.0.113.7',
        'user_agent.original': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 Chrome/126.0 Safari/537.36',
        'http.route': route,
        'http.response.status_code': status,
        'session.id': `6f1c8b1e-3f0a-4d7e-9b61-${String(i).padStart(12, '0')}`,
        'user.id': `user-${i % 23}`,
        'gen_ai.agent.name': agent,
        'gen_ai.usage.input_tokens': 350 + i,
        'gen_ai.usage.output_tokens': 120 + i,
      },
    });
    span.end(start + i + 12.5);
  }
  return exporter.getFinishedSpans();
}

async function measure(name: string, bytes: number, decode: () => Span[] | Promise<Span[]>): Promise<void> {
  // Warm up so the JIT has settled before timing.
  for (let i = 0; i < 200; i++) await decode();
  let spans = 0;
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(SECONDS * 1e9);
  let now = started;
  while (now < deadline) {
    for (let i = 0; i < 50; i++) spans += (await decode()).length;
    now = process.hrtime.bigint();
  }
  const seconds = Number(now - started) / 1e9;
  const perSecond = spans / seconds;
  console.log(
    `${name.padEnd(16)} ${Math.round(perSecond).toLocaleString('en-US').padStart(10)} spans/s` +
      `  ${(1e6 / perSecond).toFixed(2).padStart(6)} µs/span  (${bytes.toLocaleString('en-US')} bytes per ${SPANS_PER_REQUEST} spans)`,
  );
}

const spans = realisticSpans();
const json = Buffer.from(JsonTraceSerializer.serializeRequest(spans)!);
const protobuf = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
const gzipped = gzipSync(protobuf);
console.log(`decode bench: ${SPANS_PER_REQUEST} HTTP server spans per request, ${SECONDS} s each, node ${process.version}`);
await measure('json', json.length, () => decodeJsonTraces(json));
await measure('protobuf', protobuf.length, () => decodeProtobufTraces(protobuf));
await measure('protobuf+gzip', gzipped.length, async () => decodeProtobufTraces(await decompressBody(gzipped, 'gzip', 20 * 1024 * 1024)));
