/**
 * Rollups of settled periods, kept in memory so that a status page polled every few seconds
 * does not re-read (and re-parse) 90 days of documents each time.
 *
 * The unit is one period: an hour of hourly documents, a day of daily ones, for all
 * services (a service filter is applied in memory). A unit is settled once it ended more
 * than `settleMs` ago; only settled units are cached, the period in progress is always read
 * from the store. A cached unit is read again after `ttlMs`, which bounds how long spans that
 * arrive late for a past period (a spool drained after a store outage) stay invisible.
 * Concurrent requests share one read; the least recently used units go first when more than
 * `maxDocuments` are held.
 */
import type { Rollup, RollupQuery, StoreReader } from '../../collector/store/types.js';
import { DAY_MS, HOUR_MS } from '../../collector/time/utcTime.js';

export interface RollupCacheOptions {
  now: () => Date;
  /** How long a cached unit is trusted, ms. */
  ttlMs: number;
  /** How long after its end a period may still receive spans (export delay), ms. */
  settleMs: number;
  /** Most documents held; least recently used units are dropped beyond it. */
  maxDocuments: number;
}

interface Unit {
  rollups: Promise<Rollup[]>;
  readAt: number;
  documents: number;
}

export class RollupCache {
  private readonly units = new Map<string, Unit>();
  private documents = 0;

  constructor(private readonly reader: Pick<StoreReader, 'findRollups'>, private readonly options: RollupCacheOptions) {}

  async findRollups(query: RollupQuery): Promise<Rollup[]> {
    const unitMs = query.period === 'hour' ? HOUR_MS : DAY_MS;
    const now = this.options.now().getTime();
    const from = Math.floor(query.from.getTime() / unitMs) * unitMs;
    const settledEnd = Math.min(query.to.getTime(), Math.floor((now - this.options.settleMs) / unitMs) * unitMs);
    const service = query.serviceName;
    const parts: Array<Promise<Rollup[]>> = [];
    let missingFrom: number | null = null;
    for (let start = from; start < settledEnd; start += unitMs) {
      const unit = this.fresh(this.key(query, start), now);
      if (unit === undefined) {
        missingFrom ??= start;
        continue;
      }
      if (missingFrom !== null) parts.push(this.read(query, missingFrom, start, unitMs, now));
      missingFrom = null;
      parts.push(unit.rollups);
    }
    if (missingFrom !== null) parts.push(this.read(query, missingFrom, settledEnd, unitMs, now));
    if (settledEnd < query.to.getTime()) {
      parts.push(this.reader.findRollups({ ...query, from: new Date(Math.max(settledEnd, query.from.getTime())) }));
    }
    const rollups = (await Promise.all(parts)).flat();
    // Whole units lie inside the range; only a range that starts or ends inside a unit, or a
    // service filter, needs the documents sifted.
    const fromMs = query.from.getTime();
    const toMs = query.to.getTime();
    if (service === undefined && from === fromMs && toMs % unitMs === 0) return rollups;
    return rollups.filter((r) => {
      const start = r.start.getTime();
      return start >= fromMs && start < toMs && (service === undefined || r.serviceName === service);
    });
  }

  private key(query: RollupQuery, start: number): string {
    return `${query.period} ${query.level} ${start}`;
  }

  /** The unit when cached and not expired; marks it recently used. */
  private fresh(key: string, now: number): Unit | undefined {
    const unit = this.units.get(key);
    if (unit === undefined) return undefined;
    this.units.delete(key);
    if (now - unit.readAt > this.options.ttlMs) {
      this.documents -= unit.documents;
      return undefined;
    }
    this.units.set(key, unit);
    return unit;
  }

  /** Reads settled units [from, to) with one query and caches each of them, empty ones too. */
  private read(query: RollupQuery, from: number, to: number, unitMs: number, now: number): Promise<Rollup[]> {
    const all = this.reader.findRollups({ period: query.period, level: query.level, from: new Date(from), to: new Date(to) });
    const byStart = all.then((rollups) => {
      const groups = new Map<number, Rollup[]>();
      for (const rollup of rollups) {
        const start = rollup.start.getTime();
        const group = groups.get(start);
        if (group === undefined) groups.set(start, [rollup]);
        else group.push(rollup);
      }
      return groups;
    });
    for (let start = from; start < to; start += unitMs) {
      const key = this.key(query, start);
      const unit: Unit = { rollups: byStart.then((groups) => groups.get(start) ?? []), readAt: now, documents: 0 };
      this.units.set(key, unit);
      unit.rollups.then(
        (rollups) => {
          if (this.units.get(key) !== unit) return;
          unit.documents = rollups.length;
          this.documents += rollups.length;
          this.evict();
        },
        () => {
          if (this.units.get(key) === unit) this.units.delete(key);
        },
      );
    }
    return all;
  }

  private evict(): void {
    for (const [key, unit] of this.units) {
      if (this.documents <= this.options.maxDocuments) return;
      this.units.delete(key);
      this.documents -= unit.documents;
    }
  }
}
