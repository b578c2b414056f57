// Proves crc32 is the standard CRC-32 (equal to Bun.hash.crc32), crc32Words (word reads) gives the same at every
// offset, and copyBytes equals Uint8Array.set, for every length up to 600 and odd offsets.

import { expect, test } from "bun:test";
import { copyBytes, crc32, crc32Words } from "./bytes.ts";
import { shortRangeBytesMax } from "./constants.ts";

function randomBytes(count: number, seed: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(count);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

test("check value of '123456789' is 0xCBF43926, as Bun.hash.crc32 gives", () => {
  const b = new TextEncoder().encode("x123456789y");
  expect(crc32(b, 1, 9)).toBe(0xcbf43926);
  expect(Bun.hash.crc32(b.subarray(1, 10))).toBe(0xcbf43926);
  expect(crc32(b, 0, 0)).toBe(0);
});

test("JS and native paths agree for every length 0..600 at several offsets", () => {
  const b = randomBytes(4096, 7);
  expect(shortRangeBytesMax).toBeLessThan(600);
  for (let length = 0; length <= 600; length++) {
    for (const offset of [0, 1, 3, 5, 1000]) {
      expect(crc32(b, offset, length)).toBe(Bun.hash.crc32(b.subarray(offset, offset + length)) >>> 0);
    }
  }
});

test("crc32Words gives crc32's result for every length 0..600 at aligned and unaligned offsets", () => {
  const b = randomBytes(4096, 9);
  const words = new Int32Array(b.buffer);
  for (let length = 0; length <= 600; length++) {
    for (const offset of [0, 4, 8, 1, 2, 3, 1000, 2048]) {
      expect(crc32Words(words, b, offset, length)).toBe(crc32(b, offset, length));
    }
  }
});

test("copyBytes copies every length 0..600 between unaligned offsets and views with a byteOffset", () => {
  const src = randomBytes(8192, 11);
  const backing = new Uint8Array(10_000);
  // A destination view that does not start at its buffer's start.
  const dst = backing.subarray(3);
  const view = new DataView(backing.buffer);
  const srcView = src.subarray(5);
  for (let length = 0; length <= 600; length++) {
    for (const [from, to] of [
      [0, 0],
      [1, 2],
      [3, 7],
      [4093, 5001],
    ] as const) {
      backing.fill(0xee);
      copyBytes(srcView, from, dst, view, to, length);
      expect(dst.subarray(to, to + length)).toEqual(srcView.subarray(from, from + length));
      // Nothing outside the range moved.
      if (to > 0) expect(dst[to - 1]).toBe(0xee);
      expect(dst[to + length]).toBe(0xee);
    }
  }
});
