// The engine's books as plain lists, read straight from its storage: the
// truth the market-data stream, the feed and its clients are compared with.

import type { Engine } from "../../src/engine/engine.ts";
import type { BookMirror } from "../../src/marketdata/book.ts";

export interface PlainLevel {
  price: number;
  qty: number;
  count: number;
}

export interface PlainOrder {
  id: number;
  price: number;
  qty: number;
}

/** Every level of a side, best first (empty levels the engine keeps lazily are skipped). */
export function engineLevels(e: Engine, book: number, side: number): PlainLevel[] {
  return e.depth(book, side, 1 << 30).map((l) => ({ price: l.price, qty: l.qty, count: l.count }));
}

/** Every resting order of a side, best level first, each level in queue order. */
export function engineOrders(e: Engine, book: number, side: number): PlainOrder[] {
  return e.bookOrders(book, side).map((o) => ({ id: o.id, price: o.priceTicks, qty: o.qtyLots }));
}

export function mirrorLevels(m: BookMirror, book: number, side: number): PlainLevel[] {
  const out: PlainLevel[] = [];
  m.forTopLevels(book, side, 1 << 30, (l) =>
    out.push({ price: m.lvlPrice[l]!, qty: m.lvlQty[l]!, count: m.lvlCount[l]! }),
  );
  return out;
}

export function mirrorOrders(m: BookMirror, book: number, side: number): PlainOrder[] {
  const out: PlainOrder[] = [];
  for (let row = 0; row < m.ladderRows(book, side); row++) {
    const lvl = m.levelAtRow(book, side, row);
    for (let o = m.lvlHead[lvl]!; o !== -1; o = m.ordNext[o]!)
      out.push({ id: m.ordId[o]!, price: m.ordPrice[o]!, qty: m.ordQty[o]! });
  }
  return out;
}
