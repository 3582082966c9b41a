/**
 * The gRPC receiver gives each connection HTTP/2 receive windows larger than Node's 64 KiB
 * (receiveWindows.ts), so a client can send all its calls in flight at once.
 */
import { connect, constants } from 'node:http2';
import { expect, it } from 'vitest';
import type { TracesConsumer } from '../../../../collector/consumer/TracesConsumer.js';
import { OtlpGrpcReceiver } from '../../../../collector/receiver/otlpgrpc/OtlpGrpcReceiver.js';
import { TRACE_SERVICE_EXPORT_PATH } from '../../../../collector/receiver/otlpgrpc/otlpServices.js';
import { RECEIVE_WINDOWS } from '../../../../collector/receiver/otlpgrpc/receiveWindows.js';
import { Telemetry } from '../../../../collector/telemetry/Telemetry.js';

const consumer: TracesConsumer = { consumeTraces: async () => ({ rejectedSpans: 0, errorMessage: '' }) };

it('advertises the stream window and opens the connection window to every client', async () => {
  const receiver = new OtlpGrpcReceiver({ endpoint: '127.0.0.1:0', maxRequestBodySize: 1024, bearerToken: '' }, consumer, new Telemetry());
  await receiver.start();
  const session = connect(`http://127.0.0.1:${receiver.address!.port}`);
  try {
    const settings = await new Promise<{ initialWindowSize?: number }>((resolve, reject) => {
      session.once('remoteSettings', resolve);
      session.once('error', reject);
    });
    expect(settings.initialWindowSize).toBe(RECEIVE_WINDOWS.stream);
    // An empty Export (a 5-byte gRPC frame): its answer comes after the server's WINDOW_UPDATE.
    const call = session.request({
      [constants.HTTP2_HEADER_METHOD]: 'POST',
      [constants.HTTP2_HEADER_PATH]: TRACE_SERVICE_EXPORT_PATH,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    const trailers = new Promise<Record<string, unknown>>((resolve) => call.once('trailers', resolve));
    call.end(Buffer.alloc(5));
    call.resume();
    expect((await trailers)['grpc-status']).toBe('0');
    expect(session.state.remoteWindowSize).toBeGreaterThanOrEqual(RECEIVE_WINDOWS.connection - 5);
  } finally {
    session.destroy();
    await receiver.shutdown();
  }
});
