/**
 * The OTLP traffic the ingest benchmarks send, as a fleet of real apps sends it.
 *
 * `realistic` (the default): random 16-byte trace ids and 8-byte span ids (the SDK's own
 * generator), start times spread at random over a sliding window of `windowMs` (20 s: the
 * batches of many app instances interleave), `sessions` sessions (1 000) each with its own
 * client address and user agent, `gen_ai.agent.name` on about 30 % of the spans, three
 * services, 2 % 5xx and 5 % 4xx, 40 routes.
 * `ordered`: the same, with strictly increasing start times (one app, one clock): the best case
 * for a time-led idempotency index, printed beside the realistic figure.
 * `genaiShare` (default 0): that share of the spans are GenAI spans, as agent runs of three
 * spans each: an agent route's server span -> invoke_agent -> chat (provider, response model,
 * input / output / cache-read tokens), all in one request.
 *
 * Spans are made by the OTel SDK's tracer and serialized by the official OTLP serializers.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind, context, trace, type Attributes, type Tracer } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { seededRandom } from './seededRandom.js';

export type WorkloadShape = 'realistic' | 'ordered';
export type WireFormat = 'protobuf' | 'json';

export interface WorkloadOptions {
  shape: WorkloadShape;
  format: WireFormat;
  spansPerRequest: number;
  /** Distinct sessions (each with its own client address and user agent). Default 1 000. */
  sessions?: number;
  /** Width of the window start times are spread over (realistic shape). Default 20 000 ms. */
  windowMs?: number;
  /** How far the window moves per request: the time one request's spans take at the expected rate. Default 2.5 ms. */
  slideMsPerRequest?: number;
  /** Share of the spans that carry `gen_ai.agent.name`. Default 0.3. */
  agentShare?: number;
  /** Share of the spans that are GenAI spans (invoke_agent and chat, two of each run's three spans). Default 0. */
  genaiShare?: number;
  seed?: number;
}

export const SERVICES = ['checkout', 'catalog', 'assistant'];
const AGENTS = ['support', 'sales', 'planner', 'coder', 'researcher', 'triage'];
const ROUTES: Array<readonly [string, string]> = Array.from({ length: 40 }, (_, i) => {
  const method = ['GET', 'GET', 'POST', 'PUT', 'DELETE'][i % 5]!;
  return [method, i < 6 ? `/api/agents/:agent/${['chat', 'history', 'feedback', 'tools', 'runs', 'files'][i]}` : `/api/resource${i}/:id`] as const;
});
const BROWSERS = ['Chrome', 'Firefox', 'Safari', 'Edge'];

/** Request bodies, generated lazily: each call of `next()` is one OTLP request. */
export class SpanWorkload {
  private readonly random: () => number;
  private readonly tracers: Tracer[];
  private readonly exporter = new InMemorySpanExporter();
  private readonly options: Required<WorkloadOptions>;
  private requestIndex = 0;
  private readonly origin: number;

  constructor(options: WorkloadOptions) {
    this.options = { sessions: 1000, windowMs: 20_000, slideMsPerRequest: 2.5, agentShare: 0.3, genaiShare: 0, seed: 7, ...options };
    this.random = seededRandom(this.options.seed);
    this.tracers = SERVICES.map((service, i) => new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': service, 'service.version': '1.4.2', 'host.name': `web-${i}` }),
      spanProcessors: [new SimpleSpanProcessor(this.exporter)],
    }).getTracer('@opentelemetry/instrumentation-http', '0.223.0'));
    // Starts a little in the past so that the whole run stays behind the wall clock.
    this.origin = Date.now() - 10 * 60_000;
  }

  /** One serialized ExportTraceServiceRequest. */
  next(): Uint8Array {
    const serializer = this.options.format === 'json' ? JsonTraceSerializer : ProtobufTraceSerializer;
    return serializer.serializeRequest(this.nextSpans())!;
  }

  /** The spans of one request. */
  nextSpans(): ReadableSpan[] {
    const { spansPerRequest, windowMs, slideMsPerRequest, shape } = this.options;
    const windowEnd = this.origin + this.requestIndex * slideMsPerRequest;
    const tracer = this.tracers[this.requestIndex % this.tracers.length]!;
    // A slot is an agent run (3 spans, 2 of them GenAI) with the probability that makes
    // genaiShare of the spans GenAI spans: 2q / (1 + 2q) = share.
    const share = this.options.genaiShare;
    const runChance = share / (2 - 2 * share);
    for (let i = 0; i < spansPerRequest;) {
      const start = shape === 'ordered'
        ? windowEnd + (i * slideMsPerRequest) / spansPerRequest
        : windowEnd - this.random() * windowMs;
      if (spansPerRequest - i >= 3 && share > 0 && this.random() < runChance) {
        this.agentRun(tracer, start);
        i += 3;
      } else {
        this.span(tracer, start);
        i += 1;
      }
    }
    this.requestIndex += 1;
    const spans = this.exporter.getFinishedSpans();
    this.exporter.reset();
    return spans;
  }

  get contentType(): string {
    return this.options.format === 'json' ? 'application/json' : 'application/x-protobuf';
  }

  describe(): string {
    const o = this.options;
    const genai = o.genaiShare > 0 ? `, ${Math.round(o.genaiShare * 100)} % GenAI spans (server -> invoke_agent -> chat runs)` : '';
    return o.shape === 'ordered'
      ? `ordered: start times strictly increasing, ${o.sessions} sessions, ${SERVICES.length} services, ${Math.round(o.agentShare * 100)} % agent spans${genai}`
      : `realistic: random ids, start times spread over a ${o.windowMs / 1000} s sliding window, ${o.sessions} sessions with distinct ` +
        `address and user agent, ${SERVICES.length} services, ${Math.round(o.agentShare * 100)} % agent spans, 2 % 5xx, 5 % 4xx${genai}`;
  }

  private span(tracer: Tracer, start: number): void {
    const r = this.random;
    const [method, route] = ROUTES[Math.floor(r() * ROUTES.length)]!;
    const session = Math.floor(r() * this.options.sessions);
    const roll = r();
    const status = roll < 0.02 ? 500 + Math.floor(r() * 4) : roll < 0.07 ? [400, 401, 404, 409, 422][Math.floor(r() * 5)]! : 200;
    const agent = r() < this.options.agentShare ? AGENTS[Math.floor(r() * AGENTS.length)]! : null;
    const path = route.replace(':agent', agent ?? 'support').replace(':id', String(1000 + Math.floor(r() * 50_000)));
    const attributes: Attributes = {
      'http.request.method': method, 'http.response.status_code': status, 'http.route': route, 'url.path': path,
      'url.scheme': 'https', 'server.address': 'app.example.com', 'server.port': 443, 'network.protocol.version': '1.1',
      'client.address': `10.${(session >> 16) & 255}.${(session >> 8) & 255}.${session & 255}`,
      'user_agent.original': `Mozilla/5.0 (X11; Linux x86_64) ${BROWSERS[session % BROWSERS.length]}/${100 + (session % 37)}.0.${session}`,
      'session.id': `5e55${session.toString(16).padStart(4, '0')}-0000-4000-8000-${session.toString(16).padStart(12, '0')}`,
    };
    if (session % 3 === 0) attributes['user.id'] = `user-${session % 700}`;
    if (agent !== null) {
      attributes['gen_ai.agent.name'] = agent;
      attributes['gen_ai.usage.input_tokens'] = 100 + Math.floor(r() * 2000);
      attributes['gen_ai.usage.output_tokens'] = 20 + Math.floor(r() * 800);
    }
    const durationMs = Math.exp(Math.log(25) + 0.9 * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()));
    const span = tracer.startSpan(`${method} ${route}`, { kind: SpanKind.SERVER, attributes, startTime: start });
    span.end(start + durationMs);
  }

  /** An agent run: a chat route's server span, its invoke_agent span and one chat span below. */
  private agentRun(tracer: Tracer, start: number): void {
    const r = this.random;
    const agent = AGENTS[Math.floor(r() * AGENTS.length)]!;
    const [provider, model] = MODELS[Math.floor(r() * MODELS.length)]!;
    const session = Math.floor(r() * this.options.sessions);
    const server = tracer.startSpan('POST /api/agents/:agent/chat', { kind: SpanKind.SERVER, startTime: start, attributes: {
      'http.request.method': 'POST', 'http.response.status_code': 200, 'http.route': '/api/agents/:agent/chat', 'url.path': `/api/agents/${agent}/chat`,
      'client.address': `10.${(session >> 16) & 255}.${(session >> 8) & 255}.${session & 255}`,
      'session.id': `5e55${session.toString(16).padStart(4, '0')}-0000-4000-8000-${session.toString(16).padStart(12, '0')}`,
    } });
    const invoke = tracer.startSpan(`invoke_agent ${agent}`, { kind: SpanKind.INTERNAL, startTime: start + 1, attributes: {
      'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': agent,
    } }, trace.setSpan(context.active(), server));
    const input = 200 + Math.floor(r() * 4000);
    const chat = tracer.startSpan(`chat ${model}`, { kind: SpanKind.CLIENT, startTime: start + 2, attributes: {
      'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': provider, 'gen_ai.request.model': model, 'gen_ai.response.model': model,
      'gen_ai.usage.input_tokens': input, 'gen_ai.usage.output_tokens': 20 + Math.floor(r() * 800),
      'gen_ai.usage.cache_read.input_tokens': Math.floor(r() * input),
    } }, trace.setSpan(context.active(), invoke));
    const chatMs = 200 + r() * 2000;
    chat.end(start + 2 + chatMs);
    invoke.end(start + 3 + chatMs);
    server.end(start + 5 + chatMs);
  }
}

/** The models of the GenAI runs. */
const MODELS: Array<readonly [string, string]> = [['openai', 'gpt-4o-2024-08-06'], ['openai', 'gpt-4o-mini'], ['anthropic', 'claude-sonnet-4'], ['google', 'gemini-2.5-flash']];

/** Generated bodies are kept this long in the cache (their start times must stay within the raw retention). */
const CACHE_MAX_AGE_MS = 12 * 3_600_000;

/**
 * `count` bodies of the workload, from a cache file in the temp directory when one made for the
 * same options less than 12 h ago exists (generating takes ~45 µs per span), else generated
 * and cached. Every body holds spans with their own ids, so none repeats another.
 */
export function workloadBodies(options: WorkloadOptions, count: number): Uint8Array[] {
  const dir = join(tmpdir(), 'spanpulse-bench-bodies');
  const file = join(dir, `${JSON.stringify({ ...options, count }).replace(/[^A-Za-z0-9]+/g, '_')}.bin`);
  if (existsSync(file) && Date.now() - statSync(file).mtimeMs < CACHE_MAX_AGE_MS) {
    const data = readFileSync(file);
    const bodies: Uint8Array[] = [];
    for (let offset = 0; offset < data.length;) {
      const length = data.readUInt32LE(offset);
      bodies.push(data.subarray(offset + 4, offset + 4 + length));
      offset += 4 + length;
    }
    return bodies;
  }
  const workload = new SpanWorkload(options);
  const bodies = Array.from({ length: count }, () => workload.next());
  mkdirSync(dir, { recursive: true });
  const parts: Uint8Array[] = [];
  for (const body of bodies) {
    const length = Buffer.alloc(4);
    length.writeUInt32LE(body.length);
    parts.push(length, body);
  }
  writeFileSync(`${file}.tmp`, Buffer.concat(parts));
  renameSync(`${file}.tmp`, file);
  return bodies;
}
