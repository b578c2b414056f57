// The exchange's only clock. Commands are stamped with their receive time
// here, before they are logged; the engine never reads a clock, so replaying
// the log reproduces every timestamp.

/** Wall clock at start-up minus the monotonic clock: their sum is a monotonic wall clock. */
const epochOffsetNs = Date.now() * 1e6 - Bun.nanoseconds();

/** Nanoseconds since the Unix epoch, monotonic within the process. A float64: exact to ~256 ns. */
export function nowNs(): number {
  return epochOffsetNs + Bun.nanoseconds();
}

/** Microseconds since the Unix epoch as an exact integer: the engine's timestamp unit. */
export function nsToUs(ns: number): number {
  return Math.floor(ns / 1000);
}
