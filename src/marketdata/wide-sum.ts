// Exact sums of non-negative integers past 2^53 without BigInt on the hot path.
// A float64 holds integers exactly only up to 2^53, and a day's quote volume or
// a candle's price x quantity total can pass that. A wide sum is two float64
// limbs, value = hi * 2^32 + lo with 0 <= lo < 2^32 and 0 <= hi < 2^53, so it is
// exact up to 2^85 (about 3.9e25); adding past that is a broken invariant and
// throws. Limbs live in caller-owned Float64Arrays at an index: no allocation.
// Conversions to BigInt and text are for the edges (API, ILP of huge values).

const two32 = 2 ** 32;
/** Largest hi limb: keeps hi exact and the whole value below 2^85. */
const hiMax = 2 ** 53 - 1;

/** Adds `x`, a safe non-negative integer, to the wide sum at `i`. */
export function wideAdd(hi: Float64Array, lo: Float64Array, i: number, x: number): void {
  const xHi = Math.floor(x / two32);
  addLimbs(hi, lo, i, xHi, x - xHi * two32);
}

/** Adds `x * 2^shiftBits` (x a safe non-negative integer, 0 <= shiftBits <= 52) exactly. */
export function wideAddShifted(hi: Float64Array, lo: Float64Array, i: number, x: number, shiftBits: number): void {
  if (shiftBits >= 32) {
    addLimbs(hi, lo, i, x * 2 ** (shiftBits - 32), 0);
    return;
  }
  // Split x where its bits cross the 2^32 boundary once shifted.
  const split = 2 ** (32 - shiftBits);
  const below = x % split;
  addLimbs(hi, lo, i, (x - below) / split, below * 2 ** shiftBits);
}

/**
 * Adds `price * qty` exactly, with price < 2^31 and qty < 2^53 (so the product
 * is below 2^84). A product below 2^53 is exact in float64 and takes the fast
 * path; otherwise qty is split into 22-bit pieces whose products with the price
 * stay below 2^53.
 */
export function wideAddProduct(hi: Float64Array, lo: Float64Array, i: number, price: number, qty: number): void {
  const product = price * qty;
  // If the true product were >= 2^53 the rounded one would be too, so this test is exact.
  if (product <= Number.MAX_SAFE_INTEGER) {
    wideAdd(hi, lo, i, product);
    return;
  }
  const piece = 2 ** 22;
  const q0 = qty % piece;
  const rest = (qty - q0) / piece;
  const q1 = rest % piece;
  const q2 = (rest - q1) / piece;
  wideAdd(hi, lo, i, price * q0);
  wideAddShifted(hi, lo, i, price * q1, 22);
  wideAddShifted(hi, lo, i, price * q2, 44);
}

function addLimbs(hi: Float64Array, lo: Float64Array, i: number, addHi: number, addLo: number): void {
  let l = lo[i]! + addLo;
  let h = hi[i]! + addHi;
  if (l >= two32) {
    l -= two32;
    h += 1;
  }
  if (!(h <= hiMax)) throw new Error(`wide sum overflow at ${i}: past 2^85`);
  lo[i] = l;
  hi[i] = h;
}

/** True when the value is a safe integer (below 2^53), so `wideNumber` is exact. */
export function wideIsSafe(hi: Float64Array, i: number): boolean {
  return hi[i]! < 2 ** 21;
}

/** The value as a number; exact only when `wideIsSafe`. */
export function wideNumber(hi: Float64Array, lo: Float64Array, i: number): number {
  return hi[i]! * two32 + lo[i]!;
}

export function wideBigInt(hi: Float64Array, lo: Float64Array, i: number): bigint {
  return BigInt(hi[i]!) * 4294967296n + BigInt(lo[i]!);
}

/** Decimal text of the value (edges: JSON, where integers may pass 2^53). */
export function wideText(hi: Float64Array, lo: Float64Array, i: number): string {
  return wideIsSafe(hi, i) ? String(wideNumber(hi, lo, i)) : wideBigInt(hi, lo, i).toString();
}

/**
 * round(n / d) with halves rounded up, for wide n and wide d > 0: the VWAP
 * rounding. Exact: plain arithmetic while both are below 2^52, BigInt beyond
 * (a read-side path, never per trade).
 */
export function wideDivRoundHalfUp(
  nHi: Float64Array,
  nLo: Float64Array,
  ni: number,
  dHi: Float64Array,
  dLo: Float64Array,
  di: number,
): number {
  if (nHi[ni]! < 2 ** 20 && dHi[di]! < 2 ** 20) {
    const n = wideNumber(nHi, nLo, ni);
    const d = wideNumber(dHi, dLo, di);
    if (!(d > 0)) throw new Error("wide division by zero");
    let q = Math.floor(n / d);
    let r = n - q * d;
    // The float quotient can be one off near an integer; the remainder says which way.
    if (r < 0) {
      q -= 1;
      r += d;
    } else if (r >= d) {
      q += 1;
      r -= d;
    }
    return 2 * r >= d ? q + 1 : q;
  }
  const n = wideBigInt(nHi, nLo, ni);
  const d = wideBigInt(dHi, dLo, di);
  if (d <= 0n) throw new Error("wide division by zero");
  return Number((2n * n + d) / (2n * d));
}
