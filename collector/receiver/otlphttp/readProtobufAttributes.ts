/**
 * Decodes OTLP `KeyValue` / `AnyValue` messages (opentelemetry/proto/common/v1/common.proto)
 * from the wire into spanpulse attribute values. Key-value lists become Maps, so a key named
 * `__proto__` is plain data; `bytes_value` becomes base64 text, as OTLP/JSON carries it, so
 * both encodings decode to the same value.
 */
import type { AttributeValue } from '../../pdata/Span.js';
import { MAX_ATTRIBUTE_DEPTH } from './maxAttributeDepth.js';
import type { ProtoReader } from './ProtoReader.js';

// Wire types of the known fields by field number, so a schema mismatch is reported.
const KEY_VALUE_FIELDS = [undefined, 2, 2];
const ANY_VALUE_FIELDS = [undefined, 2, 0, 0, 1, 2, 2, 2];
const LIST_FIELDS = [undefined, 2];

/**
 * Reads one KeyValue (its bytes end at `end`) into `into`. `depth` counts the arrays and
 * key-value lists around it. A repeated key keeps the last value, as a map field would.
 */
export function readKeyValue(
  reader: ProtoReader,
  end: number,
  into: Map<string, AttributeValue>,
  depth: number,
): void {
  let key = '';
  let value: AttributeValue = null;
  while (reader.pos < end) {
    const tag = reader.uint32(end);
    switch (tag) {
      case 0x0a: // 1: key
        key = reader.string(end);
        break;
      case 0x12: // 2: value
        value = readAnyValue(reader, reader.lengthDelimitedEnd(end), depth);
        break;
      default:
        reader.skip(tag, end, 'KeyValue', KEY_VALUE_FIELDS);
    }
  }
  into.set(key, value);
}

/** An AnyValue with no field set (the proto's "empty" value) is null. */
function readAnyValue(reader: ProtoReader, end: number, depth: number): AttributeValue {
  let value: AttributeValue = null;
  while (reader.pos < end) {
    const tag = reader.uint32(end);
    // AnyValue is a oneof: if a sender sets several, the last one wins, as in protobuf.
    switch (tag) {
      case 0x0a: // 1: string_value
        value = reader.string(end);
        break;
      case 0x10: // 2: bool_value
        value = reader.bool(end);
        break;
      case 0x18: // 3: int_value
        value = reader.int64(end);
        break;
      case 0x21: // 4: double_value
        value = reader.double(end);
        break;
      case 0x2a: // 5: array_value
        value = readArrayValue(reader, reader.lengthDelimitedEnd(end), depth + 1);
        break;
      case 0x32: // 6: kvlist_value
        value = readKeyValueList(reader, reader.lengthDelimitedEnd(end), depth + 1);
        break;
      case 0x3a: // 7: bytes_value
        value = reader.base64(end);
        break;
      default:
        reader.skip(tag, end, 'AnyValue', ANY_VALUE_FIELDS);
    }
  }
  return value;
}

function checkDepth(reader: ProtoReader, depth: number): void {
  if (depth > MAX_ATTRIBUTE_DEPTH) {
    throw reader.error(`attribute value nested deeper than ${MAX_ATTRIBUTE_DEPTH} levels`);
  }
}

function readArrayValue(reader: ProtoReader, end: number, depth: number): AttributeValue[] {
  checkDepth(reader, depth);
  const values: AttributeValue[] = [];
  while (reader.pos < end) {
    const tag = reader.uint32(end);
    if (tag === 0x0a) values.push(readAnyValue(reader, reader.lengthDelimitedEnd(end), depth));
    else reader.skip(tag, end, 'ArrayValue', LIST_FIELDS);
  }
  return values;
}

function readKeyValueList(reader: ProtoReader, end: number, depth: number): Map<string, AttributeValue> {
  checkDepth(reader, depth);
  const values = new Map<string, AttributeValue>();
  while (reader.pos < end) {
    const tag = reader.uint32(end);
    if (tag === 0x0a) readKeyValue(reader, reader.lengthDelimitedEnd(end), values, depth);
    else reader.skip(tag, end, 'KeyValueList', LIST_FIELDS);
  }
  return values;
}
