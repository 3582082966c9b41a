/**
 * Many distinct OTLP requests at almost no cost: the protobuf of one request made by the SDK
 * and the official serializer, with the last three bytes of every span id rewritten to the
 * request's number k, and so every occurrence of a marker in its strings (service names,
 * routes, agents: `svc-######` becomes `svc-000042` in request 42); the start and end times
 * of its spans can be moved as well. Request k is the template's spans under ids (and names)
 * of its own, so a load can send millions of spans none of which repeats another, and a
 * resent request k (same k, same shift) is the same spans again. Used by the load tests and
 * bench/soak.ts (generating spans with the SDK costs ~45 µs each; this costs a copy).
 */
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

export interface UniqueBodies {
  /** Spans in each request. */
  spans: number;
  /** Request k (0 <= k < 2^24), its spans moved by `shiftMs` (whole milliseconds, default 0). */
  body(k: number, shiftMs?: number): Buffer;
}

const nanos = (time: readonly [number, number]): bigint => BigInt(time[0]) * 1_000_000_000n + BigInt(time[1]);

function nanosBytes(value: bigint): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(value);
  return bytes;
}

/** `marker` (optional, e.g. `######`): the placeholder for k in decimal, as wide as the marker. */
export function uniqueBodies(spans: readonly ReadableSpan[], marker = ''): UniqueBodies {
  const template = Buffer.from(ProtobufTraceSerializer.serializeRequest([...spans])!);
  const find = (bytes: Buffer, from = 0): number => {
    const at = template.indexOf(bytes, from);
    if (at < 0) throw new Error('a span field was not found in the serialized request');
    return at;
  };
  const idOffsets = spans.map((span) => find(Buffer.from(span.spanContext().spanId, 'hex')) + 5);
  // start_time_unix_nano and end_time_unix_nano are fixed64, little-endian, start before end.
  const times = spans.map((span) => {
    const [start, end] = [nanos(span.startTime), nanos(span.endTime)];
    const startAt = find(nanosBytes(start));
    return { start, end, startAt, endAt: find(nanosBytes(end), startAt + 8) };
  });
  const markers: number[] = [];
  for (let at = marker === '' ? -1 : template.indexOf(marker); at >= 0; at = template.indexOf(marker, at + marker.length)) markers.push(at);
  return {
    spans: spans.length,
    body: (k, shiftMs = 0) => {
      const body = Buffer.from(template);
      for (const offset of idOffsets) body.writeUIntBE(k, offset, 3);
      const digits = String(k).padStart(marker.length, '0');
      for (const at of markers) body.write(digits, at, 'latin1');
      if (shiftMs !== 0) {
        const shift = BigInt(Math.round(shiftMs)) * 1_000_000n;
        for (const time of times) {
          body.writeBigUInt64LE(time.start + shift, time.startAt);
          body.writeBigUInt64LE(time.end + shift, time.endAt);
        }
      }
      return body;
    },
  };
}
