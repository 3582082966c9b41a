/**
 * Kinds of values that several sections of otel-config.yaml share, each declared once: durations
 * (`250ms`, `5s`, `30m`, `1h`, `30d`) and endpoint keys (`"POST /api/chat"`).
 */
import { z } from 'zod';
import { parseDuration } from './units.js';

/** A duration in milliseconds, at most `maxMs`; above zero unless `zero` is allowed ("fire at once"). */
export function durationSchema(maxMs: number, zero = false) {
  return z.union([z.string(), z.number()]).transform((value, ctx) => {
    const ms = typeof value === 'string' ? parseDuration(value) : null;
    if (ms === null || ms < 0 || (ms === 0 && !zero)) {
      ctx.addIssue({ code: 'custom', message: `expected a duration ${zero ? 'of zero or more' : 'above zero'} such as ${zero ? '0s, ' : ''}250ms, 5s, 30m, 1h or 30d, got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    if (ms > maxMs) {
      ctx.addIssue({ code: 'custom', message: `expected a duration of at most ${maxMs} ms, got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    return ms;
  });
}

/** An endpoint as the API names it: method, one space, route (`POST /api/chat`). */
export const endpointKey = z.string().regex(/^[A-Z_]{1,20} \S/, 'expected "METHOD /route", e.g. "POST /api/chat"');
