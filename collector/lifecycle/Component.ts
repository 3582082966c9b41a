/**
 * The one lifecycle of every part of a running spanpulse (store, pipeline, jobs, status API,
 * receivers): `start()` returns once the part is ready (file open, port bound) and throws when
 * it cannot be; `shutdown(deadlineMs)` is idempotent, safe before start, flushes what the part
 * holds and gives up waiting after `deadlineMs`. collector/service.ts starts the parts in the
 * order of one list and stops them in reverse (startInOrder / shutdownInReverse).
 */
import { log } from '../log.js';

export interface Component {
  /** For logs: `store`, `pipeline`, `receiver/otlphttp`, ... */
  readonly name: string;
  start(): Promise<void>;
  shutdown(deadlineMs: number): Promise<void>;
}

/** Starts `components` one after the other; if one fails, stops those already started (in reverse) and rethrows. */
export async function startInOrder(components: readonly Component[], deadlineMs: number): Promise<void> {
  const started: Component[] = [];
  for (const component of components) {
    try {
      await component.start();
    } catch (error) {
      await shutdownInReverse(started, deadlineMs);
      throw error;
    }
    started.push(component);
  }
}

/**
 * Stops `components` last first, within one `deadlineMs` for all of them: each gets what is
 * left of it, and one that overruns it is left behind (logged) so the others still stop.
 */
export async function shutdownInReverse(components: readonly Component[], deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (const component of [...components].reverse()) {
    const left = Math.max(0, deadline - Date.now());
    let timer: NodeJS.Timeout | undefined;
    const overran = new Promise<'overran'>((resolve) => {
      timer = setTimeout(() => resolve('overran'), left);
      timer.unref();
    });
    const outcome = await Promise.race([component.shutdown(left).then(() => 'done' as const), overran]).catch((error: unknown) => {
      log.warn('shutdown of a component failed', { component: component.name, error });
      return 'failed' as const;
    });
    clearTimeout(timer);
    if (outcome === 'overran') log.warn('shutdown of a component did not finish within the deadline', { component: component.name, deadlineMs });
  }
}
