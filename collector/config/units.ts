/**
 * Durations and byte sizes as users write them in otel-config.yaml (`30m`, `250ms`, `400d`,
 * `16MiB`), parsed into milliseconds and bytes.
 */

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

const SIZE = /^(\d+)(B|KiB|MiB|GiB)?$/;
const SIZE_BYTES: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

/** Milliseconds, or null when `text` is not a duration like `5s`. */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text.trim());
  if (!match) return null;
  return Number(match[1]) * DURATION_MS[match[2]!]!;
}

/** Bytes, or null when `text` is not a size like `16MiB` or `1048576`. */
export function parseSize(text: string): number | null {
  const match = SIZE.exec(text.trim());
  if (!match) return null;
  return Number(match[1]) * SIZE_BYTES[match[2] ?? 'B']!;
}
