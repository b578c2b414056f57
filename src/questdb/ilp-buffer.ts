// ILP text built straight into a byte buffer: integers are written digit by
// digit and fixed pieces (table and column names, symbol values) are copied
// from bytes prepared once, so a row allocates nothing. The owner guarantees
// room (`lineBytesMax` free at the start of each line).

import { wideBigInt, wideIsSafe, wideNumber } from "../marketdata/wide-sum.ts";
import { lineBytesMax } from "./constants.ts";
import { symbolValueCharsMax } from "./ilp-escape.ts";

const encoder = new TextEncoder();
/** "00" "01" ... "99" as ASCII pairs: two digits per division when writing numbers. */
const digitPairs = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  digitPairs[2 * i] = 48 + Math.floor(i / 10);
  digitPairs[2 * i + 1] = 48 + (i % 10);
}
/** Pieces up to this many bytes are copied by a loop, longer ones by `set`. */
const shortCopyBytesMax = 64;

export class IlpBuffer {
  readonly bytes: Uint8Array;
  position = 0;
  /** Rows in this buffer (complete lines). */
  rows = 0;

  constructor(capacityBytes: number) {
    this.bytes = new Uint8Array(capacityBytes);
  }

  get free(): number {
    return this.bytes.length - this.position;
  }

  reset(): void {
    this.position = 0;
    this.rows = 0;
  }

  copy(piece: Uint8Array): void {
    const n = piece.length;
    const b = this.bytes;
    let p = this.position;
    // Pieces are short names and separators: a loop beats set()'s call overhead below ~64 bytes.
    if (n <= shortCopyBytesMax) {
      for (let i = 0; i < n; i++) b[p++] = piece[i]!;
    } else {
      b.set(piece, p);
      p += n;
    }
    this.position = p;
  }

  byte(b: number): void {
    this.bytes[this.position++] = b;
  }

  /**
   * A safe integer in decimal (negative with a minus sign). Float division and
   * modulo per digit are slow, so numbers below 2^31 are written with int32
   * arithmetic, two digits at a time, and larger ones are split at 10^8.
   */
  int(value: number): void {
    let n = value;
    if (n < 0) {
      this.bytes[this.position++] = 45;
      n = -n;
    }
    if (n < 2147483648) {
      this.int32(n | 0);
      return;
    }
    const hi = Math.floor(n / 1e8);
    this.int32(hi);
    this.padded8((n - hi * 1e8) | 0);
  }

  /** 0 <= x < 2^31, no padding: two digits per division, from a table. */
  private int32(x: number): void {
    const b = this.bytes;
    const digits =
      x < 10
        ? 1
        : x < 100
          ? 2
          : x < 1e3
            ? 3
            : x < 1e4
              ? 4
              : x < 1e5
                ? 5
                : x < 1e6
                  ? 6
                  : x < 1e7
                    ? 7
                    : x < 1e8
                      ? 8
                      : x < 1e9
                        ? 9
                        : 10;
    const end = this.position + digits;
    let q = end;
    let v = x;
    while (v >= 100) {
      const next = (v / 100) | 0;
      const r = (v - next * 100) << 1;
      b[--q] = digitPairs[r + 1]!;
      b[--q] = digitPairs[r]!;
      v = next;
    }
    if (v >= 10) {
      b[--q] = digitPairs[(v << 1) + 1]!;
      b[--q] = digitPairs[v << 1]!;
    } else b[--q] = 48 + v;
    this.position = end;
  }

  /** 0 <= x < 10^8 as exactly eight digits. */
  private padded8(x: number): void {
    const b = this.bytes;
    let q = this.position + 8;
    let v = x;
    for (let i = 0; i < 4; i++) {
      const next = (v / 100) | 0;
      const r = (v - next * 100) << 1;
      b[--q] = digitPairs[r + 1]!;
      b[--q] = digitPairs[r]!;
      v = next;
    }
    this.position += 8;
  }

  /** A wide sum (wide-sum.ts) in decimal; past 2^53 through BigInt text (rare: a huge candle). */
  wide(hi: Float64Array, lo: Float64Array, i: number): void {
    if (wideIsSafe(hi, i)) {
      this.int(wideNumber(hi, lo, i));
      return;
    }
    this.copy(encoder.encode(wideBigInt(hi, lo, i).toString()));
  }
}

/** UTF-8 bytes of ASCII text known at start-up (names, separators). */
export function ascii(text: string): Uint8Array {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) throw new Error(`ilp: ${JSON.stringify(text)} is not printable ASCII`);
  }
  return encoder.encode(text);
}

/** Most bytes a number takes: a 2^85 wide sum has 26 digits. */
const numberBytesMax = 26;
/** Most bytes an escaped symbol value takes: 3 UTF-8 bytes per UTF-16 unit, or 2 for an escaped ASCII one. */
const symbolBytesMax = 3 * symbolValueCharsMax;

/**
 * Load-time check that an encoder's longest line fits `lineBytesMax`: all its
 * fixed pieces (an over-estimate: only one of each alternative is written),
 * `symbols` symbol values and `numbers` numbers, plus the newline.
 */
export function checkLineBound(table: string, pieces: readonly Uint8Array[], symbols: number, numbers: number): void {
  const bytes = pieces.reduce((n, p) => n + p.length, 0) + symbols * symbolBytesMax + numbers * numberBytesMax + 1;
  if (bytes > lineBytesMax)
    throw new Error(`ilp: a ${table} line may take ${bytes} bytes, more than lineBytesMax ${lineBytesMax}`);
}
