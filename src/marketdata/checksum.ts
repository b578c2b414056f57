// The book checksum every level-2, level-3 and depth message of the feed
// carries, so a client can prove its copy of the top of the book is right
// (the idea of Kraken's v2 book checksum, on integer prices and quantities).
//
// Definition (docs/feed.md repeats it): take the best `checksumLevels` (10)
// levels of the asks, lowest price first, then the best 10 of the bids,
// highest price first (fewer when a side has fewer). For each level append the
// decimal digits of its price, then the decimal digits of its total quantity
// (integers in the symbol's units: no sign, no leading zeros, no separators).
// The checksum is the CRC-32 (IEEE 802.3, as zlib's crc32) of those ASCII
// bytes, as an unsigned 32-bit integer; an empty book gives 0.
//
// This file runs in the browser too (the feed client): no Node or Bun APIs.

import { buf as crc32 } from "crc-32";

export const checksumLevels = 10;

/** Largest decimal length of a price (< 2^31) or a quantity (< 2^53). */
const digitsMax = 16;

/** Builds one checksum at a time into a reused byte buffer. */
export class BookChecksum {
  private readonly bytes = new Uint8Array(checksumLevels * 2 * 2 * digitsMax);
  private length = 0;
  private levels = 0;

  reset(): void {
    this.length = 0;
    this.levels = 0;
  }

  /** Appends one level; call for the asks best first, then the bids best first. */
  level(price: number, qty: number): void {
    if (this.levels === 2 * checksumLevels) throw new Error("checksum: more than 10 levels per side appended");
    this.levels++;
    this.digits(price);
    this.digits(qty);
  }

  /** The checksum of the levels appended since `reset`. */
  value(): number {
    if (this.length === 0) return 0;
    return crc32(this.bytes.subarray(0, this.length)) >>> 0;
  }

  private digits(v: number): void {
    if (!(Number.isSafeInteger(v) && v >= 0)) throw new Error(`checksum: ${v} is not a non-negative safe integer`);
    // Digits are written backwards into place, then the run is complete.
    let n = 1;
    for (let x = v; x >= 10; x = Math.floor(x / 10)) n++;
    let at = this.length + n - 1;
    let x = v;
    do {
      this.bytes[at--] = 48 + (x % 10);
      x = Math.floor(x / 10);
    } while (x > 0);
    this.length += n;
  }
}

/** The checksum of two plain level lists (tests, docs examples): asks and bids, each best first. */
export function checksumOf(
  asks: readonly { price: number; qty: number }[],
  bids: readonly { price: number; qty: number }[],
): number {
  const c = new BookChecksum();
  for (let i = 0; i < asks.length && i < checksumLevels; i++) c.level(asks[i]!.price, asks[i]!.qty);
  for (let i = 0; i < bids.length && i < checksumLevels; i++) c.level(bids[i]!.price, bids[i]!.qty);
  return c.value();
}
