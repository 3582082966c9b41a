/**
 * Decodes OTLP/JSON attribute lists (`[{ "key": ..., "value": AnyValue }]`) into Maps.
 * Keys are only ever Map keys, never object properties, so `__proto__` or `constructor`
 * sent as an attribute key stays plain data. Values decode exactly as the protobuf decoder
 * decodes them (see readProtobufAttributes.ts): int64 as number, bytes as base64 text,
 * an empty AnyValue as null.
 */
import type { AttributeValue } from '../../pdata/Span.js';
import { MAX_ATTRIBUTE_DEPTH } from './maxAttributeDepth.js';
import {
  field,
  invalidJson,
  readArray,
  readBase64,
  readBool,
  readDouble,
  readInt64,
  readObject,
  readString,
} from './protoJsonScalars.js';

/** A repeated KeyValue field; `depth` counts the arrays and key-value lists around it. */
export function readJsonAttributes(value: unknown, path: string, depth = 0): Map<string, AttributeValue> {
  const attributes = new Map<string, AttributeValue>();
  const list = readArray(value, path);
  for (let i = 0; i < list.length; i++) {
    const itemPath = `${path}[${i}]`;
    const keyValue = readObject(list[i], itemPath);
    if (keyValue === undefined) throw invalidJson(itemPath, 'not an object');
    const key = readString(field(keyValue, 'key', 'key'), `${itemPath}.key`);
    attributes.set(key, readAnyValue(field(keyValue, 'value', 'value'), `${itemPath}.value`, depth));
  }
  return attributes;
}

function readAnyValue(value: unknown, path: string, depth: number): AttributeValue {
  const anyValue = readObject(value ?? undefined, path);
  if (anyValue === undefined) return null;
  // AnyValue is a oneof; the first kind found is used, the others ignored.
  let v = field(anyValue, 'stringValue', 'string_value');
  if (v !== undefined) return readString(v, `${path}.stringValue`);
  v = field(anyValue, 'boolValue', 'bool_value');
  if (v !== undefined) return readBool(v, `${path}.boolValue`);
  v = field(anyValue, 'intValue', 'int_value');
  if (v !== undefined) return readInt64(v, `${path}.intValue`);
  v = field(anyValue, 'doubleValue', 'double_value');
  if (v !== undefined) return readDouble(v, `${path}.doubleValue`);
  v = field(anyValue, 'arrayValue', 'array_value');
  if (v !== undefined) return readArrayValue(v, `${path}.arrayValue`, depth + 1);
  v = field(anyValue, 'kvlistValue', 'kvlist_value');
  if (v !== undefined) return readKeyValueList(v, `${path}.kvlistValue`, depth + 1);
  v = field(anyValue, 'bytesValue', 'bytes_value');
  if (v !== undefined) return readBase64(v, `${path}.bytesValue`);
  return null;
}

function checkDepth(path: string, depth: number): void {
  if (depth > MAX_ATTRIBUTE_DEPTH) {
    throw invalidJson(path, `attribute value nested deeper than ${MAX_ATTRIBUTE_DEPTH} levels`);
  }
}

function readArrayValue(value: unknown, path: string, depth: number): AttributeValue[] {
  checkDepth(path, depth);
  const arrayValue = readObject(value, path);
  const valuesPath = `${path}.values`;
  const list = arrayValue === undefined ? [] : readArray(field(arrayValue, 'values', 'values'), valuesPath);
  const values: AttributeValue[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) values[i] = readAnyValue(list[i], `${valuesPath}[${i}]`, depth);
  return values;
}

function readKeyValueList(value: unknown, path: string, depth: number): Map<string, AttributeValue> {
  checkDepth(path, depth);
  const kvlistValue = readObject(value, path);
  if (kvlistValue === undefined) return new Map();
  return readJsonAttributes(field(kvlistValue, 'values', 'values'), `${path}.values`, depth);
}
