/**
 * Oracles for the truncation tests, written independently of collector/mapping/truncate.ts.
 */

/** The longest prefix of whole code points of `value` that is at most `limit` UTF-16 units. */
export function codePointPrefix(value: string, limit: number): string {
  let prefix = '';
  for (const codePoint of value) {
    if (prefix.length + codePoint.length > limit) break;
    prefix += codePoint;
  }
  return prefix;
}

/** True when `value` survives a UTF-8 round trip, as every store does: no lone surrogate. */
export function isStoredUnchanged(value: string): boolean {
  return Buffer.from(value, 'utf8').toString('utf8') === value;
}
