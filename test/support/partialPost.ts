/**
 * A client that POSTs to /v1/traces and stops part-way through its body, as a slow or stalled
 * exporter does: the headers (with the declared Content-Length) and `sentBytes` of the body go
 * out, then it waits until told to finish or abort. Its answer is the status and headers, or
 * the network error the client saw.
 */
import { request, type IncomingHttpHeaders } from 'node:http';

export type PostAnswer = { status: number; headers: IncomingHttpHeaders; body: Buffer } | { error: string };

export interface PartialPost {
  answer: Promise<PostAnswer>;
  /** Sends the rest of the body (zeros up to the declared length, or `rest`). */
  finish(rest?: Buffer): void;
  /** Closes the connection mid-body. */
  abort(): void;
}

/** POST `declaredBytes` to `${otlpUrl}/v1/traces`, sending `head` first (zeros when it is a number). */
export function partialPost(otlpUrl: string, declaredBytes: number, head: Buffer | number, headers: Record<string, string> = {}): PartialPost {
  const url = new URL('/v1/traces', otlpUrl);
  const first = typeof head === 'number' ? Buffer.alloc(head) : head;
  const req = request(url, {
    method: 'POST',
    agent: false,
    headers: { 'content-type': 'application/x-protobuf', 'content-length': String(declaredBytes), ...headers },
  });
  const answer = new Promise<PostAnswer>((resolve) => {
    req.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', (error) => resolve({ error: (error as NodeJS.ErrnoException).code ?? error.message }));
    });
    req.on('error', (error) => resolve({ error: (error as NodeJS.ErrnoException).code ?? error.message }));
  });
  req.flushHeaders();
  req.write(first);
  return {
    answer,
    finish: (rest) => req.end(rest ?? Buffer.alloc(declaredBytes - first.length)),
    abort: () => req.destroy(),
  };
}

/** Resolves once `condition()` holds, checking every 20 ms; rejects after `timeoutMs`. */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The value of an unlabelled (or exactly labelled) sample in a Prometheus text, or undefined. */
export function sampleOf(prometheus: string, series: string): number | undefined {
  const line = prometheus.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}
