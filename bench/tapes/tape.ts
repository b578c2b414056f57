// A command tape: one symbol's message stream as typed-array columns
// (struct-of-arrays), generated once per seed and read by both books: ours
// in-process (our-engine.ts) and exchange-core's through a binary file
// (bench/peer/exchange-core). The file format is below; the Java reader
// (TapeFile.java) must follow it byte for byte.
//
// Ops name the economic intent, not one engine's API, so each driver maps
// them to its own calls (the mapping for the peer is in README.md):
//   New      limit GTC, limit IOC or market (type + tif columns)
//   Cancel   the whole remaining quantity
//   Reduce   same price, smaller remaining quantity (`qty` = new remaining,
//            `aux` = quantity removed); keeps time priority in both books
//   Move     new price, same remaining quantity; re-queued at the new price
//   Replace  new price and/or larger quantity (never "same price, not larger":
//            that is a Reduce); re-queued, may trade

export const TapeOp = { New: 0, Cancel: 1, Reduce: 2, Move: 3, Replace: 4 } as const;
export const tapeOpNames = ["new", "cancel", "reduce", "move", "replace"] as const;

/** Order type and time in force use the engine's codes (src/engine/constants.ts): limit 0, market 1; gtc 0, ioc 1. */
export const TapeType = { Limit: 0, Market: 1 } as const;
export const TapeTif = { Gtc: 0, Ioc: 1 } as const;
export const TapeSide = { Buy: 0, Sell: 1 } as const;

export interface TapeColumns {
  /** Messages in the tape; every column has at least this many rows. */
  readonly count: number;
  readonly op: Uint8Array;
  readonly side: Uint8Array;
  readonly type: Uint8Array;
  readonly tif: Uint8Array;
  /** Order id, an integer in [1, 2^40): exact in a float64 and a Java long. */
  readonly id: Float64Array;
  readonly user: Uint32Array;
  /** Limit price in ticks; 0 for a market order (no protection price). */
  readonly price: Int32Array;
  /** New: order quantity; Reduce/Move/Replace: the order's new remaining quantity. */
  readonly qty: Int32Array;
  /** Reduce: quantity removed (exchange-core's REDUCE_ORDER takes the decrement); 0 otherwise. */
  readonly aux: Int32Array;
  /** Price band of the symbol: the peer maps a market order to an IOC limit at the band's edge. */
  readonly minPrice: number;
  readonly maxPrice: number;
}

export function allocColumns(capacity: number, minPrice: number, maxPrice: number): TapeColumns {
  if (!(Number.isInteger(capacity) && capacity > 0 && capacity < 2 ** 31)) throw new Error(`tape capacity ${capacity}`);
  return {
    count: capacity,
    op: new Uint8Array(capacity),
    side: new Uint8Array(capacity),
    type: new Uint8Array(capacity),
    tif: new Uint8Array(capacity),
    id: new Float64Array(capacity),
    user: new Uint32Array(capacity),
    price: new Int32Array(capacity),
    qty: new Int32Array(capacity),
    aux: new Int32Array(capacity),
    minPrice,
    maxPrice,
  };
}

/** The first `count` rows as views (no copy). */
export function sliceColumns(c: TapeColumns, count: number): TapeColumns {
  if (!(count >= 0 && count <= c.count)) throw new Error(`slice ${count} of ${c.count}`);
  return {
    count,
    op: c.op.subarray(0, count),
    side: c.side.subarray(0, count),
    type: c.type.subarray(0, count),
    tif: c.tif.subarray(0, count),
    id: c.id.subarray(0, count),
    user: c.user.subarray(0, count),
    price: c.price.subarray(0, count),
    qty: c.qty.subarray(0, count),
    aux: c.aux.subarray(0, count),
    minPrice: c.minPrice,
    maxPrice: c.maxPrice,
  };
}

// ---------------------------------------------------------------------------
// Binary file, little-endian:
//   header (64 bytes): magic u32 "XTP1", version u32, count u32, reserved u32,
//                      minPrice i32, maxPrice i32, 40 bytes of zeros
//   then the columns in this order, each padded with zeros to a multiple of 8 bytes:
//   op u8[count], side u8[count], type u8[count], tif u8[count], id f64[count],
//   user u32[count], price i32[count], qty i32[count], aux i32[count]

export const TAPE_MAGIC = 0x31505458; // "XTP1" read as a little-endian u32
export const TAPE_VERSION = 1;
export const TAPE_HEADER_BYTES = 64;

function padded(bytes: number): number {
  return Math.ceil(bytes / 8) * 8;
}

type ColumnName = "op" | "side" | "type" | "tif" | "id" | "user" | "price" | "qty" | "aux";

/** The columns in file order, with their bytes per message. */
const LAYOUT: readonly (readonly [ColumnName, number])[] = [
  ["op", 1],
  ["side", 1],
  ["type", 1],
  ["tif", 1],
  ["id", 8],
  ["user", 4],
  ["price", 4],
  ["qty", 4],
  ["aux", 4],
];

/** Bytes of one tape file of `count` messages. */
export function tapeFileBytes(count: number): number {
  return LAYOUT.reduce((sum, [, width]) => sum + padded(count * width), TAPE_HEADER_BYTES);
}

function columnBytes(column: ArrayBufferView, bytes: number): Uint8Array {
  return new Uint8Array(column.buffer, column.byteOffset, bytes);
}

export function encodeTape(c: TapeColumns): Uint8Array {
  const n = c.count;
  const out = new Uint8Array(tapeFileBytes(n));
  const view = new DataView(out.buffer);
  view.setUint32(0, TAPE_MAGIC, true);
  view.setUint32(4, TAPE_VERSION, true);
  view.setUint32(8, n, true);
  view.setInt32(16, c.minPrice, true);
  view.setInt32(20, c.maxPrice, true);
  let at = TAPE_HEADER_BYTES;
  for (const [name, width] of LAYOUT) {
    out.set(columnBytes(c[name], n * width), at);
    at += padded(n * width);
  }
  return out;
}

/** Reads a tape file; throws with a reason on a short, foreign or inconsistent file. */
export function decodeTape(bytes: Uint8Array): TapeColumns {
  if (bytes.length < TAPE_HEADER_BYTES) throw new Error(`tape file too short: ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (view.getUint32(0, true) !== TAPE_MAGIC) throw new Error("not a tape file (bad magic)");
  const version = view.getUint32(4, true);
  if (version !== TAPE_VERSION) throw new Error(`tape version ${version}, expected ${TAPE_VERSION}`);
  const n = view.getUint32(8, true);
  if (bytes.length !== tapeFileBytes(n))
    throw new Error(`tape file of ${bytes.length} bytes, expected ${tapeFileBytes(n)} for ${n} messages`);
  const c = allocColumns(Math.max(1, n), view.getInt32(16, true), view.getInt32(20, true));
  let at = TAPE_HEADER_BYTES;
  for (const [name, width] of LAYOUT) {
    columnBytes(c[name], n * width).set(bytes.subarray(at, at + n * width));
    at += padded(n * width);
  }
  return sliceColumns(c, n);
}
