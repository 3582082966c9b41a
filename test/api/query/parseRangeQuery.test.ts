import { describe, expect, it } from 'vitest';
import { HttpError } from '../../../api/HttpError.js';
import { parseRangeQuery, type RangeQueryContext } from '../../../api/query/parseRangeQuery.js';

const DAY = 86_400_000;
const context: RangeQueryContext = {
  now: new Date('2025-06-15T10:20:00Z'),
  retentionMs: 90 * DAY,
  services: ['shop', 'crm'],
  allowedParameters: ['window', 'from', 'to', 'service', 'tz'],
};

function parse(query: Record<string, unknown>) {
  return parseRangeQuery(query, context);
}

const iso = (d: Date) => d.toISOString();

describe('parseRangeQuery', () => {
  it.each([
    [{}, '24h', '2025-06-14T10:00:00.000Z', '2025-06-15T11:00:00.000Z', '2025-06-13T09:00:00.000Z'],
    [{ window: '1h' }, '1h', '2025-06-15T09:00:00.000Z', '2025-06-15T11:00:00.000Z', '2025-06-15T07:00:00.000Z'],
    [{ window: '7d' }, '7d', '2025-06-08T10:00:00.000Z', '2025-06-15T11:00:00.000Z', '2025-06-01T09:00:00.000Z'],
    [{ window: '90d' }, '90d', '2025-03-17T10:00:00.000Z', '2025-06-15T11:00:00.000Z', '2024-12-17T09:00:00.000Z'],
    [{ from: '2025-06-01', to: '2025-06-03' }, null, '2025-06-01T00:00:00.000Z', '2025-06-03T00:00:00.000Z', '2025-05-30T00:00:00.000Z'],
    [{ from: '2025-06-01T08:30:00+02:00', to: '2025-06-01T09:10:00Z' }, null, '2025-06-01T06:00:00.000Z', '2025-06-01T10:00:00.000Z', '2025-06-01T02:00:00.000Z'],
    // A date-time without a zone is UTC, never the server's local time.
    [{ from: '2025-06-15T08:00' }, null, '2025-06-15T08:00:00.000Z', '2025-06-15T11:00:00.000Z', '2025-06-15T05:00:00.000Z'],
  ])('%j reads whole hours [from, to) and the same number of hours before', (query, window, from, to, previousFrom) => {
    const parsed = parse(query);
    expect(parsed.window).toBe(window);
    expect(iso(parsed.range.from)).toBe(from);
    expect(iso(parsed.range.to)).toBe(to);
    expect(iso(parsed.previous.from)).toBe(previousFrom);
    expect(iso(parsed.previous.to)).toBe(from);
  });

  it('ends the data of a window that reaches into the future at now', () => {
    const parsed = parse({ window: '24h' });
    expect(parsed.range.end).toEqual(context.now);
    expect(parsed.previous.end).toEqual(parsed.previous.to);
    expect(parse({ from: '2025-06-01', to: '2025-06-30' }).range.end).toEqual(context.now);
  });

  it('reads service and time zone', () => {
    expect(parse({ service: 'crm', tz: 'europe/berlin' })).toMatchObject({ serviceName: 'crm', timeZone: 'Europe/Berlin' });
    expect(parse({})).toMatchObject({ serviceName: undefined, timeZone: 'UTC' });
  });

  it.each([
    [{ window: '2h' }, /unknown window "2h"; allowed: 1h, 24h, 7d, 30d, 90d/],
    [{ window: '24h', from: '2025-06-01' }, /either window or from\/to/],
    [{ from: '2025-06-03', to: '2025-06-01' }, /must be before to/],
    [{ from: '2025-06-03', to: '2025-06-03' }, /must be before to/],
    [{ to: '2025-06-03' }, /to needs a from/],
    [{ from: 'yesterday' }, /from must be an ISO 8601 date/],
    [{ from: '2025-02-30T25:00:00Z' }, /from must be an ISO 8601 date/],
    [{ from: '2025-07-01', to: '2025-07-02' }, /is in the future/],
    [{ from: '2025-06-14', to: '9999-12-31' }, /from\.\.to spans \d+ days, more than the 90 days of data kept/],
    [{ from: '2025-04-31' }, /from must be an ISO 8601 date/],
    [{ from: '2025-06-01', to: '2025-02-29T10:00:00Z' }, /to must be an ISO 8601 date/],
    [{ from: '2025-03-01' }, /beyond the retention: data is kept from 2025-03-17T10:20:00.000Z/],
    [{ service: 'billing' }, /unknown service "billing"; known services: shop, crm/],
    [{ tz: 'Mars/Olympus' }, /unknown time zone "Mars\/Olympus"/],
    [{ windows: '7d' }, /unknown parameter "windows"; allowed: window, from, to, service, tz/],
    [{ window: ['1h', '7d'] }, /must be given once/],
  ])('rejects %j with a 400 that says what is allowed', (query, message) => {
    let error: unknown;
    try {
      parse(query);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(400);
    expect((error as HttpError).message).toMatch(message);
  });
});
