// Proves wide sums stay exact past 2^53 (sums, price x quantity products up to 2^84, VWAP division rounded half up)
// against BigInt, and refuse to pass 2^85.

import { describe, expect, test } from "bun:test";
import { Prng } from "../../bench/prng.ts";
import {
  wideAdd,
  wideAddProduct,
  wideBigInt,
  wideDivRoundHalfUp,
  wideIsSafe,
  wideNumber,
  wideText,
} from "./wide-sum.ts";

const seed = Number(process.env.SEED ?? 20260105);

function randomSafe(rng: Prng, bits: number): number {
  // Up to `bits` random bits, built from two 32-bit draws.
  const hi = rng.u32() % 2 ** Math.max(0, bits - 32);
  return hi * 2 ** 32 + (bits >= 32 ? rng.u32() : rng.u32() % 2 ** bits);
}

describe("wide sums", () => {
  test(`random sums and products equal BigInt (seed ${seed})`, () => {
    const rng = new Prng(seed);
    const hi = new Float64Array(4);
    const lo = new Float64Array(4);
    let sum = 0n;
    let products = 0n;
    for (let i = 0; i < 20_000; i++) {
      const x = randomSafe(rng, rng.range(1, 53));
      wideAdd(hi, lo, 1, x);
      sum += BigInt(x);
      const price = rng.range(1, 2 ** 31 - 1);
      // 2^31 x 2^38 x 20,000 draws stays below 2^85; the largest single product has its own test.
      const qty = randomSafe(rng, rng.range(1, 38));
      wideAddProduct(hi, lo, 2, price, qty);
      products += BigInt(price) * BigInt(qty);
    }
    expect(wideBigInt(hi, lo, 1)).toBe(sum);
    expect(wideBigInt(hi, lo, 2)).toBe(products);
    expect(wideText(hi, lo, 2)).toBe(products.toString());
    expect(lo[2]!).toBeLessThan(2 ** 32);
    // Slot 0 and 3 untouched.
    expect(hi[0]! + lo[0]! + hi[3]! + lo[3]!).toBe(0);
  });

  test("the largest product is exact, and a sum past 2^85 throws", () => {
    const hi = new Float64Array(1);
    const lo = new Float64Array(1);
    const price = 2 ** 31 - 1;
    const qty = Number.MAX_SAFE_INTEGER;
    wideAddProduct(hi, lo, 0, price, qty);
    expect(wideBigInt(hi, lo, 0)).toBe(BigInt(price) * BigInt(qty));
    expect(wideIsSafe(hi, 0)).toBe(false);
    hi[0] = 2 ** 53 - 1;
    lo[0] = 2 ** 32 - 1;
    expect(() => wideAdd(hi, lo, 0, 1)).toThrow(/overflow/);
  });

  test("safe values read back as numbers", () => {
    const hi = new Float64Array(1);
    const lo = new Float64Array(1);
    wideAdd(hi, lo, 0, Number.MAX_SAFE_INTEGER);
    expect(wideIsSafe(hi, 0)).toBe(true);
    expect(wideNumber(hi, lo, 0)).toBe(Number.MAX_SAFE_INTEGER);
    wideAdd(hi, lo, 0, 1);
    expect(wideIsSafe(hi, 0)).toBe(false);
    expect(wideText(hi, lo, 0)).toBe("9007199254740992");
  });

  test(`division rounds half up, on both the float and the BigInt path (seed ${seed})`, () => {
    const nHi = new Float64Array(1);
    const nLo = new Float64Array(1);
    const dHi = new Float64Array(1);
    const dLo = new Float64Array(1);
    const div = (n: bigint, d: bigint) => {
      nHi[0] = Number(n >> 32n);
      nLo[0] = Number(n & 0xffffffffn);
      dHi[0] = Number(d >> 32n);
      dLo[0] = Number(d & 0xffffffffn);
      return wideDivRoundHalfUp(nHi, nLo, 0, dHi, dLo, 0);
    };
    expect(div(3n, 2n)).toBe(2);
    expect(div(5n, 4n)).toBe(1);
    expect(div(7n, 4n)).toBe(2);
    expect(div(10n, 4n)).toBe(3);
    expect(div(9n, 4n)).toBe(2);
    const rng = new Prng(seed + 1);
    for (let i = 0; i < 20_000; i++) {
      const d = BigInt(randomSafe(rng, rng.range(1, 53))) + 1n;
      const price = BigInt(rng.range(1, 2 ** 31 - 1));
      // n is about price x d, as for a VWAP: notional over volume.
      const n = price * d + (BigInt(randomSafe(rng, 40)) % d);
      expect(div(n, d)).toBe(Number((2n * n + d) / (2n * d)));
    }
  });
});
