// Proves the book checksum is the CRC-32 of the documented digit string (asks best first, then bids best first, price
// then quantity, 10 levels per side), is 0 for an empty book, and never allocates strings.

import { describe, expect, test } from "bun:test";
import { buf } from "crc-32";
import { BookChecksum, checksumOf } from "./checksum.ts";

const ascii = (s: string) => new TextEncoder().encode(s);

describe("book checksum", () => {
  test("equals CRC-32 of the documented string (the docs/feed.md example, checked with Python zlib.crc32)", () => {
    const asks = [
      { price: 50010, qty: 3000 },
      { price: 50012, qty: 1 },
    ];
    const bids = [
      { price: 50000, qty: 25000 },
      { price: 49990, qty: 7 },
    ];
    const text = "500103000" + "500121" + "5000025000" + "499907";
    expect(checksumOf(asks, bids)).toBe(buf(ascii(text)) >>> 0);
    expect(checksumOf(asks, bids)).toBe(2444835468);
  });

  test("only 10 levels per side count; an empty book is 0", () => {
    const many = Array.from({ length: 15 }, (_, i) => ({ price: 100 + i, qty: i + 1 }));
    expect(checksumOf(many, [])).toBe(checksumOf(many.slice(0, 10), []));
    expect(checksumOf([], [])).toBe(0);
  });

  test("large quantities (up to 2^53) print exactly", () => {
    const q = Number.MAX_SAFE_INTEGER;
    expect(checksumOf([{ price: 2147483647, qty: q }], [])).toBe(buf(ascii(`2147483647${q}`)) >>> 0);
  });

  test("refuses values that are not non-negative safe integers and more than 10 levels per side", () => {
    const c = new BookChecksum();
    expect(() => c.level(1.5, 1)).toThrow();
    expect(() => c.level(1, -1)).toThrow();
    c.reset();
    for (let i = 0; i < 20; i++) c.level(2 ** 31 - 1, 2 ** 53 - 1);
    expect(() => c.level(1, 1)).toThrow(/10 levels/);
  });
});
