// The exchange's only clock. Commands are stamped with their receive time
// here, before they are logged; the engine never reads a clock, so replaying
// the log reproduces every timestamp. The sequencer, the gateway's timers and
// the snapshotter take a `Clock`, so tests advance a manual one instead of
// sleeping (test/support/manual-clock.ts).

export interface Clock {
  /** Nanoseconds since the Unix epoch, never decreasing. A float64: exact to ~256 ns. */
  nowNs(): number;
  /** Calls `fn` every `intervalMs` of this clock's time until the returned function is called. */
  every(intervalMs: number, fn: () => void): () => void;
}

/** Wall clock at start-up minus the monotonic clock: their sum is a monotonic wall clock. */
const epochOffsetNs = Date.now() * 1e6 - Bun.nanoseconds();

/** Nanoseconds since the Unix epoch, monotonic within the process. A float64: exact to ~256 ns. */
export function nowNs(): number {
  return epochOffsetNs + Bun.nanoseconds();
}

/** The process's monotonic wall clock and the event loop's timers. */
export const systemClock: Clock = {
  nowNs,
  every(intervalMs: number, fn: () => void): () => void {
    const timer = setInterval(fn, intervalMs);
    return () => clearInterval(timer);
  },
};

/** Milliseconds since the Unix epoch on `clock` (a float: sub-millisecond precision kept). */
export function nowMs(clock: Clock): number {
  return clock.nowNs() / 1e6;
}

/** Microseconds since the Unix epoch as an exact integer: the engine's timestamp unit. */
export function nsToUs(ns: number): number {
  return Math.floor(ns / 1000);
}
