/**
 * OTLP `KeyValue` / `AnyValue` (opentelemetry/proto/common/v1) and timestamps, encoded
 * exactly as the official serializer of @opentelemetry/otlp-transformer does (integers as
 * int_value, other numbers as double_value, arrays, nested objects, bytes), so a batch we
 * build is byte for byte the request the stock exporter would have sent.
 *
 * Attribute keys repeat on every span (`http.request.method`, `url.path`, ...), so the
 * encoded key field is cached per key string.
 */
import type { HrTime } from '@opentelemetry/api';
import { ProtobufWriter, varintSize } from './ProtobufWriter.js';

const MAX_CACHED_KEYS = 1024;
const MIN_INT64 = -(2 ** 63);
const MAX_INT64 = 2 ** 63;
const NANOS_PER_SECOND = 1_000_000_000;

// KeyValue.key (field 1, length-delimited) with its length prefix, per key.
const keyFields = new Map<string, Buffer>();

/** Every own property of `attributes` as a repeated KeyValue in `field`. */
export function writeAttributes(writer: ProtobufWriter, attributes: object, field: number): void {
  for (const key in attributes) {
    if (!Object.prototype.hasOwnProperty.call(attributes, key)) continue;
    writer.tag(field, 2);
    const keyValue = writer.begin();
    writer.raw(keyField(key));
    writer.tag(2, 2);
    const value = writer.begin();
    writeAnyValue(writer, (attributes as Record<string, unknown>)[key]);
    writer.end(value);
    writer.end(keyValue);
  }
}

export function writeAnyValue(writer: ProtobufWriter, value: unknown): void {
  switch (typeof value) {
    case 'string':
      writer.tag(1, 2);
      writer.string(value);
      return;
    case 'boolean':
      writer.tag(2, 0);
      writer.uint32(value ? 1 : 0);
      return;
    case 'number':
      if (Number.isInteger(value) && value >= MIN_INT64 && value < MAX_INT64) {
        writer.tag(3, 0);
        writer.int64(value);
      } else {
        writer.tag(4, 1);
        writer.double(value);
      }
      return;
    case 'object':
      if (value === null) return;
      if (value instanceof Uint8Array) {
        writer.tag(7, 2);
        writer.lengthPrefixed(value);
      } else if (Array.isArray(value)) {
        writer.tag(5, 2);
        const array = writer.begin();
        for (const item of value) {
          writer.tag(1, 2);
          const element = writer.begin();
          writeAnyValue(writer, item);
          writer.end(element);
        }
        writer.end(array);
      } else {
        writer.tag(6, 2);
        const list = writer.begin();
        writeAttributes(writer, value, 1);
        writer.end(list);
      }
      return;
    default:
    // undefined, functions, symbols, bigints: an empty AnyValue, as the official serializer writes.
  }
}

/**
 * An HrTime as fixed64 nanoseconds since the epoch. `seconds * 1e9` overflows a double's exact
 * range for today's timestamps, so the seconds are split in 16-bit halves (as upstream does).
 */
export function writeHrTime(writer: ProtobufWriter, time: HrTime): void {
  const [seconds, nanos] = time;
  const fromLow = (seconds & 0xffff) * NANOS_PER_SECOND;
  const fromHigh = ((seconds / 0x10000) >>> 0) * NANOS_PER_SECOND;
  const low = (fromLow >>> 0) + (((fromHigh & 0xffff) * 0x10000) >>> 0) + nanos;
  const high = Math.floor(fromLow / 0x100000000) + ((fromHigh / 0x10000) >>> 0) + Math.floor(low / 0x100000000);
  writer.fixed64(low >>> 0, high >>> 0);
}

function keyField(key: string): Buffer {
  const cached = keyFields.get(key);
  if (cached !== undefined) return cached;
  const length = Buffer.byteLength(key, 'utf8');
  const field = new ProtobufWriter(2 + varintSize(length) + length);
  field.tag(1, 2);
  field.string(key);
  const encoded = Buffer.from(field.bytes());
  // Keys normally come from a fixed set; an app inventing keys per request must not grow this.
  if (keyFields.size < MAX_CACHED_KEYS) keyFields.set(key, encoded);
  return encoded;
}
