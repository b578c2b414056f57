// CRC-32 and byte copies over a range of a buffer without allocating. The
// runtime's routines take whole arrays, so a range needs a subarray view (one
// allocation); for the short ranges journal records mostly are, a JS loop is
// as fast and allocates nothing. Long ranges go native, where a view is cheap
// next to the work.

import { shortRangeBytesMax } from "./constants.ts";

// crc32Words reads the bytes through an Int32Array in the platform's byte order; the tables are little-endian.
if (new Uint8Array(Int32Array.of(1).buffer)[0] !== 1) throw new Error("journal CRC needs a little-endian platform");

/** Slice-by-8 tables of the reflected CRC-32 polynomial 0xEDB88320 (zlib, Ethernet, `Bun.hash.crc32`). */
const table = new Int32Array(256 * 8);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  table[n] = c;
}
for (let n = 0; n < 256; n++) {
  let c = table[n]!;
  for (let k = 1; k < 8; k++) {
    c = table[c & 0xff]! ^ (c >>> 8);
    table[k * 256 + n] = c;
  }
}

function crc32Short(b: Uint8Array, offset: number, length: number): number {
  let c = -1;
  let i = offset;
  const end = offset + length;
  const end8 = offset + (length & ~7);
  while (i < end8) {
    const a = c ^ (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24));
    c =
      table[1792 + (a & 0xff)]! ^
      table[1536 + ((a >>> 8) & 0xff)]! ^
      table[1280 + ((a >>> 16) & 0xff)]! ^
      table[1024 + (a >>> 24)]! ^
      table[768 + b[i + 4]!]! ^
      table[512 + b[i + 5]!]! ^
      table[256 + b[i + 6]!]! ^
      table[b[i + 7]!]!;
    i += 8;
  }
  while (i < end) c = table[(c ^ b[i++]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/**
 * Standard CRC-32 (check value of "123456789" is 0xCBF43926) of `bytes[offset, offset +
 * length)`, as an unsigned number.
 */
export function crc32(bytes: Uint8Array, offset: number, length: number): number {
  if (length <= shortRangeBytesMax) return crc32Short(bytes, offset, length);
  return Bun.hash.crc32(bytes.subarray(offset, offset + length)) >>> 0;
}

/**
 * CRC-32 of `bytes[offset, offset + length)`, reading 32-bit words through
 * `words` (an Int32Array over the same buffer, from its start) when `offset`
 * is 4-aligned: two loads per 8 bytes instead of eight. Same result as `crc32`.
 */
export function crc32Words(words: Int32Array, bytes: Uint8Array, offset: number, length: number): number {
  if ((offset & 3) !== 0 || length > shortRangeBytesMax || bytes.byteOffset !== 0) return crc32(bytes, offset, length);
  let c = -1;
  let w = offset >> 2;
  const end8 = w + ((length >> 3) << 1);
  while (w < end8) {
    const a = c ^ words[w]!;
    const b = words[w + 1]!;
    c =
      table[1792 + (a & 0xff)]! ^
      table[1536 + ((a >>> 8) & 0xff)]! ^
      table[1280 + ((a >>> 16) & 0xff)]! ^
      table[1024 + (a >>> 24)]! ^
      table[768 + (b & 0xff)]! ^
      table[512 + ((b >>> 8) & 0xff)]! ^
      table[256 + ((b >>> 16) & 0xff)]! ^
      table[b >>> 24]!;
    w += 2;
  }
  const end = offset + length;
  for (let i = w << 2; i < end; i++) c = table[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** A DataView over the last source buffer copied from: callers copy from one encoder buffer, so this rarely changes. */
let sourceBuffer: ArrayBufferLike | null = null;
let sourceView: DataView = new DataView(new ArrayBuffer(0));

/**
 * Copies `src[srcOffset, srcOffset + length)` to `dst[dstOffset, ...)`; `dstView`
 * is a DataView over `dst`'s whole buffer that the caller keeps. The ranges must
 * not overlap.
 */
export function copyBytes(
  src: Uint8Array,
  srcOffset: number,
  dst: Uint8Array,
  dstView: DataView,
  dstOffset: number,
  length: number,
): void {
  if (length > shortRangeBytesMax) {
    dst.set(src.subarray(srcOffset, srcOffset + length), dstOffset);
    return;
  }
  if (src.buffer !== sourceBuffer) {
    sourceBuffer = src.buffer;
    sourceView = new DataView(src.buffer);
  }
  const from = src.byteOffset + srcOffset;
  const to = dst.byteOffset + dstOffset;
  const words = length & ~3;
  let i = 0;
  for (; i < words; i += 4) dstView.setInt32(to + i, sourceView.getInt32(from + i, true), true);
  for (; i < length; i++) dst[dstOffset + i] = src[srcOffset + i]!;
}
