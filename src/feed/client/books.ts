// A client's copies of one symbol's book: level 2 (price -> total, count) and
// level 3 (every order in queue order, with the level totals derived from
// them). Plain maps: this runs in the browser and in tests, where clarity
// beats the last microsecond. Both compute the feed's checksum (checksum.ts).

import { BookChecksum, checksumLevels } from "../../marketdata/checksum.ts";

export interface BookLevel {
  price: number;
  qty: number;
  count: number;
}

export interface BookOrder {
  id: number;
  side: number;
  price: number;
  qty: number;
}

const Buy = 0;

/** Levels of a side, best first: bids by price descending, asks ascending. */
function sortedLevels(levels: Map<number, BookLevel>, side: number, n: number): BookLevel[] {
  const all = [...levels.values()];
  all.sort(side === Buy ? (a, b) => b.price - a.price : (a, b) => a.price - b.price);
  return n < all.length ? all.slice(0, n) : all;
}

const checksum = new BookChecksum();

function checksumOfSides(bids: Map<number, BookLevel>, asks: Map<number, BookLevel>): number {
  checksum.reset();
  for (const l of sortedLevels(asks, 1, checksumLevels)) checksum.level(l.price, l.qty);
  for (const l of sortedLevels(bids, Buy, checksumLevels)) checksum.level(l.price, l.qty);
  return checksum.value();
}

export class L2Book {
  readonly bids = new Map<number, BookLevel>();
  readonly asks = new Map<number, BookLevel>();

  clear(): void {
    this.bids.clear();
    this.asks.clear();
  }

  /** Sets a level; qty 0 removes it. */
  set(side: number, price: number, qty: number, count: number): void {
    const m = side === Buy ? this.bids : this.asks;
    if (qty === 0) m.delete(price);
    else m.set(price, { price, qty, count });
  }

  top(side: number, n = Infinity): BookLevel[] {
    return sortedLevels(side === Buy ? this.bids : this.asks, side, n);
  }

  checksum(): number {
    return checksumOfSides(this.bids, this.asks);
  }
}

export class L3Book {
  readonly orders = new Map<number, BookOrder>();
  /** Per side, price -> order ids in queue order (a Set keeps insertion order). */
  readonly queues: [Map<number, Set<number>>, Map<number, Set<number>>] = [new Map(), new Map()];
  /** Level totals derived from the orders. */
  readonly levels: [Map<number, BookLevel>, Map<number, BookLevel>] = [new Map(), new Map()];

  clear(): void {
    this.orders.clear();
    for (const m of this.queues) m.clear();
    for (const m of this.levels) m.clear();
  }

  /** An order joins the tail of its level. False when the id is already resting (a broken stream). */
  add(id: number, side: number, price: number, qty: number): boolean {
    if (this.orders.has(id) || !(qty > 0)) return false;
    this.orders.set(id, { id, side, price, qty });
    let q = this.queues[side]!.get(price);
    if (q === undefined) {
      q = new Set();
      this.queues[side]!.set(price, q);
    }
    q.add(id);
    this.adjust(side, price, qty, 1);
    return true;
  }

  change(id: number, qty: number): boolean {
    const o = this.orders.get(id);
    if (o === undefined || !(qty > 0)) return false;
    this.adjust(o.side, o.price, qty - o.qty, 0);
    o.qty = qty;
    return true;
  }

  remove(id: number): boolean {
    const o = this.orders.get(id);
    if (o === undefined) return false;
    this.orders.delete(id);
    const q = this.queues[o.side]!.get(o.price)!;
    q.delete(id);
    if (q.size === 0) this.queues[o.side]!.delete(o.price);
    this.adjust(o.side, o.price, -o.qty, -1);
    return true;
  }

  /** Orders of a level in queue order. */
  queue(side: number, price: number): BookOrder[] {
    return [...(this.queues[side]!.get(price) ?? [])].map((id) => this.orders.get(id)!);
  }

  top(side: number, n = Infinity): BookLevel[] {
    return sortedLevels(this.levels[side]!, side, n);
  }

  checksum(): number {
    return checksumOfSides(this.levels[0], this.levels[1]);
  }

  private adjust(side: number, price: number, dq: number, dc: number): void {
    const m = this.levels[side]!;
    const l = m.get(price);
    if (l === undefined) {
      m.set(price, { price, qty: dq, count: dc });
      return;
    }
    l.qty += dq;
    l.count += dc;
    if (l.count === 0) m.delete(price);
  }
}
