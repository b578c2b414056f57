// Histograms: observations counted into fixed buckets (upper bounds, `le`),
// with their sum and count. `observe` allocates nothing: a scan over the
// bounds and two additions.

import { MetricFamily, type MetricOptions } from "./family.ts";
import type { LabelDeclaration } from "./labels.ts";

/** A histogram with more buckets than this costs more to scrape than it tells. */
export const bucketsMax = 64;

export class HistogramChild {
  /** Observations per bucket, not cumulative; the last slot counts those above every bound (+Inf). */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  readonly bounds: Float64Array;

  constructor(bounds: Float64Array) {
    this.bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    if (Number.isNaN(value)) throw new Error("metrics: histogram observation is NaN");
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }

  /**
   * Replaces the state with counts kept elsewhere (e.g. the journal's log2
   * sync-time buckets) at collection time. `counts` must have one slot per
   * bound plus the +Inf slot.
   */
  setFrom(counts: ArrayLike<number>, sum: number): void {
    if (counts.length !== this.counts.length)
      throw new Error(`metrics: setFrom with ${counts.length} counts, expected ${this.counts.length}`);
    let total = 0;
    for (let i = 0; i < counts.length; i++) {
      this.counts[i] = counts[i]!;
      total += counts[i]!;
    }
    this.count = total;
    this.sum = sum;
  }
}

export interface HistogramOptions<L extends LabelDeclaration> extends MetricOptions<L> {
  /** Upper bounds, strictly increasing and finite; +Inf is added. */
  buckets: readonly number[];
}

export class Histogram<L extends LabelDeclaration = Record<string, never>> extends MetricFamily<L, HistogramChild> {
  readonly type = "histogram";
  readonly bounds: Float64Array;

  constructor(options: HistogramOptions<L>) {
    const bounds = checkedBounds(options.name, options.buckets);
    super(options, ["le"], () => new HistogramChild(bounds));
    this.bounds = bounds;
  }
}

function checkedBounds(name: string, buckets: readonly number[]): Float64Array {
  if (buckets.length === 0 || buckets.length > bucketsMax)
    throw new Error(`metrics: ${name}: 1..${bucketsMax} buckets, got ${buckets.length}`);
  for (let i = 0; i < buckets.length; i++) {
    if (!Number.isFinite(buckets[i]!))
      throw new Error(`metrics: ${name}: bucket bounds must be finite (+Inf is implicit)`);
    if (i > 0 && !(buckets[i]! > buckets[i - 1]!)) throw new Error(`metrics: ${name}: bucket bounds must increase`);
  }
  return Float64Array.from(buckets);
}
