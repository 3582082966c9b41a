/**
 * Undoes the request's Content-Encoding, with the body size limit applied to the
 * decompressed bytes too. OTLP/HTTP requires receivers to accept `gzip`; anything else is a
 * 415 naming the encoding.
 *
 * A gzip bomb (1 GiB of zeros packs into about 1 MiB) must not be inflated into memory just
 * to find out it is too large: zlib is told the output limit and stops as soon as the output
 * passes it, so memory stays within the limit plus one zlib chunk.
 */
import { gunzip } from 'node:zlib';
import { PipelineError } from '../../errors.js';

export async function decompressBody(body: Buffer, encoding: string | undefined, maxBytes: number): Promise<Buffer> {
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
    // zlib rejects a maxOutputLength below 1; a zero limit is still enforced by the check below.
    gunzip(body, { maxOutputLength: Math.max(1, maxBytes) }, (error, result) => {
      if (!error) {
        if (result.length > maxBytes) reject(tooLarge());
        else resolve(result);
      } else if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        reject(tooLarge());
      } else {
        reject(PipelineError.permanent(400, `request body is not valid gzip data: ${error.message}`));
      }
    });
  });
}
