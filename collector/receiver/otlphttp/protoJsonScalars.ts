/**
 * Readers for the scalar fields of OTLP/JSON, the proto3 JSON mapping with OTLP's exceptions
 * (opentelemetry-proto docs/specification.md, "JSON Protobuf Encoding"):
 * - 64-bit integers arrive as decimal strings or as JSON numbers; both are accepted;
 * - trace and span ids are hex strings in any case, not base64;
 * - enums are integers, though the names are accepted as proto3 JSON parsers do;
 * - null means "field not set".
 * Each reader takes the JSON path of the value so a wrong type is reported where it is.
 */
import { PipelineError } from '../../errors.js';

export type JsonObject = { readonly [key: string]: unknown };

export function invalidJson(path: string, problem: string): PipelineError {
  return PipelineError.permanent(400, `invalid OTLP/JSON ExportTraceServiceRequest: ${path}: ${problem}`);
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A field by its lowerCamelCase name, else by the proto's own snake_case name (proto3 JSON
 * parsers accept both). Undefined when absent or null.
 */
export function field(object: JsonObject, camelName: string, snakeName: string): unknown {
  const value = object[camelName] ?? object[snakeName];
  return value === null ? undefined : value;
}

export function readObject(value: unknown, path: string): JsonObject | undefined {
  if (value === undefined) return undefined;
  if (!isJsonObject(value)) throw invalidJson(path, 'not an object');
  return value;
}

export function readArray(value: unknown, path: string): readonly unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalidJson(path, 'not an array');
  return value;
}

export function readString(value: unknown, path: string): string {
  if (value === undefined) return '';
  if (typeof value !== 'string') throw invalidJson(path, 'not a string');
  return value;
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** Trace and span ids: hex of any case, lowercased; length is mapping's business. */
export function readHexId(value: unknown, path: string): string {
  if (value === undefined) return '';
  if (typeof value !== 'string' || !HEX.test(value)) {
    throw invalidJson(path, 'not a hex string (OTLP/JSON ids are hex, not base64)');
  }
  return value.toLowerCase();
}

const UNSIGNED = /^[0-9]+$/;
const SIGNED = /^-?[0-9]+$/;
const UINT64_MAX = 0xffff_ffff_ffff_ffffn;
const INT64_MIN = -0x8000_0000_0000_0000n;
const INT64_MAX = 0x7fff_ffff_ffff_ffffn;

/**
 * fixed64 timestamps: exact from decimal strings (what every SDK sends); a JSON number above
 * 2^53 has already been rounded by JSON.parse, so it is kept as that rounded value.
 */
export function readUint64(value: unknown, path: string): bigint {
  if (value === undefined) return 0n;
  let result: bigint;
  if (typeof value === 'string' && UNSIGNED.test(value)) result = BigInt(value);
  else if (typeof value === 'number' && Number.isInteger(value)) result = BigInt(value);
  else throw invalidJson(path, 'not an integer');
  if (result < 0n || result > UINT64_MAX) throw invalidJson(path, 'out of range for uint64');
  return result;
}

/** int64 attribute values, as a number: exact within ±2^53, rounded beyond (see Span.ts). */
export function readInt64(value: unknown, path: string): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value !== 'string' || !SIGNED.test(value)) throw invalidJson(path, 'not an integer');
  // Anything shorter than 16 digits is well inside both the int64 and the exact-double range.
  if (value.length > 15) {
    const exact = BigInt(value);
    if (exact < INT64_MIN || exact > INT64_MAX) throw invalidJson(path, 'out of range for int64');
  }
  return Number(value);
}

const SPECIAL_DOUBLES: Readonly<Record<string, number>> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

/** proto3 JSON writes NaN and the infinities as strings, and allows numbers as strings. */
export function readDouble(value: unknown, path: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const special = Object.hasOwn(SPECIAL_DOUBLES, value) ? SPECIAL_DOUBLES[value] : undefined;
    if (special !== undefined) return special;
    const parsed = value.trim() === '' ? NaN : Number(value);
    if (!Number.isNaN(parsed)) return parsed;
  }
  throw invalidJson(path, 'not a number');
}

/** Enum fields: the integer (unknown values kept) or the value's name from `names`. */
export function readEnum(value: unknown, path: string, names: ReadonlyMap<string, number>): number {
  if (value === undefined) return 0;
  if (typeof value === 'number' && Number.isInteger(value) && value >= -0x8000_0000 && value <= 0x7fff_ffff) {
    return value;
  }
  if (typeof value === 'string') {
    const known = names.get(value);
    if (known !== undefined) return known;
    throw invalidJson(path, `unknown enum value ${JSON.stringify(value.slice(0, 64))}`);
  }
  throw invalidJson(path, 'not an enum value (integer or name)');
}

export function readBool(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') throw invalidJson(path, 'not a boolean');
  return value;
}

const BASE64 = /^[A-Za-z0-9+/\-_]*={0,2}$/;

/** bytes fields: standard or URL-safe base64 (proto3 JSON accepts both), normalized to standard. */
export function readBase64(value: unknown, path: string): string {
  if (typeof value !== 'string' || !BASE64.test(value)) throw invalidJson(path, 'not base64');
  return Buffer.from(value, 'base64').toString('base64');
}
