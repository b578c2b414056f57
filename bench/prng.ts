// A small seeded PRNG (xoshiro128**, seeded through splitmix32) so every
// workload is the same command stream on every run and machine; Math.random
// would make two runs, or ours and the peer's, see different inputs.

export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new Error(`seed ${seed} must be an integer`);
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    // xoshiro must not start from the all-zero state.
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** Uniform integer in [0, 2^32). */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n >= 1)) throw new Error(`int(${n}): n must be >= 1`);
    return Math.floor(this.float() * n);
  }

  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  /**
   * Pareto(xMin, alpha): heavy-tailed, most draws near xMin and a few far
   * away; the shape of order distances from the mid on real books.
   */
  pareto(xMin: number, alpha: number): number {
    return xMin / Math.pow(1 - this.float(), 1 / alpha);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
