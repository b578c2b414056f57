// Order ids for tapes: a random permutation over a large range, as on public
// benchmark tapes, so an id index sees no helpful locality (sequential ids
// would sit side by side in a direct-mapped table).
//
// The low 32 bits are a bijective 32-bit mix of (sequence + key), so ids are
// unique without a set; 8 more random bits above them spread ids over
// [1, 2^40), beyond 32 bits, which both books must handle (float64 here, a
// Java long in the peer).

const TWO_32 = 4294967296;

/** lowbias32 (Chris Wellons): an invertible 32-bit mix, so distinct inputs give distinct outputs. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

export class IdPermutation {
  private readonly key: number;
  private next = 0;

  constructor(seed: number) {
    this.key = mix32(seed ^ 0x1d5eed) >>> 0;
  }

  /** The next id of the permutation: unique for the first 2^32 - 1 calls, never 0. */
  take(): number {
    for (;;) {
      const n = this.next++;
      if (n >= TWO_32 - 1) throw new Error("id permutation exhausted");
      const low = mix32((n + this.key) >>> 0);
      // One sequence number maps to 0; skipping it keeps ids positive (the low half of a live id is then never 0).
      if (low === 0) continue;
      const high = mix32((n ^ this.key ^ 0xa5a5a5a5) >>> 0) & 0xff;
      return high * TWO_32 + low;
    }
  }
}
