/** Parses an OTLP/JSON request body; a body that is not JSON is a 400. */
import { PipelineError } from '../../errors.js';

export function parseJsonBody(body: Buffer): unknown {
  try {
    // A UTF-8 byte order mark is legal in a JSON text on the wire but JSON.parse rejects it.
    const text = body.toString('utf8');
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    throw PipelineError.permanent(400, `request body is not valid JSON: ${(error as Error).message}`);
  }
}
