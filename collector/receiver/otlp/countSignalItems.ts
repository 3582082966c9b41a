/**
 * Checks that a metrics or logs request has the top-level shape of its Export*ServiceRequest
 * and counts its items (data points, log records), walking the levels of ignoredSignals.ts.
 * Protobuf goes through the same ProtoReader as traces, so truncation and wire-type mismatches
 * are caught the same way; the items' own bytes are only skipped. A malformed body is a 400
 * PipelineError (INVALID_ARGUMENT on gRPC) naming where it went wrong.
 */
import { PipelineError } from '../../errors.js';
import { parseJsonBody } from '../otlphttp/parseJsonBody.js';
import { ProtoDecodeError, ProtoReader } from '../otlphttp/ProtoReader.js';
import type { WireFormat } from '../otlphttp/encodeResponse.js';
import { isJsonObject, type JsonObject } from '../otlphttp/protoJsonScalars.js';
import type { IgnoredSignalShape, JsonLevel, ProtoLevel } from './ignoredSignals.js';

export function countSignalItems(shape: IgnoredSignalShape, format: WireFormat, body: Buffer): number {
  if (format === 'json') {
    const request = parseJsonBody(body);
    if (!isJsonObject(request)) throw invalid(shape, 'JSON', 'request body: not a JSON object');
    return countJson(shape, request, shape.json, '');
  }
  const reader = new ProtoReader(body);
  try {
    return countProto(reader, body.length, shape.proto);
  } catch (error) {
    if (error instanceof ProtoDecodeError) throw invalid(shape, 'protobuf', `${error.message} at byte ${error.offset}`);
    throw error;
  }
}

function countProto(reader: ProtoReader, end: number, level: ProtoLevel): number {
  let count = 0;
  while (reader.pos < end) {
    const tag = reader.uint32(end);
    const next = (tag & 7) === 2 ? level.into.get(tag >>> 3) : undefined;
    if (next === undefined) {
      reader.skip(tag, end, level.message, level.expected);
      continue;
    }
    const contentEnd = reader.lengthDelimitedEnd(end);
    if (next === null) {
      count++;
      reader.pos = contentEnd;
    } else {
      count += countProto(reader, contentEnd, next);
    }
  }
  return count;
}

function countJson(shape: IgnoredSignalShape, object: JsonObject, level: JsonLevel, path: string): number {
  let count = 0;
  for (const field of level.into) {
    const value = object[field.camel] ?? object[field.snake];
    if (value === undefined || value === null) continue;
    const fieldPath = path ? `${path}.${field.camel}` : field.camel;
    const elements = field.repeated ? value : [value];
    if (!Array.isArray(elements)) throw invalid(shape, 'JSON', `${fieldPath}: not an array`);
    elements.forEach((element: unknown, i) => {
      const elementPath = field.repeated ? `${fieldPath}[${i}]` : fieldPath;
      if (!isJsonObject(element)) throw invalid(shape, 'JSON', `${elementPath}: not an object`);
      count += field.level === null ? 1 : countJson(shape, element, field.level, elementPath);
    });
  }
  return count;
}

function invalid(shape: IgnoredSignalShape, encoding: string, problem: string): PipelineError {
  return PipelineError.permanent(400, `invalid ${encoding} ${shape.request}: ${problem}`);
}
