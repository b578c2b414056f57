// The engine event rows the market-data stream reads, whichever queue holds
// them: PendingEvents (same thread, growable) or SharedEventRing (shared
// memory, read by the feed's worker thread). Only the rows that change a book
// or report a trade are kept (rowNeeded): the others cost the matching thread
// nothing beyond one comparison.

import { EventKind } from "../engine/constants.ts";
import type { EventBuffer } from "../engine/events.ts";

/** Columns of held rows, indexed by row; `first` is the oldest of `count` waiting rows. */
export interface EventRows {
  readonly kind: Uint8Array;
  readonly code: Uint8Array;
  readonly side: Uint8Array;
  readonly book: Int32Array;
  readonly price: Int32Array;
  readonly oldPrice: Int32Array;
  readonly seq: Float64Array;
  readonly tsUs: Float64Array;
  readonly id: Float64Array;
  readonly user: Float64Array;
  readonly qty: Float64Array;
  readonly oldQty: Float64Array;
  readonly leaves: Float64Array;
  readonly otherId: Float64Array;
  readonly otherUser: Float64Array;
  readonly otherLeaves: Float64Array;
  readonly tradeId: Float64Array;
  readonly count: number;
  readonly first: number;
  /** Drops the oldest waiting row. */
  shift(): void;
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

/** Copies event row `i` into row `r` of `to` (the engine's column names are here only). */
export function copyRow(events: EventBuffer, i: number, to: EventRows, r: number): void {
  to.kind[r] = events.kind[i]!;
  to.code[r] = events.code[i]!;
  to.side[r] = events.side[i]!;
  to.book[r] = events.book[i]!;
  to.price[r] = events.priceTicks[i]!;
  to.oldPrice[r] = events.oldPriceTicks[i]!;
  to.seq[r] = events.seq[i]!;
  to.tsUs[r] = events.tsUs[i]!;
  to.id[r] = events.id[i]!;
  to.user[r] = events.user[i]!;
  to.qty[r] = events.qtyLots[i]!;
  to.oldQty[r] = events.oldQtyLots[i]!;
  to.leaves[r] = events.leavesQtyLots[i]!;
  to.otherId[r] = events.otherId[i]!;
  to.otherUser[r] = events.otherUser[i]!;
  to.otherLeaves[r] = events.otherLeavesQtyLots[i]!;
  to.tradeId[r] = events.tradeId[i]!;
}

/** Copies row `r` of one queue into row `w` of another (overflow moving into the shared ring). */
export function moveRow(from: EventRows, r: number, to: EventRows, w: number): void {
  to.kind[w] = from.kind[r]!;
  to.code[w] = from.code[r]!;
  to.side[w] = from.side[r]!;
  to.book[w] = from.book[r]!;
  to.price[w] = from.price[r]!;
  to.oldPrice[w] = from.oldPrice[r]!;
  to.seq[w] = from.seq[r]!;
  to.tsUs[w] = from.tsUs[r]!;
  to.id[w] = from.id[r]!;
  to.user[w] = from.user[r]!;
  to.qty[w] = from.qty[r]!;
  to.oldQty[w] = from.oldQty[r]!;
  to.leaves[w] = from.leaves[r]!;
  to.otherId[w] = from.otherId[r]!;
  to.otherUser[w] = from.otherUser[r]!;
  to.otherLeaves[w] = from.otherLeaves[r]!;
  to.tradeId[w] = from.tradeId[r]!;
}
