/**
 * Ingest throughput: starts the real collector (`dist/collector/main.js`) as a child process
 * on the embedded SQLite store (or MongoDB with --mongodb <uri>), sends OTLP/HTTP requests of
 * 100 realistic HTTP server spans each (made by the OTel SDK and serialized by the official
 * serializers) from this process with a fixed concurrency for a fixed time, and prints the
 * sustained spans/s stored and the collector's peak RSS.
 *
 *   npm run build && node dist/bench/ingest.js [--seconds 20] [--concurrency 8] [--format protobuf|json|both] [--mongodb <uri>]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request, Agent } from 'node:http';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpanKind, type Attributes } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const seconds = Number(args.get('seconds') ?? 20);
const concurrency = Number(args.get('concurrency') ?? 8);
const formats = (args.get('format') ?? 'both') === 'both' ? ['protobuf', 'json'] : [args.get('format')!];
const mongoUri = args.get('mongodb') ?? '';
const SPANS_PER_REQUEST = 100;
/** Distinct request bodies per format; every span in them has its own ids, so none is a duplicate. */
const BODIES = Number(args.get('bodies') ?? 1500);

const ROUTES = [
  ['POST', '/api/agents/:agent/chat'], ['GET', '/api/agents/:agent/history'], ['GET', '/api/orders/:id'], ['GET', '/api/orders'],
  ['POST', '/api/orders'], ['GET', '/api/users/:id'], ['GET', '/api/health'], ['GET', '/'], ['PUT', '/api/users/:id'], ['GET', '/api/search'],
] as const;
const AGENTS = ['support', 'sales', 'planner', 'coder'];

function realisticSpans(count: number, seed: number): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': `bench-app-${seed % 3}`, 'service.version': '1.4.2', 'host.name': 'web-1' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('@opentelemetry/instrumentation-http', '0.223.0');
  const now = Date.now();
  for (let i = 0; i < count; i++) {
    const n = seed * count + i;
    const [method, route] = ROUTES[n % ROUTES.length]!;
    const agent = AGENTS[n % AGENTS.length]!;
    const path = route.replace(':agent', agent).replace(':id', String(1000 + (n % 5000)));
    const status = n % 50 === 0 ? 500 : n % 33 === 0 ? 404 : 200;
    const attributes: Attributes = {
      'http.request.method': method, 'http.response.status_code': status, 'http.route': route, 'url.path': path,
      'url.scheme': 'http', 'server.address': 'app.example.com', 'server.port': 443, 'network.protocol.version': '1.1',
      'client.address': `10.0.${n % 200}.${n % 250}`, 'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0',
      'session.id': `00000000-0000-4000-8000-${String(n % 2000).padStart(12, '0')}`,
    };
    if (route.includes(':agent')) Object.assign(attributes, { 'gen_ai.usage.input_tokens': 200 + (n % 300), 'gen_ai.usage.output_tokens': 50 + (n % 400) });
    const start = now - 60_000 - (n % 3_600_000);
    const span = tracer.startSpan(`${method} ${route}`, { kind: SpanKind.SERVER, attributes, startTime: start });
    span.end(start + 2 + ((n * 7919) % 400) / 3);
  }
  return exporter.getFinishedSpans();
}

async function waitForLine(stream: NodeJS.ReadableStream, pattern: RegExp): Promise<RegExpExecArray> {
  let text = '';
  return new Promise((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = pattern.exec(text);
      if (match) resolve(match);
    });
    stream.once('end', () => reject(new Error(`collector exited before start-up:\n${text}`)));
  });
}

function post(agent: Agent, port: number, contentType: string, body: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/traces', method: 'POST', agent,
      headers: { 'content-type': contentType, 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function runFormat(format: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'spanpulse-bench-'));
  const config = join(dir, 'config.yaml');
  writeFileSync(config, `receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
exporters: {sqlite: {path: "${join(dir, 'spanpulse.db')}"}, mongodb: {uri: "${mongoUri}", database: "spanpulse_bench_${Date.now()}"}}
extensions: {status_api: {endpoint: "127.0.0.1:0"}}
`);
  process.stdout.write(`preparing ${BODIES} ${format} bodies of ${SPANS_PER_REQUEST} spans...\n`);
  const serialize = format === 'json' ? JsonTraceSerializer : ProtobufTraceSerializer;
  const bodies = Array.from({ length: BODIES }, (_, i) => serialize.serializeRequest(realisticSpans(SPANS_PER_REQUEST, i))!);
  const contentType = format === 'json' ? 'application/json' : 'application/x-protobuf';
  const averageBytes = bodies.reduce((sum, b) => sum + b.length, 0) / bodies.length;

  const collector = spawn(process.execPath, [fileURLToPath(new URL('../collector/main.js', import.meta.url)), '--config', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const started = await waitForLine(collector.stderr!, /"otlp":"[^"]*:(\d+)"/);
  const port = Number(started[1]);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });

  let next = 0;
  let sent = 0;
  let throttled = 0;
  const began = performance.now();
  const until = began + seconds * 1000;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < until && next < bodies.length) {
      const body = bodies[next++]!;
      const status = await post(agent, port, contentType, body);
      if (status === 200) sent += SPANS_PER_REQUEST;
      else if (status === 429 || status === 503) { throttled += 1; bodies.push(body); }
      else throw new Error(`unexpected HTTP ${status}`);
    }
  }));
  const elapsed = (performance.now() - began) / 1000;
  const status = readFileSync(`/proc/${collector.pid}/status`, 'utf8');
  const peakRssMb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
  collector.kill('SIGTERM');
  await new Promise((resolve) => collector.once('exit', resolve));
  agent.destroy();
  rmSync(dir, { recursive: true, force: true });
  const store = mongoUri ? 'mongodb' : 'sqlite';
  process.stdout.write(
    `${format.padEnd(8)} store=${store} spans stored (acknowledged 200)=${sent} in ${elapsed.toFixed(1)} s -> ${Math.round(sent / elapsed)} spans/s; ` +
    `${throttled} requests got 429/503 and were resent; body ${Math.round(averageBytes / 1024)} KiB; collector peak RSS ${peakRssMb.toFixed(0)} MB\n`,
  );
}

process.stdout.write(`bench/ingest: node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB; ` +
  `load generator in this process, collector in a child process, concurrency ${concurrency}, ${SPANS_PER_REQUEST} spans/request, up to ${seconds} s per format\n`);
for (const format of formats) await runFormat(format);
