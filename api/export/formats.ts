/**
 * Writing report rows as CSV (RFC 4180), JSON (one array) or NDJSON (a row a line), a row at
 * a time, so an export streams. CSV: a header row, CRLF line ends, fields quoted when they hold a
 * comma, quote, CR or LF (quotes doubled), ISO 8601 UTC times, numbers with `.` decimals and no
 * thousands separators, empty for null, so spreadsheets read the figures as numbers.
 *
 * CSV injection (a name such as `=HYPERLINK(...)` or `+cmd|...` that a spreadsheet would run):
 * a text field starting with `=`, `+`, `-`, `@`, tab or CR is prefixed with `'`, as OWASP
 * advises: it shows as text and its content stays readable. Only text fields: numbers are
 * written by spanpulse and a negative number stays a number. JSON and NDJSON carry the values as
 * they are.
 */
export type ExportFormat = 'csv' | 'json' | 'ndjson';

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8; header=present',
  json: 'application/json; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
};

type Value = string | number | Date | null;

/** Turns rows into chunks of text: `begin`, then `row` for each, then `end`. */
export interface RowWriter {
  begin(): string;
  row(values: Readonly<Record<string, Value>>): string;
  end(): string;
}

export function rowWriter(format: ExportFormat, columns: readonly string[]): RowWriter {
  if (format === 'csv') {
    return {
      begin: () => `${columns.map(csvField).join(',')}\r\n`,
      row: (values) => `${columns.map((column) => csvValue(values[column] ?? null)).join(',')}\r\n`,
      end: () => '',
    };
  }
  const ordered = (values: Readonly<Record<string, Value>>) => JSON.stringify(Object.fromEntries(columns.map((c) => [c, values[c] ?? null])));
  if (format === 'ndjson') return { begin: () => '', row: (values) => `${ordered(values)}\n`, end: () => '' };
  let first = true;
  return {
    begin: () => '[',
    row: (values) => {
      const text = `${first ? '\n' : ',\n'}${ordered(values)}`;
      first = false;
      return text;
    },
    end: () => (first ? ']\n' : '\n]\n'),
  };
}

function csvValue(value: Value): string {
  if (value === null) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') return Number.isFinite(value) ? plainNumber(value) : '';
  return csvField(neutralised(value));
}

/** Without exponent notation (1e-7, 1e21), which some spreadsheets read as text. */
function plainNumber(value: number): string {
  const text = String(value);
  return text.includes('e') ? value.toFixed(20).replace(/\.?0+$/, '') : text;
}

function neutralised(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
