/**
 * Distinct-session counts of the analytics windows, kept for a short time. Counting distinct
 * sessions and users over a 30-day window reads every session of the window (hundreds of
 * thousands at 10 M requests), and unlike rollups such counts cannot be added up from
 * smaller periods. The analytics view asks for windows ending at the next whole minute, so
 * all requests within a minute share one count.
 */
import type { SessionCounts, SessionQuery, StoreReader } from '../../collector/store/types.js';

export const MINUTE_MS = 60_000;
const MAX_ENTRIES = 500;

export class SessionCountCache {
  private readonly entries = new Map<string, { counts: Promise<SessionCounts>; readAt: number }>();

  constructor(
    private readonly reader: Pick<StoreReader, 'countSessions'>,
    private readonly now: () => Date,
    private readonly ttlMs = MINUTE_MS,
  ) {}

  countSessions(query: SessionQuery): Promise<SessionCounts> {
    const key = JSON.stringify([query.from.getTime(), query.to.getTime(), query.serviceName ?? null, query.activeOnly ?? false]);
    const now = this.now().getTime();
    const cached = this.entries.get(key);
    if (cached !== undefined && now - cached.readAt <= this.ttlMs) return cached.counts;
    const counts = this.reader.countSessions(query);
    this.entries.delete(key);
    this.entries.set(key, { counts, readAt: now });
    counts.catch(() => this.entries.delete(key));
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= MAX_ENTRIES) break;
      this.entries.delete(oldest);
    }
    return counts;
  }
}

/** The end of the minute `date` falls in (itself when on a minute). */
export function ceilMinute(date: Date): Date {
  return new Date(Math.ceil(date.getTime() / MINUTE_MS) * MINUTE_MS);
}
