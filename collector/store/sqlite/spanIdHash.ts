/**
 * The 53-bit hash of (traceId, spanId) that the SQLite store keys span_ids by, beside the
 * span's start millisecond (schema.ts). 53 bits keep it an exact JavaScript number and an
 * 8-byte SQLite integer. Two different spans count as one only if they start in the same
 * millisecond and hash alike: about 2^-53 per pair of spans of one millisecond.
 *
 * cyrb53 (public domain): two 32-bit multiplicative hashes over the characters, mixed. Mapping
 * gives ids of fixed length (32 and 16 hex digits), so joining them cannot make two pairs alike.
 */
export function spanIdHash(traceId: string, spanId: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (const id of [traceId, spanId]) {
    for (let i = 0; i < id.length; i++) {
      const ch = id.charCodeAt(i);
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
    }
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
