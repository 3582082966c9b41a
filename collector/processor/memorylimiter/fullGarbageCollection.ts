/**
 * A full V8 garbage collection on demand, for the memory limiter. Node offers `gc()` only
 * under `--expose-gc`; the flag can be set at run time, and a context created afterwards
 * carries the function (the flag changes nothing else). Why the limiter needs it: under a
 * flood of refused requests the heap fills with short-lived garbage (sockets, buffers, errors
 * that outlived a scavenge) that V8, far from its own heap limit, collects only much later,
 * so RSS stays above the soft limit while nothing is in flight and every request is refused.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | undefined;

/** Runs a full collection of this thread's heap (synchronous: a pause of tens to hundreds of ms). */
export function fullGarbageCollection(): void {
  if (collect === undefined) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed !== undefined) {
      collect = exposed;
    } else {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    }
  }
  collect();
}
