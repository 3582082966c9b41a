/**
 * Response bodies, read back by what clients use: the JS exporter's own response
 * deserializers for ExportTraceServiceResponse, and protobufjs with the public
 * google.rpc.Status schema for error bodies.
 */
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { encodeExportResponse, encodeStatus } from '../../../../collector/receiver/otlphttp/encodeResponse.js';

// google/rpc/status.proto: code = 1, message = 2, repeated google.protobuf.Any details = 3.
const Status = protobuf.Root.fromJSON({
  nested: {
    google: {
      nested: {
        protobuf: { nested: { Any: { fields: { type_url: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 } } } } },
        rpc: {
          nested: {
            Status: {
              fields: {
                code: { type: 'int32', id: 1 },
                message: { type: 'string', id: 2 },
                details: { rule: 'repeated', type: 'google.protobuf.Any', id: 3 },
              },
            },
          },
        },
      },
    },
  },
}).lookupType('google.rpc.Status');

const longMessage = `2 spans rejected: ${'span 0123456789abcdef has an absurd start time; '.repeat(10)}ünïcødé ✓`;

describe('encodeExportResponse', () => {
  it('leaves partial_success unset when every span was accepted', () => {
    const json = encodeExportResponse('json', 0, '');
    expect(JSON.parse(json.toString())).toEqual({});
    expect(JsonTraceSerializer.deserializeResponse(json)).toEqual({});
    const proto = encodeExportResponse('protobuf', 0, '');
    expect(proto.length).toBe(0);
    expect(ProtobufTraceSerializer.deserializeResponse(proto)).toEqual({});
  });

  it('reports rejected spans and the reason, readable by the JS exporter (JSON)', () => {
    const body = encodeExportResponse('json', 2, longMessage);
    const response = JsonTraceSerializer.deserializeResponse(body);
    // proto3 JSON writes int64 as a decimal string.
    expect(response.partialSuccess).toEqual({ rejectedSpans: '2', errorMessage: longMessage });
    expect(Number(response.partialSuccess!.rejectedSpans)).toBe(2);
  });

  it('reports rejected spans and the reason, readable by the JS exporter (protobuf)', () => {
    const response = ProtobufTraceSerializer.deserializeResponse(encodeExportResponse('protobuf', 300, longMessage));
    expect(response.partialSuccess).toEqual({ rejectedSpans: 300, errorMessage: longMessage });
  });

  it('passes a warning on with zero rejected spans', () => {
    expect(JsonTraceSerializer.deserializeResponse(encodeExportResponse('json', 0, 'slow down')).partialSuccess).toEqual({
      rejectedSpans: '0',
      errorMessage: 'slow down',
    });
    const fromProto = ProtobufTraceSerializer.deserializeResponse(encodeExportResponse('protobuf', 0, 'slow down'));
    expect(fromProto.partialSuccess).toEqual({ errorMessage: 'slow down' });
  });

  it('counts past one varint byte and up to 2^53', () => {
    for (const rejected of [127, 128, 16_384, 2 ** 31, Number.MAX_SAFE_INTEGER]) {
      const response = ProtobufTraceSerializer.deserializeResponse(encodeExportResponse('protobuf', rejected, 'x'));
      expect(response.partialSuccess?.rejectedSpans).toBe(rejected);
    }
    expect(() => encodeExportResponse('json', -1, '')).toThrow(RangeError);
    expect(() => encodeExportResponse('protobuf', 1.5, '')).toThrow(RangeError);
  });
});

describe('encodeStatus', () => {
  it.each([
    [3, 'invalid OTLP/JSON ExportTraceServiceRequest: resourceSpans: not an array'],
    [8, 'too many spans waiting; retry later'],
    [14, longMessage],
    [16, ''],
  ])('writes google.rpc.Status code %i with its message', (code, message) => {
    const fromProto = Status.toObject(Status.decode(encodeStatus('protobuf', code, message)), { defaults: true });
    expect(fromProto).toEqual({ code, message, details: [] });
    expect(JSON.parse(encodeStatus('json', code, message).toString())).toEqual({ code, message });
  });

  it('refuses a code that is not a google.rpc.Code', () => {
    expect(() => encodeStatus('json', -3, 'x')).toThrow(RangeError);
  });
});
