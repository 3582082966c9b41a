/**
 * A Clock (collector/time/Clock.ts) that moves only when a test says so: `advanceTo` sets the
 * time and fires the timers that are due by then, earliest first.
 */
import type { Clock, Timer } from '../../collector/time/Clock.js';

export class ManualClock implements Clock {
  private timers: Array<{ at: number; callback: () => void; cancelled: boolean }> = [];

  constructor(private current: number) {}

  now(): Date {
    return new Date(this.current);
  }

  setTimer(callback: () => void, delayMs: number): Timer {
    const timer = { at: this.current + Math.max(0, delayMs), callback, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => (timer.cancelled = true) };
  }

  /** When the earliest pending timer fires, or null. */
  nextTimerAt(): Date | null {
    const pending = this.timers.filter((t) => !t.cancelled).sort((a, b) => a.at - b.at);
    return pending.length === 0 ? null : new Date(pending[0]!.at);
  }

  advanceTo(time: Date): void {
    for (;;) {
      const due = this.timers.filter((t) => !t.cancelled && t.at <= time.getTime()).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      due.cancelled = true;
      this.current = Math.max(this.current, due.at);
      due.callback();
    }
    this.current = Math.max(this.current, time.getTime());
    this.timers = this.timers.filter((t) => !t.cancelled);
  }
}
