/**
 * Gives every contract test its own started store from the backend's factory, and shuts it
 * down afterwards, so backends can isolate tests (MongoDB: a fresh database per call).
 */
import { afterEach, beforeEach } from 'vitest';
import type { Store } from '../../../../collector/store/types.js';

/** Returns a store that is NOT started yet; the suite starts and shuts it down. */
export type StoreFactory = () => Promise<Store>;

export function useStore(createStore: StoreFactory): () => Store {
  let store: Store | undefined;
  beforeEach(async () => {
    store = await createStore();
    await store.start();
  });
  afterEach(async () => {
    await store?.shutdown();
    store = undefined;
  });
  return () => {
    if (store === undefined) throw new Error('store used outside a test');
    return store;
  };
}
