/**
 * receivers.otlp.protocols.grpc.max_concurrent_streams reaches clients as the HTTP/2
 * SETTINGS_MAX_CONCURRENT_STREAMS of the gRPC receiver's connections (default 100).
 */
import { connect } from 'node:http2';
import { expect, it } from 'vitest';
import type { TracesConsumer } from '../../../../collector/consumer/TracesConsumer.js';
import { OtlpGrpcReceiver } from '../../../../collector/receiver/otlpgrpc/OtlpGrpcReceiver.js';
import { Telemetry } from '../../../../collector/telemetry/Telemetry.js';

const consumer: TracesConsumer = { consumeTraces: async () => ({ rejectedSpans: 0, errorMessage: '' }) };

async function advertised(maxConcurrentStreams?: number): Promise<number | undefined> {
  const receiver = new OtlpGrpcReceiver({ endpoint: '127.0.0.1:0', maxRequestBodySize: 1024, bearerToken: '', maxConcurrentStreams }, consumer, new Telemetry());
  await receiver.start();
  const session = connect(`http://127.0.0.1:${receiver.address!.port}`);
  try {
    return await new Promise((resolve, reject) => {
      session.once('remoteSettings', (settings) => resolve(settings.maxConcurrentStreams));
      session.once('error', reject);
    });
  } finally {
    session.destroy();
    await receiver.shutdown();
  }
}

it('advertises max_concurrent_streams to every connection', async () => {
  expect(await advertised(7)).toBe(7);
  expect(await advertised()).toBe(100);
});
