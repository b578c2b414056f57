// Test and benchmark support: the one seeded random generator. Every
// randomized test, fuzzer, fixture and benchmark workload draws from it, so a
// printed seed reproduces a run; Math.random would make two runs (or ours and
// a peer's) see different inputs.
//
// xoshiro128** (Blackman and Vigna), its state filled by splitmix32 from the
// seed: 32-bit integer arithmetic only, fast in JS, good enough for tests and
// workloads (not for secrets).

const TWO_32 = 4294967296;
const TWO_53 = 2 ** 53;

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** Any integer seed below 2^53 in magnitude; seeds in [0, 2^32) give the streams bench/prng.ts gave. */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new Error(`seed ${seed} must be an integer below 2^53`);
    let s = (seed >>> 0) ^ (Math.floor(seed / TWO_32) >>> 0);
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

  /** Uniform in [0, 1) with 32 bits of randomness. */
  float(): number {
    return this.u32() / TWO_32;
  }

  /** Uniform in [0, 1) with 53 bits of randomness (every double of the form k / 2^53). */
  float53(): number {
    return (this.u32() * 0x200000 + (this.u32() >>> 11)) / TWO_53;
  }

  /** Uniform integer in [0, n), n <= 2^53. */
  int(n: number): number {
    if (!(n >= 1)) throw new Error(`int(${n}): n must be >= 1`);
    return Math.floor((n <= TWO_32 ? this.float() : this.float53()) * n);
  }

  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("pick from an empty list");
    return items[this.int(items.length)]!;
  }

  /** An integer in [0, 2^53) with an even spread of magnitudes (small values are as likely as huge ones). */
  u53(): number {
    const bits = this.int(54);
    return bits === 0 ? 0 : Math.floor(this.float53() * 2 ** bits);
  }

  /** Uniform signed 32-bit integer. */
  i32(): number {
    return this.u32() | 0;
  }

  /** Printable ASCII, 0 to `maxBytes` characters. */
  text(maxBytes: number): string {
    const length = this.int(maxBytes + 1);
    let s = "";
    for (let i = 0; i < length; i++) s += String.fromCharCode(0x20 + this.int(95));
    return s;
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

/**
 * The seed of a randomized test: `env` when set (to repeat a run), else a
 * fresh one. Printed with the line that repeats it, so a failure reproduces.
 */
export function testSeed(label: string, env: string): number {
  const given = process.env[env];
  const seed = given !== undefined && given !== "" ? Number(given) : Math.floor(Math.random() * 2 ** 31);
  if (!Number.isSafeInteger(seed)) throw new Error(`${env}=${given} is not an integer seed`);
  console.log(`${label}: seed ${seed} (${env}=${seed} repeats it)`);
  return seed;
}
