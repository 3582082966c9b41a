/**
 * A store opened only to read it, by commands that run beside (or without) a collector, such
 * as `spanpulse export`: no schema or index is created, nothing is written, no writer thread
 * or background job is started. The queries are the StoreReader's, with the same results.
 */
import type { StoreReader } from './types.js';

export interface StoreReadOnly extends Pick<StoreReader, 'ping' | 'findRollups' | 'listServices'> {
  readonly backend: 'sqlite' | 'mongodb';
  /** Idempotent. */
  close(): Promise<void>;
}
