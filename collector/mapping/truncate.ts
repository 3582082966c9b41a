/**
 * The one way a string from a span is cut to a storage limit. Every length limit in the
 * mapping (service names, routes, agents, user agents, operation names, ...) goes through it,
 * so a value is stored, filtered on and shown in the same form wherever it came from.
 */

/** A high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * `value` as well-formed UTF-16 of at most `maxLength` code units (the limit is in UTF-16
 * code units, like `String.length`).
 *
 * The cut falls on a code-point boundary: when it would separate the two halves of a
 * surrogate pair (an emoji, '𝒜'), the whole code point is left out, so the result may be one
 * unit shorter than `maxLength`. A bare `slice` would leave a lone high surrogate, which the
 * stores write as U+FFFD, and the stored name would then match no filter that names the value
 * as sent. The cut is by code point, not by grapheme: a flag or an emoji sequence joined by
 * ZWJ at the limit may keep only its first code points, which is still valid text.
 *
 * A lone surrogate already in the input (JSON allows `"\ud800"`) is replaced by U+FFFD here,
 * which is what either store would write anyway, so the value compared in memory is the one
 * stored. The replacement keeps the length, so it never moves the cut.
 */
export function truncateString(value: string, maxLength: number): string {
  const wellFormed = value.replace(LONE_SURROGATE, '\uFFFD');
  if (wellFormed.length <= maxLength) return wellFormed;
  const end = isHighSurrogate(wellFormed.charCodeAt(maxLength - 1)) ? maxLength - 1 : maxLength;
  return wellFormed.slice(0, end);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
