/** What the collector logs as missing when node was started another way than the bin starts it. */
import { describe, expect, it } from 'vitest';
import { COLLECTOR_ENVIRONMENT, MAIN_THREAD_NODE_FLAGS, missingStartSettings } from '../../collector/heapTuning.js';

describe('missingStartSettings', () => {
  it('names nothing when node got the flags and the environment of the bin', () => {
    expect(missingStartSettings([...MAIN_THREAD_NODE_FLAGS], { ...COLLECTOR_ENVIRONMENT })).toEqual([]);
  });

  it('names each flag and variable missing, and takes a flag spelled with underscores or another value as given', () => {
    expect(missingStartSettings([], {})).toEqual([...MAIN_THREAD_NODE_FLAGS, ...Object.keys(COLLECTOR_ENVIRONMENT)]);
    expect(missingStartSettings(['--max_semi_space_size=4', '--heap_growing_percent=50'], { MALLOC_ARENA_MAX: '8' })).toEqual([]);
  });
});
