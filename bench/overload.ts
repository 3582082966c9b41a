/**
 * Overload (issue 10): the real collector (`dist/collector/main.js`, a child process, embedded
 * SQLite store, memory_limiter limit 512 MiB as shipped) offered three times its sustainable
 * rate for 30 s (bench/overloadLoad.ts, the load of the overload fault test). Prints the
 * sustainable and offered rates, the answers by status, the answer time of the 200s
 * (acknowledgement latency: p50, p99, max) and of the refusals, the longest Retry-After, the
 * collector's peak RSS, and whether the store holds exactly the spans answered 200.
 *
 *   npm run build && node dist/bench/overload.js [--factor 3] [--seconds 30] [--apps 768] [--spans 100] [--memory-limit 512 (MiB)]
 *     [--max-queue-delay <duration> (processors.batch.max_queue_delay; default as shipped)]
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { startCollectorProcess } from './collectorProcess.js';
import { offerOverload } from './overloadLoad.js';
import { percentile } from './percentile.js';
import { SpanWorkload } from './spanWorkload.js';
import { uniqueBodies } from './uniqueBodies.js';

const { values } = parseArgs({
  options: { factor: { type: 'string', default: '3' }, seconds: { type: 'string', default: '30' }, apps: { type: 'string', default: '768' }, spans: { type: 'string', default: '100' }, 'memory-limit': { type: 'string', default: '512' }, 'max-queue-delay': { type: 'string' } },
});
const MiB = 1024 ** 2;
const LIMIT = Number(values['memory-limit']) * MiB;

const workload = new SpanWorkload({ shape: 'realistic', format: 'protobuf', spansPerRequest: Number(values.spans) });
const requests = uniqueBodies(workload.nextSpans());
console.log(`bench/overload: node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const collector = await startCollectorProcess(`
receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}, grpc: {endpoint: ""}}}}
processors: {memory_limiter: {limit: ${LIMIT}}${values['max-queue-delay'] === undefined ? '' : `, batch: {max_queue_delay: ${JSON.stringify(values['max-queue-delay'])}}`}}
`);
/** The kernel's count of connections dropped because a listen queue was full (Linux, all sockets). */
const listenOverflows = (): number => {
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n').filter((line) => line.startsWith('TcpExt:'));
  const [names, counts] = lines.map((line) => line.split(/\s+/));
  return Number(counts?.[names?.indexOf('ListenOverflows') ?? -1] ?? NaN);
};
try {
  const overflowsBefore = listenOverflows();
  const result = await offerOverload(collector.otlpUrl, requests, { factor: Number(values.factor), seconds: Number(values.seconds), apps: Number(values.apps) });
  const ms = (sorted: number[]) => `p50 ${Math.round(percentile(sorted, 0.5))} ms, p99 ${Math.round(percentile(sorted, 0.99))} ms, max ${Math.round(sorted.at(-1) ?? NaN)} ms`;
  console.log(`sustainable ${Math.round(result.sustainableSpansPerSecond)} spans/s; offered ${Math.round(result.offeredSpansPerSecond)} spans/s for ${values.seconds} s ` +
    `(${result.due} requests of ${requests.spans} spans, at most ${values.apps} in flight)`);
  console.log(`answers ${JSON.stringify(result.counts)}; longest Retry-After ${result.longestRetryAfterS ?? '-'} s`);
  console.log(`200 (acknowledged): ${ms(result.acknowledged)}`);
  console.log(`refused:            ${ms(result.refused)}`);
  const metrics = await fetch(`${collector.apiUrl}/metrics`).then((response) => response.text());
  const refusals = [...metrics.matchAll(/^spanpulse_(?:receiver_refused_requests_total|otlp_requests_refused_total)(\{[^}]*\}) (\d+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
  console.log(`collector refusals: ${refusals.join(', ')}; listen queue overflows (kernel, whole machine) ${listenOverflows() - overflowsBefore}`);
  console.log(`peak RSS ${Math.round(collector.peakRss() / MiB)} MiB (memory_limiter limit ${LIMIT / MiB} MiB)`);
  const stored = await collector.readStore(async (store) => (await store.listServices()).reduce((sum, service) => sum + service.spanCount, 0));
  const expected = result.acknowledgedRequests * requests.spans;
  console.log(`stored ${stored} spans, answered 200 for ${expected}: ${stored === expected ? 'exact' : 'NOT EXACT'}`);
  if (stored !== expected) process.exitCode = 1;
} finally {
  await collector.remove();
}
