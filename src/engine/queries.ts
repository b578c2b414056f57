// Read-only views of engine state for gateways, APIs and tests. They allocate
// their results, so they are for requests, not for the matching path; the
// exception is `readOrder`, which fills a caller's view (answers written page
// by page while the exchange runs).

import { NIL, Side } from "./constants.ts";
import { ASKS, BIDS, type EngineStore, LADDERS_PER_BOOK, RESTING, STOP } from "./store.ts";

export interface DepthLevel {
  price: number;
  qty: number;
  count: number;
}

/** A resting order as a level-3 book shows it. */
export interface BookOrder {
  priceTicks: number;
  id: number;
  qtyLots: number;
}

export interface OrderView {
  id: number;
  /** The submitter's own id for the order. */
  clientId: number;
  user: number;
  book: number;
  side: number;
  type: number;
  tif: number;
  postOnly: boolean;
  stp: number;
  price: number;
  stop: number;
  qty: number;
  state: "resting" | "stop";
  /** Slot plus generation: stays unique after the slot is reused (see `orderByHandle`). */
  handle: number;
}

function bookLadder(s: EngineStore, book: number, side: number): number {
  if (!(book >= 0 && book < s.booksCount)) throw new Error(`no book ${book}`);
  if (side !== Side.Buy && side !== Side.Sell) throw new Error(`bad side ${side}`);
  return book * LADDERS_PER_BOOK + (side === Side.Buy ? BIDS : ASKS);
}

/** Best price of a side, or 0 when the side is empty. */
export function bestPrice(s: EngineStore, book: number, side: number): number {
  const ladder = bookLadder(s, book, side);
  const n = s.ladLevelsCount[ladder]!;
  return n === 0 ? 0 : s.lvlPriceTicks(s.ladLevel(ladder * s.sideMax + n - 1));
}

/** Total resting quantity at one price of one side. */
export function qtyAt(s: EngineStore, book: number, side: number, price: number): number {
  const ladder = bookLadder(s, book, side);
  const base = ladder * s.sideMax;
  const n = s.ladLevelsCount[ladder]!;
  for (let row = n - 1; row >= 0; row--) {
    const lvl = s.ladLevel(base + row);
    if (s.lvlPriceTicks(lvl) === price) return s.lvlQtyLots(lvl);
  }
  return 0;
}

/** Up to `levelsMax` levels of one side, best first. */
export function depth(s: EngineStore, book: number, side: number, levelsMax: number): DepthLevel[] {
  const ladder = bookLadder(s, book, side);
  const base = ladder * s.sideMax;
  const out: DepthLevel[] = [];
  for (let row = s.ladLevelsCount[ladder]! - 1; row >= 0 && out.length < levelsMax; row--) {
    const lvl = s.ladLevel(base + row);
    if (s.lvlOrdersCount(lvl) === 0) continue;
    out.push({ price: s.lvlPriceTicks(lvl), qty: s.lvlQtyLots(lvl), count: s.lvlOrdersCount(lvl) });
  }
  return out;
}

/** Every resting order of one side in priority order: best level first, FIFO within a level. */
export function bookOrders(s: EngineStore, book: number, side: number): BookOrder[] {
  const ladder = bookLadder(s, book, side);
  const base = ladder * s.sideMax;
  const out: BookOrder[] = [];
  for (let row = s.ladLevelsCount[ladder]! - 1; row >= 0; row--) {
    const lvl = s.ladLevel(base + row);
    for (let o = s.lvlHead(lvl); o !== NIL; o = s.ordNext(o))
      out.push({ priceTicks: s.lvlPriceTicks(lvl), id: s.ordId(o), qtyLots: s.ordQtyLots(o) });
  }
  return out;
}

export function orderHandle(s: EngineStore, slot: number): number {
  return s.ordGen(slot) * s.ordersMax + slot;
}

/** A view to fill with `fillOrderView` (one per reader, reused). */
export function emptyOrderView(): OrderView {
  return {
    id: 0,
    clientId: 0,
    user: 0,
    book: 0,
    side: 0,
    type: 0,
    tif: 0,
    postOnly: false,
    stp: 0,
    price: 0,
    stop: 0,
    qty: 0,
    state: "resting",
    handle: 0,
  };
}

/** Writes the live order in `slot` into `v` and returns `v`; allocates nothing. */
export function fillOrderView(s: EngineStore, slot: number, v: OrderView): OrderView {
  const state = s.ordState(slot);
  if (state !== RESTING && state !== STOP) throw new Error(`slot ${slot} holds no live order`);
  v.id = s.ordId(slot);
  v.clientId = s.ordClientId(slot);
  v.user = s.ordUser(slot);
  v.book = s.ordBook(slot);
  v.side = s.ordSide(slot);
  v.type = s.ordType(slot);
  v.tif = s.ordTif(slot);
  v.postOnly = s.ordPostOnly(slot) === 1;
  v.stp = s.ordStp(slot);
  v.price = s.ordPriceTicks(slot);
  v.stop = s.ordStopPriceTicks(slot);
  v.qty = s.ordQtyLots(slot);
  v.state = state === RESTING ? "resting" : "stop";
  v.handle = orderHandle(s, slot);
  return v;
}

export function orderView(s: EngineStore, slot: number): OrderView {
  return fillOrderView(s, slot, emptyOrderView());
}

/** Fills `into` with the live order `id` and returns true, or returns false (nothing written). Allocates nothing. */
export function readOrder(s: EngineStore, id: number, into: OrderView): boolean {
  const slot = s.idIndex.find(id);
  if (slot === NIL) return false;
  fillOrderView(s, slot, into);
  return true;
}

/** The live order with this id, or null. */
export function orderById(s: EngineStore, id: number): OrderView | null {
  const slot = s.idIndex.find(id);
  return slot === NIL ? null : orderView(s, slot);
}

/** The live order a handle was issued for, or null when it has gone (even if its slot was reused). */
export function orderByHandle(s: EngineStore, handle: number): OrderView | null {
  if (!(Number.isInteger(handle) && handle >= 0)) return null;
  const slot = handle % s.ordersMax;
  const gen = Math.floor(handle / s.ordersMax);
  const state = s.ordState(slot);
  if (s.ordGen(slot) !== gen || (state !== RESTING && state !== STOP)) return null;
  return orderView(s, slot);
}

/**
 * A user's live orders (resting and untriggered stops), oldest first. A scan
 * of the slots ever used: the engine keeps no per-user list on its matching
 * path; the gateway keeps each connected user's orders itself.
 */
export function openOrders(s: EngineStore, user: number): OrderView[] {
  const slots: number[] = [];
  for (let slot = 0; slot < s.slotsHighWater; slot++) {
    const state = s.ordState(slot);
    if ((state === RESTING || state === STOP) && s.ordUser(slot) === user) slots.push(slot);
  }
  slots.sort((a, b) => s.ordArrivalSeq(a) - s.ordArrivalSeq(b) || a - b);
  return slots.map((slot) => orderView(s, slot));
}

/** Calls `fn` with every live order's slot (start-up scans, snapshots). */
export function forEachLiveSlot(s: EngineStore, fn: (slot: number) => void): void {
  for (let slot = 0; slot < s.slotsHighWater; slot++) {
    const state = s.ordState(slot);
    if (state === RESTING || state === STOP) fn(slot);
  }
}
