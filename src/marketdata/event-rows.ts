// The engine event rows the market-data stream reads, whichever queue holds
// them: PendingEvents (same thread, growable) or SharedEventRing (shared
// memory, read by the feed's worker thread). Only the rows that change a book
// or report a trade are kept (rowNeeded): the others cost the matching thread
// nothing beyond one comparison.
//
// Both queues hold rows in the engine's own layout (events.ts: 128 bytes, six
// int32 fields then float64 fields, read through an int32 and a float64 view),
// so keeping a row is one short sequential copy (two cache lines), not a
// store into each of 17 column arrays.

import {
  EF_LEAVES,
  EF_OLD_QTY,
  EF_OTHER_ID,
  EF_OTHER_LEAVES,
  EF_OTHER_USER,
  EF_QTY,
  EF_SEQ,
  EF_TRADE_ID,
  EF_TS_US,
  EF_ID,
  EF_USER,
  EI_BOOK,
  EI_KIND,
  EI_OLD_PRICE,
  EI_PRICE,
  EI_SIDE,
  type EventBuffer,
} from "../engine/events.ts";
import { EventKind } from "../engine/constants.ts";

/** Int32 and float64 slots of a row (events.ts: EVENT_ROW_BYTES). */
export const rowInt32s = 32;
export const rowFloat64s = 16;

/** Held rows read by row index; `first` is the oldest of `count` waiting rows. */
export interface EventRows {
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  readonly count: number;
  readonly first: number;
  /** Drops the oldest waiting row. */
  shift(): void;
  kind(r: number): number;
  side(r: number): number;
  book(r: number): number;
  priceTicks(r: number): number;
  oldPriceTicks(r: number): number;
  seq(r: number): number;
  tsUs(r: number): number;
  id(r: number): number;
  user(r: number): number;
  qtyLots(r: number): number;
  oldQtyLots(r: number): number;
  leavesQtyLots(r: number): number;
  otherId(r: number): number;
  otherUser(r: number): number;
  otherLeavesQtyLots(r: number): number;
  tradeId(r: number): number;
}

/** The accessors of EventRows over the two views (the queues extend this). */
export abstract class RowViews {
  abstract readonly i32: Int32Array;
  abstract readonly f64: Float64Array;

  kind(r: number): number {
    return this.i32[(r << 5) | EI_KIND]!;
  }
  side(r: number): number {
    return this.i32[(r << 5) | EI_SIDE]!;
  }
  book(r: number): number {
    return this.i32[(r << 5) | EI_BOOK]!;
  }
  priceTicks(r: number): number {
    return this.i32[(r << 5) | EI_PRICE]!;
  }
  oldPriceTicks(r: number): number {
    return this.i32[(r << 5) | EI_OLD_PRICE]!;
  }
  seq(r: number): number {
    return this.f64[(r << 4) | EF_SEQ]!;
  }
  tsUs(r: number): number {
    return this.f64[(r << 4) | EF_TS_US]!;
  }
  id(r: number): number {
    return this.f64[(r << 4) | EF_ID]!;
  }
  user(r: number): number {
    return this.f64[(r << 4) | EF_USER]!;
  }
  qtyLots(r: number): number {
    return this.f64[(r << 4) | EF_QTY]!;
  }
  oldQtyLots(r: number): number {
    return this.f64[(r << 4) | EF_OLD_QTY]!;
  }
  leavesQtyLots(r: number): number {
    return this.f64[(r << 4) | EF_LEAVES]!;
  }
  otherId(r: number): number {
    return this.f64[(r << 4) | EF_OTHER_ID]!;
  }
  otherUser(r: number): number {
    return this.f64[(r << 4) | EF_OTHER_USER]!;
  }
  otherLeavesQtyLots(r: number): number {
    return this.f64[(r << 4) | EF_OTHER_LEAVES]!;
  }
  tradeId(r: number): number {
    return this.f64[(r << 4) | EF_TRADE_ID]!;
  }
}

/**
 * Whether the stream needs an event: trades, orders joining the book, and
 * quantity leaving it (a cancel or reduction with the level's price; price 0
 * means the quantity was never resting), and modifications.
 */
export function rowNeeded(kind: number, priceTicks: number): boolean {
  if (kind === EventKind.Trade || kind === EventKind.Booked || kind === EventKind.Modified) return true;
  return (kind === EventKind.Cancelled || kind === EventKind.Reduced) && priceTicks !== 0;
}

/** Copies event row `i` into row `r` of `to`. */
export function copyRow(events: EventBuffer, i: number, to: EventRows, r: number): void {
  copyRowViews(events.i32, events.f64, i, to.i32, to.f64, r);
}

/** Copies row `r` of one queue into row `w` of another (overflow moving into the shared ring). */
export function moveRow(from: EventRows, r: number, to: EventRows, w: number): void {
  copyRowViews(from.i32, from.f64, r, to.i32, to.f64, w);
}

/**
 * Copies row `i` of one pair of views into row `r` of another, only the
 * fields the stream reads for the row's kind (stream.ts): the six int32
 * fields through the int32 views (read as float64, two of them could form a
 * NaN that the engine may canonicalise), seq to qty (the first 64 bytes), and
 * only trades, reductions and modifications reach into the second cache
 * line. Books and cancels, most of the flow, so move one line, not two.
 */
export function copyRowViews(
  fromI32: Int32Array,
  fromF64: Float64Array,
  i: number,
  toI32: Int32Array,
  toF64: Float64Array,
  r: number,
): void {
  const a = i << 5;
  const b = r << 5;
  const kind = fromI32[a + EI_KIND]!;
  toI32[b] = kind;
  toI32[b + 1] = fromI32[a + 1]!;
  toI32[b + 2] = fromI32[a + 2]!;
  toI32[b + 3] = fromI32[a + 3]!;
  toI32[b + 4] = fromI32[a + 4]!;
  toI32[b + 5] = fromI32[a + 5]!;
  const c = i << 4;
  const d = r << 4;
  toF64[d + EF_SEQ] = fromF64[c + EF_SEQ]!;
  toF64[d + EF_TS_US] = fromF64[c + EF_TS_US]!;
  toF64[d + EF_ID] = fromF64[c + EF_ID]!;
  toF64[d + EF_USER] = fromF64[c + EF_USER]!;
  toF64[d + EF_QTY] = fromF64[c + EF_QTY]!;
  if (kind === EventKind.Trade) {
    toF64[d + EF_OTHER_ID] = fromF64[c + EF_OTHER_ID]!;
    toF64[d + EF_OTHER_USER] = fromF64[c + EF_OTHER_USER]!;
    toF64[d + EF_OTHER_LEAVES] = fromF64[c + EF_OTHER_LEAVES]!;
    toF64[d + EF_TRADE_ID] = fromF64[c + EF_TRADE_ID]!;
  } else if (kind === EventKind.Reduced) toF64[d + EF_LEAVES] = fromF64[c + EF_LEAVES]!;
  else if (kind === EventKind.Modified) toF64[d + EF_OLD_QTY] = fromF64[c + EF_OLD_QTY]!;
}
