// Test support: a clock that moves only when the test says so. Timers
// registered with `every` run as the clock passes their due times, in time
// order, so a test advances time instead of sleeping.

import type { Clock } from "../../src/sequencer/clock.ts";

interface Timer {
  intervalNs: number;
  dueNs: number;
  fn: () => void;
  live: boolean;
}

export class ManualClock implements Clock {
  private ns: number;
  private readonly timers: Timer[] = [];

  /**
   * Starts at `startNs`. The default, 10^15 ns (12 days after the epoch), keeps
   * every time an exact integer in a float64 (below 2^53 ns, about 104 days),
   * so adding and comparing milliseconds never rounds.
   */
  constructor(startNs = 1e15) {
    this.ns = startNs;
  }

  nowNs(): number {
    return this.ns;
  }

  every(intervalMs: number, fn: () => void): () => void {
    if (!(intervalMs > 0)) throw new Error(`timer interval ${intervalMs} ms must be positive`);
    const t: Timer = { intervalNs: intervalMs * 1e6, dueNs: this.ns + intervalMs * 1e6, fn, live: true };
    this.timers.push(t);
    return () => {
      t.live = false;
      const at = this.timers.indexOf(t);
      if (at >= 0) this.timers.splice(at, 1);
    };
  }

  /** Moves the clock forward by `ms`, running every timer that falls due, in time order. */
  advanceMs(ms: number): void {
    if (!(ms >= 0)) throw new Error(`cannot move a clock back (${ms} ms)`);
    const target = this.ns + ms * 1e6;
    for (;;) {
      let next: Timer | null = null;
      for (const t of this.timers) if (t.live && t.dueNs <= target && (next === null || t.dueNs < next.dueNs)) next = t;
      if (next === null) break;
      this.ns = Math.max(this.ns, next.dueNs);
      next.dueNs += next.intervalNs;
      next.fn();
    }
    this.ns = target;
  }
}
