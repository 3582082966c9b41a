/**
 * Validates an IANA time zone name (`Europe/Berlin`) with Intl, which knows the zones of the
 * ICU data Node ships with, and returns its canonical spelling.
 */
import { HttpError } from '../HttpError.js';

export function parseTimeZone(value: string): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    throw HttpError.badRequest(`unknown time zone ${JSON.stringify(value)}; use an IANA name such as UTC, Europe/Berlin or America/New_York`);
  }
}
