// A ClientClock that moves only when told (tests): `advance(ms)` runs every
// timer that falls due, in due order (ties in the order they were set), each
// with the clock reading its due time, so a test states exactly how much time
// passed and sees exactly the timers that time would fire.

import type { ClientClock, ClientTimer } from "./clock.ts";

interface Pending {
  dueMs: number;
  /** 0 for a one-shot timer. */
  periodMs: number;
  fn: () => void;
  /** Creation order: the tie-break between timers due at once. */
  order: number;
  live: boolean;
}

export class ManualClock implements ClientClock {
  private now: number;
  private readonly timers: Pending[] = [];
  private created = 0;

  constructor(startMs = 1000) {
    this.now = startMs;
  }

  nowMs(): number {
    return this.now;
  }

  after(delayMs: number, fn: () => void): ClientTimer {
    return this.add(delayMs, 0, fn);
  }

  every(periodMs: number, fn: () => void): ClientTimer {
    if (!(periodMs > 0)) throw new Error(`ManualClock.every: period ${periodMs} ms must be positive`);
    return this.add(periodMs, periodMs, fn);
  }

  /** Timers set and neither fired (one-shot) nor cancelled. */
  get pendingCount(): number {
    return this.timers.length;
  }

  /** When the earliest pending timer is due; Infinity when none is. */
  nextDueMs(): number {
    const next = this.earliest(Infinity);
    return next === null ? Infinity : next.dueMs;
  }

  /** Moves time forward by `ms`, firing what falls due on the way. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new Error(`ManualClock.advance: ${ms} ms`);
    const endMs = this.now + ms;
    for (let next = this.earliest(endMs); next !== null; next = this.earliest(endMs)) {
      this.now = next.dueMs;
      if (next.periodMs > 0) next.dueMs += next.periodMs;
      else this.remove(next);
      next.fn();
    }
    this.now = endMs;
  }

  private add(delayMs: number, periodMs: number, fn: () => void): ClientTimer {
    const t: Pending = { dueMs: this.now + Math.max(0, delayMs), periodMs, fn, order: this.created++, live: true };
    this.timers.push(t);
    return { cancel: () => this.remove(t) };
  }

  private remove(t: Pending): void {
    if (!t.live) return;
    t.live = false;
    this.timers.splice(this.timers.indexOf(t), 1);
  }

  private earliest(byMs: number): Pending | null {
    let best: Pending | null = null;
    for (const t of this.timers) {
      if (t.dueMs > byMs) continue;
      if (best === null || t.dueMs < best.dueMs || (t.dueMs === best.dueMs && t.order < best.order)) best = t;
    }
    return best;
  }
}
