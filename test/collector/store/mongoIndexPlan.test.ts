/**
 * The MongoDB index plan with archive on (`extensions.retention.archive`): a TTL index would
 * delete documents before the retention job archives them, so no archived collection has one,
 * while the others (minute rollups, presence keys) keep theirs. A pure function: no server.
 */
import { describe, expect, it } from 'vitest';
import { ARCHIVED_COLLECTIONS } from '../../../collector/store/archive/archiveFormat.js';
import { DEFAULT_RETENTION } from '../../../collector/store/createStore.js';
import { COLLECTIONS } from '../../../collector/store/mongodb/documents.js';
import { indexPlan } from '../../../collector/store/mongodb/mongoIndexes.js';

const archived = new Set<string>(ARCHIVED_COLLECTIONS);
const ttlCollections = (plans: ReturnType<typeof indexPlan>) => [...new Set(plans.filter((p) => p.ttlMs !== undefined).map((p) => p.collection))].sort();

describe('indexPlan with archive', () => {
  it('gives no archived collection a TTL index and keeps the others', () => {
    const without = ttlCollections(indexPlan(DEFAULT_RETENTION));
    const withArchive = ttlCollections(indexPlan(DEFAULT_RETENTION, archived));
    // Without the archive every archived collection expires by TTL (so the check below can fail).
    expect(without.filter((c) => archived.has(c))).toEqual([...ARCHIVED_COLLECTIONS].sort());
    expect(withArchive).toEqual(without.filter((c) => !archived.has(c)));
    expect(withArchive).toContain(COLLECTIONS.minuteMetrics);
    expect(withArchive).toContain(COLLECTIONS.hourlyPresence);
    // The indexes themselves stay (retention's deletes and the archive's selects use them).
    expect(indexPlan(DEFAULT_RETENTION, archived).map((p) => [p.collection, p.key])).toEqual(indexPlan(DEFAULT_RETENTION).map((p) => [p.collection, p.key]));
  });
});
