/**
 * Flushes buffered spans when the host is about to stop, without changing how it stops.
 *
 * - SIGTERM / SIGINT and the host has no handler of its own (signal-exit's do not count, see
 *   signalExitListeners): Node would have terminated the process by that signal. We flush
 *   (bounded), remove our listeners and re-raise the signal, so the process still dies by it
 *   (a parent sees the same signal / 128+n exit status).
 *   A second signal during the flush re-raises at once.
 * - The host has its own handler: it decides what happens; we only flush what is buffered so
 *   far (bounded) and keep the SDK running for the requests it may still drain. If that flush
 *   runs out of time, the final one on `beforeExit` is skipped: the deadline is for the whole stop.
 * - `beforeExit` (nothing left to do): final flush and SDK shutdown, then Node exits as it
 *   would have, with the host's exit code.
 *
 * Adding a signal listener removes Node's default action, hence the re-raise. The deadline
 * timer is deliberately NOT unref'd: during `beforeExit` it is what keeps the process alive
 * until the flush is done, and it never outlives `timeoutMs`.
 */

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;
type Signal = (typeof SIGNALS)[number];

export interface SpanFlusher {
  /** Exports the spans buffered so far; the SDK keeps running. */
  flush(): Promise<void>;
  /** Exports the buffered spans and stops the SDK. */
  shutdown(): Promise<void>;
  /** The deadline passed: stop waiting for exports in flight, so that nothing of ours keeps the process alive. */
  abandon(): void;
}

/** Installs the handlers; returns a function that removes them again. */
export function installShutdownHandlers(flusher: SpanFlusher, timeoutMs: number): () => void {
  let finalFlush: Promise<void> | undefined;
  let reraising = false;
  // Set once a flush ran out of time: the collector is not taking spans now, and one wait of
  // `timeoutMs` is all the app was promised, so the final flush on `beforeExit` is skipped.
  let gaveUp = false;
  const abandon = (): void => {
    gaveUp = true;
    flusher.abandon();
  };
  const shutdownOnce = (): Promise<void> => (finalFlush ??= withDeadline(() => flusher.shutdown(), timeoutMs, abandon));

  const uninstall = (): void => {
    for (const signal of SIGNALS) process.removeListener(signal, onSignal);
    process.removeListener('beforeExit', onBeforeExit);
  };

  const reraise = (signal: Signal): void => {
    uninstall();
    try {
      process.kill(process.pid, signal);
    } catch {
      // Cannot happen for our own pid; if it does, the host keeps running as if we were absent.
    }
  };

  function onSignal(signal: Signal): void {
    // Counted now, before any listener registered with `once` removes itself.
    const hostHandlesIt = process.listenerCount(signal) - 1 - signalExitListeners() > 0;
    if (hostHandlesIt) {
      void withDeadline(() => flusher.flush(), timeoutMs, abandon);
      return;
    }
    if (reraising) {
      reraise(signal);
      return;
    }
    reraising = true;
    void shutdownOnce().then(() => reraise(signal));
  }

  function onBeforeExit(): void {
    // Fires again once our flush has drained the loop; the settled promise then adds no work.
    if (gaveUp) return;
    void shutdownOnce();
  }

  for (const signal of SIGNALS) process.on(signal, onSignal);
  process.on('beforeExit', onBeforeExit);
  return uninstall;
}

/**
 * How many signal listeners belong to signal-exit (v3 and v4; loaded by execa, write-file-atomic
 * and many other libraries). Each re-raises the signal itself, but only once its copies are the
 * only listeners left, so it must not count as the host handling the signal: if it did, it
 * would wait for us and we for it, and the process would survive SIGTERM. It keeps its count
 * on a shared emitter for exactly this kind of check.
 */
function signalExitListeners(): number {
  const v4 = (globalThis as Record<symbol, { count?: unknown } | undefined>)[Symbol.for('signal-exit emitter')];
  const v3 = (process as { __signal_exit_emitter__?: { count?: unknown } }).__signal_exit_emitter__;
  return [v4?.count, v3?.count].reduce<number>((sum, count) => sum + (typeof count === 'number' ? count : 0), 0);
}

/**
 * Runs `work`, settling (never rejecting) when it is done or after `timeoutMs`, whichever is
 * first; `onTimeout` runs in the second case.
 */
function withDeadline(work: () => Promise<void>, timeoutMs: number, onTimeout: () => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      try {
        onTimeout();
      } finally {
        resolve();
      }
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    try {
      work().then(done, done);
    } catch {
      done();
    }
  });
}
