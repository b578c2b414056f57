// Histogram bucket bounds (upper bounds, seconds or counts), chosen for what
// each measures. Each list is strictly increasing; +Inf is implicit.

/** `count` bounds from `start`, each `factor` times the last. */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  if (!(start > 0 && factor > 1 && Number.isInteger(count) && count >= 1))
    throw new Error("metrics: exponentialBuckets needs start > 0, factor > 1, count >= 1");
  const out: number[] = [];
  let bound = start;
  for (let i = 0; i < count; i++) {
    out.push(Number(bound.toPrecision(6)));
    bound *= factor;
  }
  return out;
}

/**
 * Matching one command: p50 is 150-400 ns and p99 under 1.5 µs on the
 * benchmark box (README); sweeps of hundreds of levels reach 10 µs+, and a
 * GC pause inside a command milliseconds.
 */
export const matchingSecondsBuckets: readonly number[] = [
  100e-9, 250e-9, 500e-9, 1e-6, 2.5e-6, 5e-6, 10e-6, 25e-6, 50e-6, 100e-6, 250e-6, 1e-3, 10e-3,
];

/** Disk and network round trips: fdatasync is 0.2-8 ms on the project's virtual disk, seconds under writeback. */
export const ioSecondsBuckets: readonly number[] = [
  50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 250e-3, 1, 2.5, 10,
];

/** Event-loop delay: under a millisecond when healthy; GC pauses of 1-6 ms; seconds when something blocks. */
export const eventLoopDelaySecondsBuckets: readonly number[] = [
  1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 250e-3, 500e-3, 1, 2.5, 5,
];

/** Snapshot phases: the matching pause is 4-33 ms for 0.1-1M orders, encode and save up to seconds. */
export const snapshotSecondsBuckets: readonly number[] = [
  1e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 250e-3, 500e-3, 1, 2.5, 5, 10, 30,
];
