/**
 * Which SQLite failures are a record's data (storeErrors.ts has the one error model): a
 * constraint the row breaks (a NOT NULL column given NaN, a CHECK), a value too big or of the
 * wrong type. Only the statement of that row fails; the batch's transaction goes on without it.
 * Everything else (busy, locked, full, I/O error, corrupt, read-only, unknown) is retryable.
 */

/** The primary result code (`SQLITE_CONSTRAINT_NOTNULL` -> `SQLITE_CONSTRAINT`), or undefined for non-SQLite errors. */
function primaryCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return undefined;
  return code.split('_').slice(0, 2).join('_');
}

const RECORD_DATA_CODES = new Set(['SQLITE_CONSTRAINT', 'SQLITE_TOOBIG', 'SQLITE_MISMATCH']);

export function isRecordDataError(error: unknown): boolean {
  const code = primaryCode(error);
  if (code !== undefined) return RECORD_DATA_CODES.has(code);
  // better-sqlite3 refuses to bind a value SQLite has no type for, before SQLite runs.
  return error instanceof TypeError && /bind/i.test(error.message);
}
