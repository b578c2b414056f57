// The snapshot format: a 64-byte header, then the books as a compact stream.
// Little-endian throughout; integers that may pass 2^32 are float64 (exact
// below 2^53, the engine's own bound). Both CRC-32s are checked before a byte
// of the body is trusted.
//
// Header: magic "EXSNAP\0\0" | version u32 | header bytes u32 | body bytes f64 |
//   seq f64 | next order id f64 | next trade id f64 | created-at ms f64 |
//   journal created-at ns u32 lo, u32 hi | journal shard u32 | reserved u32 |
//   body crc32 u32 | header crc32 u32 (over the 76 bytes before it)
// The journal identity ties a snapshot to the input log it was taken from:
// restoring one onto another journal's records would mix two histories.
// Body: books u32, then per book:
//   name (u8 length + UTF-8) | tick i32 | lot f64 | min price i32 | max price i32 |
//   max qty f64 | last trade price i32 |
//   bids, then asks: levels u32; per level, worst price first: price i32 | orders u32;
//     per order, oldest first: id f64 | client id f64 | user f64 | qty f64 | flags u8 (postOnly | stp << 1)
//   stops u32; per stop, oldest arrival first: id f64 | client id f64 | user f64 | qty f64 |
//     arrival f64 | price i32 | stop i32 | side u8 | type u8 | tif u8 | flags u8
// A resting order costs 33 bytes, a level 8 more.

import { NIL } from "../engine/constants.ts";
import { LADDERS_PER_BOOK, STOP_BUYS } from "../engine/store.ts";
import type { EngineImage } from "./image.ts";

export const SNAPSHOT_MAGIC = "EXSNAP\0\0";
export const SNAPSHOT_VERSION = 2;
export const HEADER_BYTES = 80;
const HEADER_CRC_AT = HEADER_BYTES - 4;
const BODY_CRC_AT = HEADER_BYTES - 8;
const ORDER_BYTES = 33;
const LEVEL_BYTES = 8;
const STOP_BYTES = 52;
const BOOK_FIXED_BYTES = 1 + 4 + 8 + 4 + 4 + 8 + 4 + 4 + 4 + 4;

/** Which input log a snapshot belongs to: the journal header's creation time and shard. */
export interface JournalIdentity {
  createdAtNs: bigint;
  shardId: number;
}

export interface SnapshotHeader {
  version: number;
  bodyBytes: number;
  seq: number;
  nextOrderId: number;
  nextTradeId: number;
  createdAtMs: number;
  journal: JournalIdentity;
}

const magicBytes = new TextEncoder().encode(SNAPSHOT_MAGIC);

function crc32(bytes: Uint8Array): number {
  return Bun.hash.crc32(bytes) >>> 0;
}

/** Sizes the body exactly by walking the image once (no growth while writing). */
function bodyBytes(img: EngineImage, names: Uint8Array[]): number {
  let n = 4;
  for (let book = 0; book < img.booksCount; book++) {
    n += BOOK_FIXED_BYTES + names[book]!.length;
    for (let kind = 0; kind < LADDERS_PER_BOOK; kind++) {
      const ladder = book * LADDERS_PER_BOOK + kind;
      for (let row = 0; row < img.ladLevelsCount[ladder]!; row++) {
        const count = img.lvlOrdersCount[img.ladLevels[ladder * img.sideMax + row]!]!;
        if (count === 0) continue;
        n += kind >= STOP_BUYS ? count * STOP_BYTES : LEVEL_BYTES + count * ORDER_BYTES;
      }
    }
  }
  return n;
}

/** Encodes an image into a complete snapshot (runs in the snapshot worker). */
export function encodeImage(img: EngineImage): Uint8Array {
  const te = new TextEncoder();
  const names = img.names.map((s) => te.encode(s));
  const total = HEADER_BYTES + bodyBytes(img, names);
  const bytes = new Uint8Array(total);
  const dv = new DataView(bytes.buffer);
  let at = HEADER_BYTES;
  dv.setUint32(at, img.booksCount, true);
  at += 4;
  for (let book = 0; book < img.booksCount; book++) {
    const name = names[book]!;
    dv.setUint8(at, name.length);
    bytes.set(name, at + 1);
    at += 1 + name.length;
    dv.setInt32(at, img.symTickSize[book]!, true);
    dv.setFloat64(at + 4, img.symLotSize[book]!, true);
    dv.setInt32(at + 12, img.symPriceTicksMin[book]!, true);
    dv.setInt32(at + 16, img.symPriceTicksMax[book]!, true);
    dv.setFloat64(at + 20, img.symQtyLotsMax[book]!, true);
    dv.setInt32(at + 28, img.lastPriceTicks[book]!, true);
    at += 32;
    at = writeSide(img, dv, at, book * LADDERS_PER_BOOK);
    at = writeSide(img, dv, at, book * LADDERS_PER_BOOK + 1);
    at = writeStops(img, dv, at, book);
  }
  if (at !== total) throw new Error(`snapshot encoder wrote ${at} bytes, sized ${total}`);
  writeHeader(bytes, dv, img, total - HEADER_BYTES);
  return bytes;
}

function writeSide(img: EngineImage, dv: DataView, start: number, ladder: number): number {
  const base = ladder * img.sideMax;
  const n = img.ladLevelsCount[ladder]!;
  let levels = 0;
  for (let row = 0; row < n; row++) if (img.lvlOrdersCount[img.ladLevels[base + row]!] !== 0) levels++;
  dv.setUint32(start, levels, true);
  let at = start + 4;
  // Rows run from the worst price to the best, so a restore appends each level at the best end.
  for (let row = 0; row < n; row++) {
    const lvl = img.ladLevels[base + row]!;
    const count = img.lvlOrdersCount[lvl]!;
    if (count === 0) continue;
    dv.setInt32(at, img.lvlPriceTicks[lvl]!, true);
    dv.setUint32(at + 4, count, true);
    at += LEVEL_BYTES;
    for (let o = img.lvlHead[lvl]!; o !== NIL; o = img.ordNext[o]!) {
      dv.setFloat64(at, img.ordId[o]!, true);
      dv.setFloat64(at + 8, img.ordClientId[o]!, true);
      dv.setFloat64(at + 16, img.ordUser[o]!, true);
      dv.setFloat64(at + 24, img.ordQtyLots[o]!, true);
      dv.setUint8(at + 32, img.ordPostOnly[o]! | (img.ordStp[o]! << 1));
      at += ORDER_BYTES;
    }
  }
  return at;
}

function writeStops(img: EngineImage, dv: DataView, start: number, book: number): number {
  const slots: number[] = [];
  for (let kind = STOP_BUYS; kind < LADDERS_PER_BOOK; kind++) {
    const ladder = book * LADDERS_PER_BOOK + kind;
    for (let row = 0; row < img.ladLevelsCount[ladder]!; row++) {
      for (let o = img.lvlHead[img.ladLevels[ladder * img.sideMax + row]!]!; o !== NIL; o = img.ordNext[o]!) slots.push(o);
    }
  }
  slots.sort((a, b) => img.ordArrivalSeq[a]! - img.ordArrivalSeq[b]!);
  dv.setUint32(start, slots.length, true);
  let at = start + 4;
  for (const o of slots) {
    dv.setFloat64(at, img.ordId[o]!, true);
    dv.setFloat64(at + 8, img.ordClientId[o]!, true);
    dv.setFloat64(at + 16, img.ordUser[o]!, true);
    dv.setFloat64(at + 24, img.ordQtyLots[o]!, true);
    dv.setFloat64(at + 32, img.ordArrivalSeq[o]!, true);
    dv.setInt32(at + 40, img.ordPriceTicks[o]!, true);
    dv.setInt32(at + 44, img.ordStopPriceTicks[o]!, true);
    dv.setUint8(at + 48, img.ordSide[o]!);
    dv.setUint8(at + 49, img.ordType[o]!);
    dv.setUint8(at + 50, img.ordTif[o]!);
    dv.setUint8(at + 51, img.ordPostOnly[o]! | (img.ordStp[o]! << 1));
    at += STOP_BYTES;
  }
  return at;
}

function writeHeader(bytes: Uint8Array, dv: DataView, img: EngineImage, body: number): void {
  bytes.set(magicBytes, 0);
  dv.setUint32(8, SNAPSHOT_VERSION, true);
  dv.setUint32(12, HEADER_BYTES, true);
  dv.setFloat64(16, body, true);
  dv.setFloat64(24, img.seq, true);
  dv.setFloat64(32, img.nextOrderId, true);
  dv.setFloat64(40, img.nextTradeId, true);
  dv.setFloat64(48, img.createdAtMs, true);
  dv.setBigUint64(56, img.journal.createdAtNs, true);
  dv.setUint32(64, img.journal.shardId, true);
  dv.setUint32(68, 0, true);
  dv.setUint32(BODY_CRC_AT, crc32(bytes.subarray(HEADER_BYTES)), true);
  dv.setUint32(HEADER_CRC_AT, crc32(bytes.subarray(0, HEADER_CRC_AT)), true);
}

/** Checks magic, version, sizes and both checksums. Returns the header, or why the snapshot is unusable. */
export function checkSnapshot(bytes: Uint8Array): SnapshotHeader | string {
  if (bytes.length < HEADER_BYTES) return `truncated: ${bytes.length} bytes, the header alone is ${HEADER_BYTES}`;
  for (let i = 0; i < magicBytes.length; i++) if (bytes[i] !== magicBytes[i]) return "not a snapshot (bad magic)";
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(HEADER_CRC_AT, true) !== crc32(bytes.subarray(0, HEADER_CRC_AT))) return "header checksum mismatch";
  const version = dv.getUint32(8, true);
  if (version !== SNAPSHOT_VERSION) return `format version ${version}, this build reads ${SNAPSHOT_VERSION}`;
  if (dv.getUint32(12, true) !== HEADER_BYTES) return "bad header size";
  const body = dv.getFloat64(16, true);
  if (body !== bytes.length - HEADER_BYTES) return `truncated or padded: body should be ${body} bytes, is ${bytes.length - HEADER_BYTES}`;
  if (dv.getUint32(BODY_CRC_AT, true) !== crc32(bytes.subarray(HEADER_BYTES))) return "body checksum mismatch";
  return {
    version,
    bodyBytes: body,
    seq: dv.getFloat64(24, true),
    nextOrderId: dv.getFloat64(32, true),
    nextTradeId: dv.getFloat64(40, true),
    createdAtMs: dv.getFloat64(48, true),
    journal: { createdAtNs: dv.getBigUint64(56, true), shardId: dv.getUint32(64, true) },
  };
}

/** Reads the body of a checked snapshot through a visitor (restore.ts builds the engine with it). */
export interface SnapshotVisitor {
  symbol(name: string, tick: number, lot: number, minPrice: number, maxPrice: number, maxQty: number, lastPriceTicks: number): void;
  resting(book: number, side: number, price: number, id: number, clientId: number, user: number, qty: number, postOnly: number, stp: number): void;
  stop(
    book: number,
    id: number,
    clientId: number,
    user: number,
    qty: number,
    arrival: number,
    price: number,
    stop: number,
    side: number,
    type: number,
    tif: number,
    postOnly: number,
    stp: number,
  ): void;
}

/** Walks the body. Throws on a structure that runs past the end (a checked snapshot never does). */
export function readBody(bytes: Uint8Array, v: SnapshotVisitor): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const td = new TextDecoder();
  let at = HEADER_BYTES;
  const books = dv.getUint32(at, true);
  at += 4;
  for (let book = 0; book < books; book++) {
    const nameLength = dv.getUint8(at);
    const name = td.decode(bytes.subarray(at + 1, at + 1 + nameLength));
    at += 1 + nameLength;
    v.symbol(name, dv.getInt32(at, true), dv.getFloat64(at + 4, true), dv.getInt32(at + 12, true), dv.getInt32(at + 16, true), dv.getFloat64(at + 20, true), dv.getInt32(at + 28, true));
    at += 32;
    for (let side = 0; side < 2; side++) {
      const levels = dv.getUint32(at, true);
      at += 4;
      for (let l = 0; l < levels; l++) {
        const price = dv.getInt32(at, true);
        const count = dv.getUint32(at + 4, true);
        at += LEVEL_BYTES;
        for (let k = 0; k < count; k++) {
          const flags = dv.getUint8(at + 32);
          v.resting(book, side, price, dv.getFloat64(at, true), dv.getFloat64(at + 8, true), dv.getFloat64(at + 16, true), dv.getFloat64(at + 24, true), flags & 1, flags >>> 1);
          at += ORDER_BYTES;
        }
      }
    }
    const stops = dv.getUint32(at, true);
    at += 4;
    for (let k = 0; k < stops; k++) {
      const flags = dv.getUint8(at + 51);
      v.stop(
        book,
        dv.getFloat64(at, true),
        dv.getFloat64(at + 8, true),
        dv.getFloat64(at + 16, true),
        dv.getFloat64(at + 24, true),
        dv.getFloat64(at + 32, true),
        dv.getInt32(at + 40, true),
        dv.getInt32(at + 44, true),
        dv.getUint8(at + 48),
        dv.getUint8(at + 49),
        dv.getUint8(at + 50),
        flags & 1,
        flags >>> 1,
      );
      at += STOP_BYTES;
    }
  }
  if (at !== bytes.length) throw new Error(`snapshot body has ${bytes.length - at} bytes after its last book`);
}
