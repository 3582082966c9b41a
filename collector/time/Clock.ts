/**
 * Time for the parts that act at given times (scheduled reports): the current time and a
 * timer, injectable so tests move time by hand instead of waiting for it.
 */

export interface Timer {
  cancel(): void;
}

export interface Clock {
  now(): Date;
  /** Calls `callback` once, after `delayMs` (at the earliest); the timer does not keep the process alive. */
  setTimer(callback: () => void, delayMs: number): Timer;
}

/** Node's timers take at most 2^31-1 ms (about 24.8 days); a longer wait fires early and the caller checks again. */
export const MAX_TIMER_MS = 2_147_483_647;

export const systemClock: Clock = {
  now: () => new Date(),
  setTimer(callback, delayMs) {
    const timer = setTimeout(callback, Math.min(MAX_TIMER_MS, Math.max(0, delayMs)));
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};
