/**
 * Failure injection at the driver's collection level, for the MongoDB tests of failures the
 * real server cannot be made to produce on cue (a failure between two steps of a unit): the
 * real `db`, except that bulk writes and inserts (the FerretDB protocol inserts new counter
 * documents) to one collection throw a network error whenever `fails(operations)` says so.
 * Everything else, including every write that is let through, is real.
 */
import { MongoNetworkError, type Db } from 'mongodb';

/** `operations`: the bulk write's operations, or the documents of an insertMany. */
export type FailWhen = (operations: readonly unknown[]) => boolean;

export function withFailingWrites(db: Db, failing: string, fails: FailWhen): Db {
  const bind = (target: object, prop: string | symbol) => {
    const value = Reflect.get(target, prop, target) as unknown;
    return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
  };
  return new Proxy(db, {
    get(target, prop) {
      if (prop !== 'collection') return bind(target, prop);
      return (name: string) => {
        const collection = target.collection(name);
        if (name !== failing) return collection;
        return new Proxy(collection, {
          get(c, p) {
            if (p !== 'bulkWrite' && p !== 'insertMany') return bind(c, p);
            const real = bind(c, p) as (operations: unknown[], ...rest: unknown[]) => Promise<unknown>;
            return (operations: unknown[], ...rest: unknown[]) => fails(operations)
              ? Promise.reject(new MongoNetworkError('connection reset (injected)'))
              : real(operations, ...rest);
          },
        });
      };
    },
  });
}
