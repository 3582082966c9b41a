/**
 * Names a client chose to break a spreadsheet with, through the real pipeline into an export:
 * commas, quotes, CR/LF, and the formula prefixes `=` `+` `-` `@` (and tab) in service, route
 * and agent names. In CSV each comes out quoted where RFC 4180 asks and, when it starts like a
 * formula, prefixed with `'` so a spreadsheet shows it as text; JSON and NDJSON keep it as sent.
 */
import { describe, expect, it } from 'vitest';
import { serverSpan, type SpanSpec } from '../../support/otelSpans.js';
import { pinnedNow, startApiHarness, type SpanpulseFactory } from '../support/apiHarness.js';
import { csvRecords, csvText, getExport, ndjsonRows } from '../support/exports.js';

const SERVICES = ["=cmd|' /C calc'!A0", 'acme, "inc"', '-2+3'];
const ROUTES = ['=HYPERLINK("http://evil.example/?x=1","click")', '/a,b', '/say "hi"', '/line\nbreak\r\nend', '+1/route', '-1/route', '@SUM(A1:A9)', '\t/tab'];
const AGENTS = ['=1+1', '@agent', '+agent', '-agent', 'agent, with "quotes"', 'multi\nline'];

function hostileSpans(now: Date): SpanSpec[] {
  const t = now.getTime() - 10 * 60_000;
  const specs: SpanSpec[] = [];
  SERVICES.forEach((service, s) => ROUTES.forEach((route, r) => {
    const agent = AGENTS[(s + r) % AGENTS.length];
    specs.push(serverSpan({ service, method: 'POST', route, path: '/hostile', status: r % 3 === 0 ? 500 : 200, startMs: t + s * 1000 + r * 10, durationMs: 5 + r, agent }));
  }));
  return specs;
}

export function hostileExportContract(factory: SpanpulseFactory): void {
  describe('export of hostile names', () => {
    it('CSV quotes commas, quotes and line breaks and neutralises formula prefixes with \'; JSON keeps the names', async () => {
      const now = pinnedNow();
      const api = await startApiHarness(factory, now);
      try {
        await api.send(hostileSpans(now));
        for (const by of ['service', 'endpoint', 'agent'] as const) {
          const query = { report: 'daily', by, window: '24h' };
          const json = JSON.parse((await getExport(api.url, { ...query, format: 'json' })).text) as any[];
          const csv = await getExport(api.url, query);
          expect(csv.status).toBe(200);
          const [header, ...records] = csvRecords(csv.text);
          expect(records.length, by).toBe(json.length);
          expect(ndjsonRows((await getExport(api.url, { ...query, format: 'ndjson' })).text), by).toEqual(json);
          // JSON as sent, every name once.
          expect(new Set(json.map((r) => r.service)), by).toEqual(new Set(SERVICES));
          if (by === 'endpoint') expect(new Set(json.map((r) => r.endpoint))).toEqual(new Set(ROUTES));
          if (by === 'agent') expect(new Set(json.map((r) => r.agent))).toEqual(new Set(AGENTS));
          // CSV: the same names, neutralised where they start like a formula; numbers untouched.
          const column = (name: string) => header!.indexOf(name);
          records.forEach((record, i) => {
            for (const name of ['service', 'method', 'endpoint', 'agent']) {
              const value = json[i][name] as string | null;
              expect(record[column(name)], `${by} row ${i} ${name}`).toBe(value === null ? '' : csvText(value));
            }
            expect(Number(record[column('requests')])).toBe(json[i].requests);
          });
          for (const record of records) {
            for (const cell of record) expect(cell, `${by}: no cell starts like a formula`).not.toMatch(/^[=+\-@\t\r]/);
          }
        }
        // On the wire: quoted, quotes doubled, line breaks inside quotes, the `'` inside the quotes where both apply.
        const text = (await getExport(api.url, { report: 'daily', by: 'endpoint', window: '24h' })).text;
        expect(text).toContain('"acme, ""inc"""');
        expect(text).toContain(`"'=HYPERLINK(""http://evil.example/?x=1"",""click"")"`);
        expect(text).toContain('"/line\nbreak\r\nend"');
        expect(text).toContain(",'+1/route,");
        expect(text).toContain(",'-1/route,");
        expect(text).toContain(",'@SUM(A1:A9),");
        expect(text).toContain(",'\t/tab,");
        expect(text).toContain("Z,'=cmd|' /C calc'!A0,POST,");
        // A negative-looking service name is text, so it is neutralised too; the file name keeps only safe characters.
        expect(text).toContain("Z,'-2+3,POST,");
        const named = await getExport(api.url, { report: 'daily', by: 'service', window: '24h', service: 'acme, "inc"' });
        expect(named.headers.get('content-disposition')).toMatch(/^attachment; filename="spanpulse-daily-service-acme_inc_-\d{4}-\d{2}-\d{2}--\d{4}-\d{2}-\d{2}\.csv"$/);
      } finally {
        await api.close();
      }
    });
  });
}
