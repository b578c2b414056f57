// The engine's output: a preallocated buffer of event rows. The engine
// appends; the owner drains (reads `count` rows, then calls `clear`). When a
// single command produces more events than fit, the engine calls `onFull` so
// the owner can drain mid-command; with no handler that is a programmer error
// (the capacity was declared too small for the workload). Which fields each
// kind writes is listed at EventRecord (command.ts); the others hold whatever
// an earlier row left there.
//
// A row is 128 bytes read through two views of one buffer: six int32 fields
// (kind, code, side, book, price, old price) and thirteen float64 fields.
// Readers use the accessors (`events.kind(i)`); the engine writes the views
// directly. One column per field cost ~10 ns an event in JSC (a type check
// and a storage load per column); a row costs one of each.

import { type EventRecord, emptyEvent } from "./command.ts";
import { EventKind } from "./constants.ts";

/** Int32 fields of a row, as offsets into `i32` from `row << 5`. */
export const EI_KIND = 0;
export const EI_CODE = 1;
/** Side of the order the event is about (the taker's for a trade). */
export const EI_SIDE = 2;
export const EI_BOOK = 3;
export const EI_PRICE = 4;
/** Modified: the price before. */
export const EI_OLD_PRICE = 5;
/** Float64 fields of a row, as offsets into `f64` from `row << 4` (offsets 0-2 hold the int32 fields). */
export const EF_SEQ = 3;
export const EF_TS_US = 4;
export const EF_ID = 5;
export const EF_USER = 6;
/** The submitter's id of the order (`id`). */
export const EF_CLIENT = 7;
export const EF_QTY = 8;
export const EF_LEAVES = 9;
/** Modified: the remaining quantity before. */
export const EF_OLD_QTY = 10;
export const EF_OTHER_ID = 11;
export const EF_OTHER_USER = 12;
export const EF_OTHER_LEAVES = 13;
export const EF_TRADE_ID = 14;
/** For trades, the maker's submitter id. */
export const EF_OTHER_CLIENT = 15;
export const EVENT_ROW_BYTES = 128;

export class EventBuffer {
  readonly capacity: number;
  count = 0;
  /** The rows: int32 view (32 per row) and float64 view (16 per row) of one buffer. */
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  /** Called when the buffer is full; it must drain (call `clear`) before returning. */
  onFull: ((events: EventBuffer) => void) | null = null;

  constructor(capacity: number) {
    if (!(Number.isInteger(capacity) && capacity >= 16 && capacity <= 1 << 24))
      throw new Error(`event capacity ${capacity} must be an integer in [16, 2^24]`);
    this.capacity = capacity;
    const rows = new ArrayBuffer(capacity * EVENT_ROW_BYTES);
    this.i32 = new Int32Array(rows);
    this.f64 = new Float64Array(rows);
  }

  clear(): void {
    this.count = 0;
  }

  /** Reserves the next row, draining through `onFull` first when the buffer is full. */
  next(): number {
    if (this.count === this.capacity) this.full();
    return this.count++;
  }

  private full(): void {
    const handler = this.onFull;
    if (handler === null) throw new Error(`event buffer full (${this.capacity} rows) and no onFull handler`);
    handler(this);
    if (this.count !== 0) throw new Error("onFull handler did not drain the event buffer");
  }

  // ---- fields of row i ----

  kind(i: number): number {
    return this.i32[(i << 5) | EI_KIND]!;
  }
  code(i: number): number {
    return this.i32[(i << 5) | EI_CODE]!;
  }
  side(i: number): number {
    return this.i32[(i << 5) | EI_SIDE]!;
  }
  book(i: number): number {
    return this.i32[(i << 5) | EI_BOOK]!;
  }
  priceTicks(i: number): number {
    return this.i32[(i << 5) | EI_PRICE]!;
  }
  oldPriceTicks(i: number): number {
    return this.i32[(i << 5) | EI_OLD_PRICE]!;
  }
  seq(i: number): number {
    return this.f64[(i << 4) | EF_SEQ]!;
  }
  tsUs(i: number): number {
    return this.f64[(i << 4) | EF_TS_US]!;
  }
  id(i: number): number {
    return this.f64[(i << 4) | EF_ID]!;
  }
  user(i: number): number {
    return this.f64[(i << 4) | EF_USER]!;
  }
  clientId(i: number): number {
    return this.f64[(i << 4) | EF_CLIENT]!;
  }
  qtyLots(i: number): number {
    return this.f64[(i << 4) | EF_QTY]!;
  }
  leavesQtyLots(i: number): number {
    return this.f64[(i << 4) | EF_LEAVES]!;
  }
  oldQtyLots(i: number): number {
    return this.f64[(i << 4) | EF_OLD_QTY]!;
  }
  otherId(i: number): number {
    return this.f64[(i << 4) | EF_OTHER_ID]!;
  }
  otherUser(i: number): number {
    return this.f64[(i << 4) | EF_OTHER_USER]!;
  }
  otherLeavesQtyLots(i: number): number {
    return this.f64[(i << 4) | EF_OTHER_LEAVES]!;
  }
  tradeId(i: number): number {
    return this.f64[(i << 4) | EF_TRADE_ID]!;
  }
  otherClientId(i: number): number {
    return this.f64[(i << 4) | EF_OTHER_CLIENT]!;
  }

  /** Row `i` as a plain object, with the fields its kind does not use left 0 (edges and tests only: allocates). */
  record(i: number): EventRecord {
    if (!(i >= 0 && i < this.count)) throw new Error(`event row ${i} outside [0, ${this.count})`);
    const e = emptyEvent();
    const kind = this.kind(i);
    e.kind = kind;
    e.seq = this.seq(i);
    e.tsUs = this.tsUs(i);
    e.book = this.book(i);
    e.id = this.id(i);
    e.user = this.user(i);
    e.side = this.side(i);
    e.clientId = this.clientId(i);
    e.code = this.code(i);
    if (kind !== EventKind.Rejected) e.qtyLots = this.qtyLots(i);
    if (kind !== EventKind.Rejected && kind !== EventKind.MassCancelled) e.priceTicks = this.priceTicks(i);
    if (kind === EventKind.Trade || kind === EventKind.Reduced) e.leavesQtyLots = this.leavesQtyLots(i);
    if (kind === EventKind.Modified) {
      e.oldPriceTicks = this.oldPriceTicks(i);
      e.oldQtyLots = this.oldQtyLots(i);
    }
    if (kind === EventKind.Trade) {
      e.otherId = this.otherId(i);
      e.otherUser = this.otherUser(i);
      e.otherClientId = this.otherClientId(i);
      e.otherLeavesQtyLots = this.otherLeavesQtyLots(i);
      e.tradeId = this.tradeId(i);
    }
    return e;
  }

  /** All rows as plain objects, then clear (edges and tests only). */
  drain(): EventRecord[] {
    const out: EventRecord[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.record(i));
    this.count = 0;
    return out;
  }
}
