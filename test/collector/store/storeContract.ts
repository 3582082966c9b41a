/**
 * The store contract suite (collector/store/types.ts), run by every backend's test file:
 *
 *   runStoreContract('sqlite', async () => new SqliteStore({ path: ':memory:' }));
 *
 * The factory returns a new store that is NOT started yet, isolated from every other store it
 * returned (MongoDB: a fresh database per call); the suite starts and shuts each one down.
 * Records are built by small factories with known answers (contract/records.ts); all times
 * are relative to a fixed UTC day a few days before the run.
 */
import { describe } from 'vitest';
import { aggregationContract } from './contract/aggregationContract.js';
import { alertContract } from './contract/alertContract.js';
import { genaiContract } from './contract/genaiContract.js';
import { archiveContract } from './contract/archiveContract.js';
import { lifecycleContract } from './contract/lifecycleContract.js';
import { maintenanceContract } from './contract/maintenanceContract.js';
import { readContract } from './contract/readContract.js';
import { sessionContract } from './contract/sessionContract.js';
import type { ContractOptions } from './contract/optOut.js';
import type { StoreFactory } from './contract/useStore.js';
import { writeContract } from './contract/writeContract.js';

export type { ContractOptions } from './contract/optOut.js';
export type { StoreFactory } from './contract/useStore.js';
export { SAME_IDS_OTHER_TIME } from './contract/writeContract.js';

/** `options.optOut`: tests this backend skips, each with its written reason. */
export function runStoreContract(name: string, createStore: StoreFactory, options: ContractOptions = {}): void {
  describe(`store contract: ${name}`, () => {
    lifecycleContract(createStore);
    writeContract(createStore, options);
    aggregationContract(createStore);
    readContract(createStore);
    sessionContract(createStore);
    maintenanceContract(createStore);
    alertContract(createStore);
    genaiContract(createStore);
    archiveContract(createStore);
  });
}
