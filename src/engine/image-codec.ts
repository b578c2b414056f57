// The engine image as bytes, and back into a fresh engine. The snapshot
// module frames these bytes (header, checksums, versions) without reading
// them; this file is the only one that knows their layout. Little-endian;
// integers that may pass 2^32 are float64 (exact below 2^53, the engine's own
// bound).
//
// Layout, IMAGE_VERSION 2:
//   last seq f64 | next trade id f64 | books u32, then per book in definition order:
//   name (u8 length + UTF-8) | tick size i32 | lot size f64 | min price i32 | max price i32 |
//   max qty f64 | last trade price i32 | trading status u8 (version 2; version 1 has none: open) |
//   four ladders: bids, asks, buy stops, sell stops; per ladder: levels u32, then per
//     level, worst price first: price i32 | orders u32, then per order, FIFO:
//     bids and asks: id f64 | client id f64 | user f64 | qty f64 | flags u8 (postOnly | stp << 1)
//     stops (level price = stop price): id f64 | client id f64 | user f64 | qty f64 |
//       arrival seq f64 | limit or protection price i32 | type u8 | tif u8 | flags u8
// A resting order costs 33 bytes, a stop 47, a level 8 more. Restoring appends
// each order at the tail of its level in this order, which rebuilds the same
// FIFO queues (a stop level's FIFO is its arrival order).

import { CommandCode, CommandStruct } from "./command.ts";
import { NIL, OrderType, Side } from "./constants.ts";
import type { Engine } from "./engine.ts";
import type { EngineImage } from "./image.ts";
import {
  LADDERS_PER_BOOK,
  LI_COUNT,
  LI_HEAD,
  LI_PRICE,
  OB_POST_ONLY,
  OB_STP,
  OB_TIF,
  OB_TYPE,
  OF_CLIENT,
  OF_ID,
  OF_QTY,
  OF_USER,
  OI_NEXT,
  OI_PRICE,
  STOP_BUYS,
} from "./store.ts";

/** Views of an image's copied rows (store.ts layout). */
interface Rows {
  lvlI: Int32Array;
  ordF: Float64Array;
  ordI: Int32Array;
  ordB: Uint8Array;
}

function rowsOf(img: EngineImage): Rows {
  return {
    lvlI: new Int32Array(img.levelRows),
    ordF: new Float64Array(img.orderRows),
    ordI: new Int32Array(img.orderRows),
    ordB: new Uint8Array(img.orderRows),
  };
}

/** Bump when the layout above changes: a snapshot records it; a build reads the versions in IMAGE_VERSIONS_READ. */
export const IMAGE_VERSION = 2;
/** Version 1 (before trading status) restores with every book open. */
export const IMAGE_VERSIONS_READ: readonly number[] = [1, 2];
const COUNTERS_BYTES = 8 + 8 + 4;
const BOOK_FIXED_BYTES = 1 + 4 + 8 + 4 + 4 + 8 + 4 + 1 + LADDERS_PER_BOOK * 4;
const LEVEL_BYTES = 8;
const ORDER_BYTES = 33;
const STOP_BYTES = 47;

/** Names as UTF-8, once per encode. */
function nameBytes(img: EngineImage): Uint8Array[] {
  const te = new TextEncoder();
  return img.names.map((s) => te.encode(s));
}

/** Exact size of the encoded image (one walk of the levels; no growth while writing). */
export function imageBytes(img: EngineImage): number {
  const names = nameBytes(img);
  const lvlI = new Int32Array(img.levelRows);
  let n = COUNTERS_BYTES;
  for (let book = 0; book < img.booksCount; book++) {
    n += BOOK_FIXED_BYTES + names[book]!.length;
    for (let kind = 0; kind < LADDERS_PER_BOOK; kind++) {
      const ladder = book * LADDERS_PER_BOOK + kind;
      for (let row = 0; row < img.ladLevelsCount[ladder]!; row++) {
        const count = lvlI[img.ladRows[(ladder * img.sideMax + row) * 2 + 1]! * 8 + LI_COUNT]!;
        if (count > 0) n += LEVEL_BYTES + count * (kind >= STOP_BUYS ? STOP_BYTES : ORDER_BYTES);
      }
    }
  }
  return n;
}

/** Writes the image at `start` (exactly `imageBytes(img)` bytes); returns the offset after it. */
export function writeImage(img: EngineImage, bytes: Uint8Array, start: number): number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const names = nameBytes(img);
  const rows = rowsOf(img);
  dv.setFloat64(start, img.lastSeq, true);
  dv.setFloat64(start + 8, img.nextTradeId, true);
  dv.setUint32(start + 16, img.booksCount, true);
  let at = start + COUNTERS_BYTES;
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
    dv.setUint8(at + 32, img.symStatus[book]!);
    at += 33;
    for (let kind = 0; kind < LADDERS_PER_BOOK; kind++)
      at = writeLadder(img, rows, dv, at, book * LADDERS_PER_BOOK + kind, kind >= STOP_BUYS);
  }
  return at;
}

function writeLadder(
  img: EngineImage,
  rows: Rows,
  dv: DataView,
  start: number,
  ladder: number,
  isStop: boolean,
): number {
  const base = ladder * img.sideMax;
  const n = img.ladLevelsCount[ladder]!;
  const li = rows.lvlI;
  let levels = 0;
  for (let row = 0; row < n; row++) if (li[img.ladRows[(base + row) * 2 + 1]! * 8 + LI_COUNT] !== 0) levels++;
  dv.setUint32(start, levels, true);
  let at = start + 4;
  // Rows run from the worst price to the best, so a restore adds each level at the best end of its ladder.
  for (let row = 0; row < n; row++) {
    const lvl = img.ladRows[(base + row) * 2 + 1]!;
    const count = li[lvl * 8 + LI_COUNT]!;
    if (count === 0) continue;
    dv.setInt32(at, li[lvl * 8 + LI_PRICE]!, true);
    dv.setUint32(at + 4, count, true);
    at += LEVEL_BYTES;
    for (let o = li[lvl * 8 + LI_HEAD]!; o !== NIL; o = rows.ordI[o * 16 + OI_NEXT]!)
      at = isStop ? writeStop(img, rows, dv, at, o) : writeOrder(rows, dv, at, o);
  }
  return at;
}

function writeOrder(rows: Rows, dv: DataView, at: number, o: number): number {
  const f = o * 8;
  dv.setFloat64(at, rows.ordF[f + OF_ID]!, true);
  dv.setFloat64(at + 8, rows.ordF[f + OF_CLIENT]!, true);
  dv.setFloat64(at + 16, rows.ordF[f + OF_USER]!, true);
  dv.setFloat64(at + 24, rows.ordF[f + OF_QTY]!, true);
  dv.setUint8(at + 32, rows.ordB[o * 64 + OB_POST_ONLY]! | (rows.ordB[o * 64 + OB_STP]! << 1));
  return at + ORDER_BYTES;
}

function writeStop(img: EngineImage, rows: Rows, dv: DataView, at: number, o: number): number {
  const f = o * 8;
  dv.setFloat64(at, rows.ordF[f + OF_ID]!, true);
  dv.setFloat64(at + 8, rows.ordF[f + OF_CLIENT]!, true);
  dv.setFloat64(at + 16, rows.ordF[f + OF_USER]!, true);
  dv.setFloat64(at + 24, rows.ordF[f + OF_QTY]!, true);
  dv.setFloat64(at + 32, img.ordArrivalSeqs[o]!, true);
  dv.setInt32(at + 40, rows.ordI[o * 16 + OI_PRICE]!, true);
  dv.setUint8(at + 44, rows.ordB[o * 64 + OB_TYPE]!);
  dv.setUint8(at + 45, rows.ordB[o * 64 + OB_TIF]!);
  dv.setUint8(at + 46, rows.ordB[o * 64 + OB_POST_ONLY]! | (rows.ordB[o * 64 + OB_STP]! << 1));
  return at + STOP_BYTES;
}

/** The whole image as bytes (tests and tools; the snapshot writes into its own buffer with writeImage). */
export function encodeImage(img: EngineImage): Uint8Array {
  const bytes = new Uint8Array(imageBytes(img));
  const end = writeImage(img, bytes, 0);
  if (end !== bytes.length) throw new Error(`image encoder wrote ${end} bytes, sized ${bytes.length}`);
  return bytes;
}

/**
 * Rebuilds `engine`, which must be fresh, from image bytes: every order is
 * restored through the engine's one restore entry point with a filled
 * command struct. Throws on bytes that do not describe a valid state for this
 * engine (a structure running past the end, trailing bytes, an order that does
 * not fit its capacity or its symbol).
 */
export function restoreImage(bytes: Uint8Array, engine: Engine, version: number = IMAGE_VERSION): void {
  if (engine.booksCount !== 0 || engine.ordersLive !== 0 || engine.lastSeq !== 0)
    throw new Error("restoreImage needs a fresh engine");
  if (!IMAGE_VERSIONS_READ.includes(version))
    throw new Error(`image version ${version}: this build reads ${IMAGE_VERSIONS_READ.join(", ")}`);
  const r = new ImageReader(bytes);
  const lastSeq = r.f64();
  const nextTradeId = r.f64();
  const books = r.u32();
  const cmd = new CommandStruct();
  for (let book = 0; book < books; book++) {
    const name = r.name();
    const tickSize = r.i32();
    const lotSize = r.f64();
    const minPrice = r.i32();
    const maxPrice = r.i32();
    const maxQty = r.f64();
    const lastPriceTicks = r.i32();
    const status = version >= 2 ? r.u8() : 0;
    engine.restoreSymbol({ name, tickSize, lotSize, minPrice, maxPrice, maxQty }, lastPriceTicks, status);
    for (let kind = 0; kind < LADDERS_PER_BOOK; kind++) readLadder(r, engine, cmd, book, kind);
  }
  if (!r.atEnd()) throw new Error(`image has ${r.left()} bytes after its last book`);
  engine.restoreCounters(nextTradeId, lastSeq);
}

function readLadder(r: ImageReader, engine: Engine, cmd: CommandStruct, book: number, kind: number): void {
  const isStop = kind >= STOP_BUYS;
  const side = kind % 2 === 0 ? Side.Buy : Side.Sell;
  const levels = r.u32();
  for (let l = 0; l < levels; l++) {
    const levelPriceTicks = r.i32();
    const count = r.u32();
    if (count === 0) throw new Error(`image: empty level ${levelPriceTicks} in book ${book}`);
    for (let k = 0; k < count; k++) {
      cmd.clear();
      cmd.command = CommandCode.NewOrder;
      cmd.symbolId = book;
      cmd.side = side;
      cmd.orderId = r.f64();
      cmd.clientOrderId = r.f64();
      cmd.userId = r.f64();
      cmd.qtyLots = r.f64();
      if (isStop) {
        cmd.engineSeq = r.f64();
        cmd.priceTicks = r.i32();
        cmd.type = r.u8();
        cmd.tif = r.u8();
        cmd.stopPriceTicks = levelPriceTicks;
        if (cmd.type !== OrderType.StopLimit && cmd.type !== OrderType.StopMarket)
          throw new Error(`image: stop ${cmd.orderId} has type ${cmd.type}`);
      } else {
        cmd.priceTicks = levelPriceTicks;
        cmd.type = OrderType.Limit;
      }
      const flags = r.u8();
      cmd.postOnly = (flags & 1) === 1;
      cmd.stp = flags >>> 1;
      engine.restoreOrder(cmd);
    }
  }
}

/** Bounds-checked little-endian reads; running past the end is an error with the offset. */
class ImageReader {
  private readonly dv: DataView;
  private readonly bytes: Uint8Array;
  private at = 0;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private take(n: number): number {
    const at = this.at;
    if (at + n > this.bytes.length)
      throw new Error(`image truncated: ${n} bytes needed at offset ${at} of ${this.bytes.length}`);
    this.at = at + n;
    return at;
  }

  u8(): number {
    return this.dv.getUint8(this.take(1));
  }

  u32(): number {
    return this.dv.getUint32(this.take(4), true);
  }

  i32(): number {
    return this.dv.getInt32(this.take(4), true);
  }

  f64(): number {
    return this.dv.getFloat64(this.take(8), true);
  }

  name(): string {
    const length = this.u8();
    const at = this.take(length);
    return new TextDecoder().decode(this.bytes.subarray(at, at + length));
  }

  atEnd(): boolean {
    return this.at === this.bytes.length;
  }

  left(): number {
    return this.bytes.length - this.at;
  }
}
