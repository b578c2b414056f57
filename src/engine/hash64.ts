// A 64-bit streaming hash over integers (two murmur3-style 32-bit lanes with
// cross-mixing). Not cryptographic: it fingerprints engine state so two runs,
// or a run and its recovery, can be compared in one string.

const TWO_32 = 4294967296;

export class Hash64 {
  private h1 = 0x9747b28c | 0;
  private h2 = 0x85ebca6b | 0;
  private wordsCount = 0;

  /** Adds one integer in (-2^53, 2^53). */
  add(n: number): this {
    const lo = n >>> 0;
    const hi = Math.floor(n / TWO_32) | 0;
    this.word(lo);
    this.word(hi);
    return this;
  }

  addString(s: string): this {
    this.add(s.length);
    for (let i = 0; i < s.length; i++) this.word(s.charCodeAt(i));
    return this;
  }

  private word(w: number): void {
    let k = Math.imul(w, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    this.h1 ^= k;
    this.h1 = (this.h1 << 13) | (this.h1 >>> 19);
    this.h1 = (Math.imul(this.h1, 5) + 0xe6546b64) | 0;
    let j = Math.imul(w ^ 0x5bd1e995, 0x85ebca6b);
    j = (j << 17) | (j >>> 15);
    this.h2 = (Math.imul(this.h2 ^ j, 0xc2b2ae35) + this.h1) | 0;
    this.wordsCount++;
  }

  /** 16 lowercase hex digits. */
  hex(): string {
    let a = this.h1 ^ this.wordsCount;
    let b = this.h2 ^ a;
    a = fmix(a + b);
    b = fmix(b ^ a);
    return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
  }
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}
