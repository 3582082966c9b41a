/**
 * Reading /api/status/export answers the way their users do: CSV through a real CSV parser
 * (csv-parse, strict: CRLF records, consistent column counts, no stray quotes), JSON as one
 * array, NDJSON a value a line; and turning parsed CSV back into the values the JSON holds.
 */
import { parse } from 'csv-parse/sync';
import { expect } from 'vitest';

export interface ExportAnswer {
  status: number;
  headers: Headers;
  text: string;
}

export async function getExport(baseUrl: string, query: Record<string, string>, headers: Record<string, string> = {}): Promise<ExportAnswer> {
  const response = await fetch(`${baseUrl}/api/status/export?${new URLSearchParams(query)}`, { headers });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** The records of a CSV answer, the header row first; throws on anything RFC 4180 does not allow. */
export function csvRecords(text: string): string[][] {
  return parse(text, { record_delimiter: '\r\n', relax_quotes: false, relax_column_count: false, skip_empty_lines: false, bom: false });
}

/** A number as the CSV writes it: `.` decimals, no thousands separators, no exponent. */
export const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

/** What a text value of the JSON becomes in CSV: a formula prefix is neutralised with `'` (README "Exports"). */
export function csvText(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/**
 * Checks one parsed CSV answer against the JSON rows of the same export, field by field: the
 * header is the JSON's keys in order, numbers are plain and equal, null is empty, dates are
 * the same ISO 8601 strings, text is the same (neutralised where it must be).
 */
export function expectCsvMatchesJson(records: string[][], rows: readonly Record<string, unknown>[], what: string): void {
  const [header, ...body] = records;
  expect(body.length, `${what}: CSV rows`).toBe(rows.length);
  rows.forEach((row, i) => {
    expect(header, `${what}: header`).toEqual(Object.keys(row));
    const cells = body[i]!;
    Object.entries(row).forEach(([column, value], c) => {
      const cell = cells[c]!;
      const where = `${what}: row ${i + 1} ${column}`;
      if (value === null) expect(cell, where).toBe('');
      else if (typeof value === 'number') {
        expect(cell, where).toMatch(PLAIN_NUMBER);
        expect(Number(cell), where).toBe(value);
      } else if (typeof value === 'boolean') expect(cell, where).toBe(value ? 'yes' : 'no');
      else expect(cell, where).toBe(csvText(String(value)));
    });
  });
}

/** The lines of an NDJSON answer, parsed; the answer ends with a newline and has no empty line. */
export function ndjsonRows(text: string): unknown[] {
  if (text === '') return [];
  expect(text.endsWith('\n'), 'NDJSON ends with a newline').toBe(true);
  return text.slice(0, -1).split('\n').map((line) => JSON.parse(line) as unknown);
}
