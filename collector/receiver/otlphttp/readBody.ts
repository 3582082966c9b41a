/**
 * Reading a request body with a size limit: refuses at once when Content-Length is over
 * the limit and stops buffering as soon as the received bytes pass it (413), so a large
 * upload never sits in memory. Each chunk is reserved in the bytes-in-flight budget as it
 * arrives (429 when the budget is spent), never on the declared length, so a client trickling
 * a body holds only what it has sent. A client that goes away mid-body settles the promise too
 * (the caller releases the reservation on every path).
 */
import type { IncomingMessage } from 'node:http';
import { PipelineError } from '../../errors.js';
import type { Reservation } from '../otlp/IngestLimits.js';

export function readBody(request: IncomingMessage, maxBytes: number, reservation?: Reservation): Promise<Buffer> {
  const tooLarge = () => PipelineError.permanent(413, `request body is larger than the limit of ${maxBytes} bytes`);
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(tooLarge());
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const stop = (error: PipelineError) => {
      cleanup();
      request.pause();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) return stop(tooLarge());
      try {
        reservation?.reserve(chunk.length);
      } catch (error) {
        return stop(error as PipelineError);
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(PipelineError.permanent(400, `could not read the request body: ${error.message}`));
    };
    const onClose = () => onError(new Error('the connection closed before the body was complete'));
    const cleanup = () => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('close', onClose);
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('close', onClose);
  });
}
