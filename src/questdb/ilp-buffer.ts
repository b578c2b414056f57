// ILP text built straight into a byte buffer: integers are written digit by
// digit and fixed pieces (table and column names, symbol values) are copied
// from bytes prepared once, so a row allocates nothing. The owner guarantees
// room (`lineBytesMax` free at the start of each line).

import { wideBigInt, wideIsSafe, wideNumber } from "../marketdata/wide-sum.ts";
import { lineBytesMax } from "./constants.ts";
import { symbolValueCharsMax } from "./ilp-escape.ts";

const pow10: number[] = [];
for (let p = 1; p <= Number.MAX_SAFE_INTEGER; p *= 10) pow10.push(p);
const encoder = new TextEncoder();

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
    this.bytes.set(piece, this.position);
    this.position += piece.length;
  }

  byte(b: number): void {
    this.bytes[this.position++] = b;
  }

  /** A safe integer in decimal (negative with a minus sign). */
  int(value: number): void {
    let n = value;
    const b = this.bytes;
    let p = this.position;
    if (n < 0) {
      b[p++] = 45;
      n = -n;
    }
    let digits = 1;
    while (digits < pow10.length && n >= pow10[digits]!) digits++;
    const end = p + digits;
    let q = end;
    do {
      const d = n % 10;
      b[--q] = 48 + d;
      n = (n - d) / 10;
    } while (n > 0);
    this.position = end;
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
  if (bytes > lineBytesMax) throw new Error(`ilp: a ${table} line may take ${bytes} bytes, more than lineBytesMax ${lineBytesMax}`);
}
