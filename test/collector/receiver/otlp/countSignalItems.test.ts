/**
 * The structural check of metrics and logs requests: real bodies from the official serializers
 * in both encodings are accepted with their item counts; bodies that are not the signal's
 * request message are 400 PipelineErrors naming the problem, never another exception.
 */
import { describe, expect, it } from 'vitest';
import { PipelineError } from '../../../../collector/errors.js';
import { countSignalItems } from '../../../../collector/receiver/otlp/countSignalItems.js';
import { LOGS, METRICS } from '../../../../collector/receiver/otlp/ignoredSignals.js';
import { LOG_RECORDS, METRIC_POINTS, otlpLogs, otlpMetrics } from '../../../support/otelSignals.js';
import { seededRandom } from '../../../../bench/seededRandom.js';

const signals = [
  ['metrics', METRICS, otlpMetrics, METRIC_POINTS],
  ['logs', LOGS, otlpLogs, LOG_RECORDS],
] as const;

function refusal(run: () => unknown): PipelineError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(PipelineError);
    return error as PipelineError;
  }
  throw new Error('accepted');
}

describe.each(signals)('%s', (_name, shape, make, items) => {
  it.each(['protobuf', 'json'] as const)('counts the items of a real %s request', async (format) => {
    expect(countSignalItems(shape, format, await make(format))).toBe(items);
  });

  it('an empty request has no items', () => {
    expect(countSignalItems(shape, 'protobuf', Buffer.alloc(0))).toBe(0);
    expect(countSignalItems(shape, 'json', Buffer.from('{}'))).toBe(0);
  });

  it('every truncation of a real protobuf request is a 400 or a shorter valid message', async () => {
    const body = await make('protobuf');
    for (let end = 0; end < body.length; end++) {
      try {
        expect(countSignalItems(shape, 'protobuf', body.subarray(0, end))).toBeLessThanOrEqual(items);
      } catch (error) {
        expect(error).toBeInstanceOf(PipelineError);
        expect((error as PipelineError).httpStatus).toBe(400);
        expect((error as PipelineError).message).toMatch(new RegExp(`^invalid protobuf ${shape.request}: `));
      }
    }
  });

  it('random damage is only ever a 400', async () => {
    const body = await make('protobuf');
    const random = seededRandom(13);
    for (let i = 0; i < 2000; i++) {
      const damaged = Buffer.from(body);
      for (let j = 0; j < 3; j++) damaged[Math.floor(random() * damaged.length)] = Math.floor(random() * 256);
      try {
        countSignalItems(shape, 'protobuf', damaged);
      } catch (error) {
        expect(error).toBeInstanceOf(PipelineError);
        expect((error as PipelineError).httpStatus).toBe(400);
      }
    }
  });

  it('JSON of the wrong shape is a 400 naming the path', () => {
    const json = JSON.stringify(shape.signal === 'metrics' ? { resourceMetrics: [{ scopeMetrics: 'x' }] } : { resourceLogs: [{ scopeLogs: [{ logRecords: [1] }] }] });
    expect(refusal(() => countSignalItems(shape, 'json', Buffer.from(json))).message).toMatch(
      shape.signal === 'metrics' ? /^invalid JSON ExportMetricsServiceRequest: resourceMetrics\[0\]\.scopeMetrics: not an array$/
        : /^invalid JSON ExportLogsServiceRequest: resourceLogs\[0\]\.scopeLogs\[0\]\.logRecords\[0\]: not an object$/,
    );
  });

  it.each([
    ['not JSON', '{', /^request body is not valid JSON/],
    ['not an object', '[]', /request body: not a JSON object/],
  ])('JSON %s is a 400', (_label, text, message) => {
    const error = refusal(() => countSignalItems(shape, 'json', Buffer.from(text)));
    expect(error.httpStatus).toBe(400);
    expect(error.message).toMatch(message);
  });

  it('protobuf with a known field of the wrong wire type is a 400 naming the message', () => {
    // Field 1 (resource_*) as a varint instead of a message.
    expect(refusal(() => countSignalItems(shape, 'protobuf', Buffer.from([0x08, 0x01]))).message).toMatch(
      new RegExp(`^invalid protobuf ${shape.request}: ${shape.request} field 1: wire type 0, expected 2 at byte 0`),
    );
  });
});

it('metrics: data points are counted in every kind of metric data', () => {
  const json = { resourceMetrics: [{ scopeMetrics: [{ metrics: [
    { gauge: { dataPoints: [{}, {}] } }, { sum: { dataPoints: [{}] } }, { histogram: { dataPoints: [{}] } },
    { exponential_histogram: { data_points: [{}] } }, { summary: { dataPoints: [{}, {}, {}] } }, { name: 'no data' },
  ] }] }] };
  expect(countSignalItems(METRICS, 'json', Buffer.from(JSON.stringify(json)))).toBe(8);
});
