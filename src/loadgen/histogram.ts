// A log-linear latency histogram over one typed array (HdrHistogram's layout):
// values below 2^subBits have a bucket each; above, every power of two is cut
// into 2^subBits equal buckets, so a reported value is within 1/128 (0.8%)
// of the true one. Recording is an index computation and one increment: no
// allocation, so it can sit in the report handler at 100k reports/s.
//
// Why not the hdr-histogram-js package (3.0.1 is available): this needs
// record, percentile, merge and reset over non-negative integers, about 80
// lines; the package brings a WebAssembly build, its own allocation of
// growing arrays and more API than the load generator uses.

/** Buckets per power of two = 2^subBits. */
const subBits = 7;
const subCount = 1 << subBits;
/** Values up to 2^valueBitsMax (2^42 ns = 73 minutes) get their own bucket; larger ones land in the last. */
const valueBitsMax = 42;
const bucketsCount = (valueBitsMax - subBits + 1) * subCount;
const two32 = 4294967296;

function bucketIndex(value: number): number {
  if (value < subCount) return value;
  const e = value < two32 ? 31 - Math.clz32(value) : 63 - Math.clz32(Math.floor(value / two32));
  const shift = e - subBits;
  const index = (shift + 1) * subCount + (Math.floor(value / 2 ** shift) - subCount);
  return index < bucketsCount ? index : bucketsCount - 1;
}

/** The largest value that falls into bucket `index`. */
function bucketHigh(index: number): number {
  if (index < subCount) return index;
  const shift = Math.floor(index / subCount) - 1;
  const sub = (index % subCount) + subCount;
  return (sub + 1) * 2 ** shift - 1;
}

export class Histogram {
  readonly counts = new Float64Array(bucketsCount);
  count = 0;
  sum = 0;
  min = Infinity;
  max = 0;

  /** Records a non-negative value (rounded to an integer; negatives count as 0). */
  record(value: number): void {
    const v = value > 0 ? Math.round(value) : 0;
    this.counts[bucketIndex(v)]!++;
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  /** The value at or below which `percent` % of the recorded values lie (0 when empty). */
  percentile(percent: number): number {
    if (!(percent >= 0 && percent <= 100)) throw new Error(`percentile ${percent}`);
    if (this.count === 0) return 0;
    if (percent === 100) return this.max;
    const target = Math.max(1, Math.ceil((percent / 100) * this.count));
    let seen = 0;
    const counts = this.counts;
    for (let i = 0; i < bucketsCount; i++) {
      seen += counts[i]!;
      if (seen >= target) return Math.min(bucketHigh(i), this.max);
    }
    return this.max;
  }

  get mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  add(other: Histogram): void {
    const a = this.counts;
    const b = other.counts;
    for (let i = 0; i < bucketsCount; i++) a[i]! += b[i]!;
    this.count += other.count;
    this.sum += other.sum;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.sum = 0;
    this.min = Infinity;
    this.max = 0;
  }
}

/** Relative error bound of a reported value. */
export const histogramPrecision = 1 / subCount;
