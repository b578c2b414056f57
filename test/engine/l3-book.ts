// A level-3 book built from engine events alone, as a market-data consumer
// would build it: no access to the engine, no mirror of its rules beyond what
// RULES.md says each event means. Every event is checked against what the
// book already holds (a cancel names the level and quantity it removes, a
// trade the maker's remaining quantity), so a wrong or missing event fails
// at once with the reason.

import type { EventRecord } from "../../src/engine/command.ts";
import { EventKind, Side } from "../../src/engine/constants.ts";

interface L3Order {
  id: number;
  book: number;
  side: number;
  priceTicks: number;
  qtyLots: number;
}

export interface L3Level {
  price: number;
  qty: number;
  count: number;
}

export interface L3Entry {
  priceTicks: number;
  id: number;
  qtyLots: number;
}

export class L3Book {
  private readonly orders = new Map<number, L3Order>();
  /** "book:side:price" -> FIFO of order ids. */
  private readonly levels = new Map<string, number[]>();

  apply(e: EventRecord): void {
    switch (e.kind) {
      case EventKind.Booked:
        return this.booked(e);
      case EventKind.Trade:
        return this.trade(e);
      case EventKind.Cancelled:
        return this.cancelled(e);
      case EventKind.Reduced:
        return this.reduced(e);
      case EventKind.Modified:
        return this.modified(e);
      default:
        // accepted, rejected, triggered, mass_cancelled: no book change.
        return;
    }
  }

  /** Levels of one side, best first (the engine's depth()). */
  depth(book: number, side: number): L3Level[] {
    return this.prices(book, side).map((price) => {
      const ids = this.levels.get(key(book, side, price))!;
      return { price, qty: ids.reduce((sum, id) => sum + this.orders.get(id)!.qtyLots, 0), count: ids.length };
    });
  }

  /** Orders of one side in priority order (the engine's bookOrders()). */
  bookOrders(book: number, side: number): L3Entry[] {
    const out: L3Entry[] = [];
    for (const price of this.prices(book, side)) {
      for (const id of this.levels.get(key(book, side, price))!)
        out.push({ priceTicks: price, id, qtyLots: this.orders.get(id)!.qtyLots });
    }
    return out;
  }

  private prices(book: number, side: number): number[] {
    const prices: number[] = [];
    const prefix = `${book}:${side}:`;
    for (const [k, ids] of this.levels)
      if (k.startsWith(prefix) && ids.length > 0) prices.push(Number(k.slice(prefix.length)));
    return prices.sort((a, b) => (side === Side.Buy ? b - a : a - b));
  }

  private booked(e: EventRecord): void {
    if (this.orders.has(e.id)) fail(e, "booked an order already in the book");
    if (!(e.qtyLots > 0 && e.priceTicks > 0)) fail(e, "booked without price or quantity");
    this.orders.set(e.id, { id: e.id, book: e.book, side: e.side, priceTicks: e.priceTicks, qtyLots: e.qtyLots });
    const k = key(e.book, e.side, e.priceTicks);
    const ids = this.levels.get(k);
    if (ids === undefined) this.levels.set(k, [e.id]);
    else ids.push(e.id);
  }

  private trade(e: EventRecord): void {
    if (this.orders.has(e.id)) fail(e, "the taker of a trade is in the book");
    const maker = this.resting(e, e.otherId, e.side === Side.Buy ? Side.Sell : Side.Buy, e.priceTicks);
    if (maker.qtyLots - e.qtyLots !== e.otherLeavesQtyLots)
      fail(e, `maker had ${maker.qtyLots}, traded ${e.qtyLots}, event says ${e.otherLeavesQtyLots} left`);
    const head = this.levels.get(key(maker.book, maker.side, maker.priceTicks))![0];
    if (head !== maker.id) fail(e, `maker ${maker.id} traded ahead of ${head} at its level`);
    maker.qtyLots = e.otherLeavesQtyLots;
    if (maker.qtyLots === 0) this.remove(maker);
  }

  private cancelled(e: EventRecord): void {
    if (e.priceTicks === 0) {
      if (this.orders.has(e.id)) fail(e, "cancelled as not in the book, but it is");
      return;
    }
    const o = this.resting(e, e.id, e.side, e.priceTicks);
    if (o.qtyLots !== e.qtyLots) fail(e, `cancelled ${e.qtyLots}, the book holds ${o.qtyLots}`);
    this.remove(o);
  }

  private reduced(e: EventRecord): void {
    if (e.priceTicks === 0) {
      if (this.orders.has(e.id)) fail(e, "reduced as not in the book, but it is");
      return;
    }
    const o = this.resting(e, e.id, e.side, e.priceTicks);
    if (o.qtyLots - e.qtyLots !== e.leavesQtyLots || e.leavesQtyLots <= 0)
      fail(e, `reduced ${e.qtyLots} of ${o.qtyLots}, event says ${e.leavesQtyLots} left`);
    o.qtyLots = e.leavesQtyLots;
  }

  /**
   * In place when the price stays and the quantity does not grow (RULES.md, Modify); otherwise it
   * leaves and may come back booked.
   */
  private modified(e: EventRecord): void {
    const o = this.resting(e, e.id, e.side, e.oldPriceTicks);
    if (o.qtyLots !== e.oldQtyLots) fail(e, `old quantity ${e.oldQtyLots}, the book holds ${o.qtyLots}`);
    if (e.priceTicks === e.oldPriceTicks && e.qtyLots <= e.oldQtyLots) o.qtyLots = e.qtyLots;
    else this.remove(o);
  }

  private resting(e: EventRecord, id: number, side: number, priceTicks: number): L3Order {
    const o = this.orders.get(id);
    if (o === undefined) fail(e, `order ${id} is not in the book`);
    if (o.book !== e.book || o.side !== side || o.priceTicks !== priceTicks) {
      fail(
        e,
        `order ${id} rests at book ${o.book} side ${o.side} price ${o.priceTicks}, ` +
          `the event says ${e.book}/${side}/${priceTicks}`,
      );
    }
    return o;
  }

  private remove(o: L3Order): void {
    this.orders.delete(o.id);
    const k = key(o.book, o.side, o.priceTicks);
    const ids = this.levels.get(k)!;
    ids.splice(ids.indexOf(o.id), 1);
    if (ids.length === 0) this.levels.delete(k);
  }
}

function key(book: number, side: number, price: number): string {
  return `${book}:${side}:${price}`;
}

function fail(e: EventRecord, why: string): never {
  throw new Error(`L3 book from events: ${why}: ${JSON.stringify(e)}`);
}
