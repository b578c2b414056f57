// Candle intervals: UTC-aligned buckets. Every interval divides a day, and the
// Unix epoch is a UTC midnight without leap seconds, so flooring a timestamp to
// a multiple of the interval gives the calendar bucket (00:00, 00:05, ... and
// 00:00, 04:00, 08:00 ... UTC), the same buckets as QuestDB's
// `SAMPLE BY ... ALIGN TO CALENDAR` in UTC.

export const intervalNames = ["1m", "5m", "15m", "1h", "4h", "1d"] as const;
export type IntervalName = (typeof intervalNames)[number];
export const intervalCount = intervalNames.length;

const minuteUs = 60_000_000;
/** Length of each interval in microseconds, in the order of `intervalNames`. */
export const intervalUs: readonly number[] = [
  minuteUs,
  5 * minuteUs,
  15 * minuteUs,
  60 * minuteUs,
  240 * minuteUs,
  1440 * minuteUs,
];

/** Index of an interval name, or -1 (API edges). */
export function intervalIndex(name: string): number {
  return (intervalNames as readonly string[]).indexOf(name);
}

/** Open time of the bucket holding `tsUs` (a non-negative integer). */
export function bucketOpenUs(tsUs: number, interval: number): number {
  return tsUs - (tsUs % intervalUs[interval]!);
}

for (let i = 0; i < intervalCount; i++) {
  const len = intervalUs[i]!;
  if (!(Number.isSafeInteger(len) && (1440 * minuteUs) % len === 0))
    throw new Error(`interval ${intervalNames[i]} must divide a day`);
  if (i > 0 && !(len > intervalUs[i - 1]!)) throw new Error("intervals must be listed shortest first");
}
