/**
 * Undoes the request's Content-Encoding, with the body size limit applied to the
 * decompressed bytes too. OTLP/HTTP requires receivers to accept `gzip`; anything else is a
 * 415 naming the encoding.
 *
 * A gzip bomb (1 GiB of zeros packs into about 1 MiB) must not be inflated into memory just
 * to find out it is too large: the output is taken chunk by chunk and zlib is stopped as soon
 * as it passes the limit, so memory stays within the limit plus one chunk. Each chunk is
 * reserved in the bytes-in-flight budget as it comes out (429 when the budget is spent).
 */
import { createGunzip } from 'node:zlib';
import { PipelineError } from '../../errors.js';
import type { Reservation } from '../otlp/IngestLimits.js';

const CHUNK_BYTES = 64 * 1024;

export async function decompressBody(body: Buffer, encoding: string | undefined, maxBytes: number, reservation?: Reservation): Promise<Buffer> {
  const coding = (encoding ?? '').trim().toLowerCase();
  if (coding === '' || coding === 'identity') {
    if (body.length > maxBytes) {
      throw PipelineError.permanent(413, `request body is ${body.length} bytes, above the limit of ${maxBytes} bytes`);
    }
    return body;
  }
  // x-gzip is the old name HTTP/1.1 asks recipients to treat as gzip.
  if (coding !== 'gzip' && coding !== 'x-gzip') {
    throw PipelineError.permanent(
      415,
      `unsupported Content-Encoding ${JSON.stringify(coding.slice(0, 64))}; use gzip or send the body uncompressed`,
    );
  }
  const tooLarge = () =>
    PipelineError.permanent(
      413,
      `request body is larger than the limit of ${maxBytes} bytes after gzip decompression (the limit applies to the decompressed size)`,
    );
  return new Promise<Buffer>((resolve, reject) => {
    const gunzip = createGunzip({ chunkSize: CHUNK_BYTES });
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      gunzip.destroy();
      reject(error);
    };
    gunzip.on('data', (chunk: Buffer) => {
      if (settled) return;
      total += chunk.length;
      if (total > maxBytes) return fail(tooLarge());
      try {
        reservation?.reserve(chunk.length);
      } catch (error) {
        return fail(error);
      }
      chunks.push(chunk);
    });
    gunzip.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks, total));
    });
    gunzip.on('error', (error) => fail(PipelineError.permanent(400, `request body is not valid gzip data: ${error.message}`)));
    gunzip.end(body);
  });
}
