/**
 * Both decoders against bodies made by the official OTLP serializers from real SDK spans:
 * every field spanpulse uses must come back exactly (ids, nanosecond times, kinds, status,
 * every attribute value kind, resource attributes).
 */
import { describe, expect, it } from 'vitest';
import type { Span } from '../../../../collector/pdata/Span.js';
import { decodeJsonTraces } from '../../../../collector/receiver/otlphttp/decodeJsonTraces.js';
import { decodeProtobufTraces } from '../../../../collector/receiver/otlphttp/decodeProtobufTraces.js';
import { expectedSpan, otlpJson, otlpProtobuf, variedSpans } from './sdkSpans.js';

const bySpanId = (a: Span, b: Span) => a.spanId.localeCompare(b.spanId);

describe.each([
  ['JSON', otlpJson, decodeJsonTraces],
  ['protobuf', otlpProtobuf, decodeProtobufTraces],
] as const)('%s round trip', (_name, serialize, decode) => {
  const sdkSpans = variedSpans();
  const decoded = decode(serialize(sdkSpans));

  it('decodes every span with every field the SDK recorded', () => {
    expect(decoded).toHaveLength(sdkSpans.length);
    expect([...decoded].sort(bySpanId)).toEqual(sdkSpans.map(expectedSpan).sort(bySpanId));
  });

  it('keeps times as exact nanosecond bigints', () => {
    const stable = decoded.find((span) => span.name === 'POST /api/reports')!;
    expect(stable.startTimeUnixNano).toBe(1_767_225_660_999_999_999n);
    expect(stable.endTimeUnixNano).toBe(1_767_225_661_000_000_000n);
  });

  it('shares one resource Map between the spans of a resource', () => {
    const agentApi = decoded.filter((span) => span.resource.get('service.name') === 'agent-api');
    expect(agentApi.length).toBeGreaterThan(1);
    expect(new Set(agentApi.map((span) => span.resource)).size).toBe(1);
  });

  it('reads both HTTP conventions, kinds and status as sent', () => {
    const legacy = decoded.find((span) => span.name === 'GET /api/agents/:agent/chat')!;
    expect(legacy.kind).toBe(2);
    expect(legacy.parentSpanId).toBe('');
    expect(legacy.attributes.get('http.method')).toBe('GET');
    expect(legacy.attributes.get('http.status_code')).toBe(200);
    const client = decoded.find((span) => span.kind === 3)!;
    expect(client.parentSpanId).toBe(legacy.spanId);
    expect(client.statusCode).toBe(2);
    expect(client.statusMessage).toBe('upstream timed out ✗');
    const raw = decoded.find((span) => span.resource.get('service.name') === 'billing')!;
    expect(raw.attributes.get('attr.kvlist')).toEqual(
      new Map<string, unknown>([
        ['model', 'm-1'],
        ['limits', new Map<string, unknown>([['tokens', 4096], ['stream', true]])],
        ['tags', ['a', 'b']],
      ]),
    );
    expect(raw.attributes.get('attr.bytes')).toBe('AAEC+v8=');
  });
});

describe('JSON and protobuf', () => {
  it('decode the same spans to the same values', () => {
    const sdkSpans = variedSpans();
    const fromJson = decodeJsonTraces(otlpJson(sdkSpans)).sort(bySpanId);
    const fromProtobuf = decodeProtobufTraces(otlpProtobuf(sdkSpans)).sort(bySpanId);
    expect(fromJson).toEqual(fromProtobuf);
  });
});
