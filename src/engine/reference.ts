// The reference order book: RULES.md written as plainly as possible, with
// arrays of plain objects, linear scans and no capacity limits. It is meant to
// be obviously right rather than fast, so that the fast engine can be checked
// against it event for event (differential.test.ts).

import {
  type CancelCommand,
  type Command,
  type EventRecord,
  type ModifyCommand,
  type NewOrderCommand,
  type SymbolSpec,
  emptyEvent,
} from "./command.ts";
import { CancelReason, EventKind, INT_MAX, OrderType, Reject, Side, Stp, Tif } from "./constants.ts";
import { Hash64 } from "./hash64.ts";

export interface DepthLevel {
  price: number;
  /** Sum of the remaining quantities of the level's orders. */
  qty: number;
  count: number;
}

interface RestingOrder {
  id: number;
  user: number;
  side: number;
  price: number;
  qty: number;
  postOnly: boolean;
  stp: number;
}

interface Level {
  price: number;
  /** FIFO: index 0 has time priority. */
  orders: RestingOrder[];
}

interface StopOrder {
  id: number;
  user: number;
  side: number;
  type: number;
  tif: number;
  postOnly: boolean;
  stp: number;
  /** Limit price (stop_limit) or protection price (stop_market, 0 for none). */
  price: number;
  stop: number;
  qty: number;
  /** Seq of the command that placed the stop; the oldest triggers first. */
  arrival: number;
}

interface Book {
  spec: SymbolSpec;
  hasLastTrade: boolean;
  lastTradePrice: number;
  /** Best (highest) first. */
  bids: Level[];
  /** Best (lowest) first. */
  asks: Level[];
  /** Untriggered stops, arrival ascending. */
  stops: StopOrder[];
}

/** Where a live id is: exactly one of `resting` and `stop` is set. */
interface LiveOrder {
  book: number;
  resting: RestingOrder | null;
  stop: StopOrder | null;
}

/** An order while it takes liquidity: a new order, a triggered stop or a repriced modify. */
interface Taker {
  id: number;
  user: number;
  side: number;
  /** False for a market order without protection: it crosses any price. */
  hasLimit: boolean;
  limit: number;
  qty: number;
  stp: number;
}

export class ReferenceEngine {
  private readonly books: Book[] = [];
  private readonly live = new Map<number, LiveOrder>();
  private nextTradeId = 1;
  private lastSeq = 0;
  // The command being applied: every event it causes carries its seq, ts and book.
  private seq = 0;
  private ts = 0;
  private bookIndex = 0;
  private out: EventRecord[] = [];

  get booksCount(): number {
    return this.books.length;
  }

  apply(cmd: Command): EventRecord[] {
    this.out = [];
    this.lastSeq = cmd.seq;
    this.seq = cmd.seq;
    this.ts = cmd.ts;
    switch (cmd.op) {
      case "symbol":
        this.books.push({
          spec: { ...cmd.spec },
          hasLastTrade: false,
          lastTradePrice: 0,
          bids: [],
          asks: [],
          stops: [],
        });
        break;
      case "new":
        this.newOrder(cmd);
        break;
      case "cancel":
        this.cancel(cmd);
        break;
      case "modify":
        this.modify(cmd);
        break;
    }
    return this.out;
  }

  depth(book: number, side: number, levelsMax: number): DepthLevel[] {
    const b = this.books[book];
    if (b === undefined) throw new Error(`depth: book ${book} unknown`);
    const levels = side === Side.Buy ? b.bids : b.asks;
    return levels.slice(0, levelsMax).map((level) => ({
      price: level.price,
      qty: level.orders.reduce((sum, o) => sum + o.qty, 0),
      count: level.orders.length,
    }));
  }

  stateHash(): string {
    const h = new Hash64();
    h.add(this.books.length);
    for (const b of this.books) {
      h.addString(b.spec.name);
      h.add(b.spec.tickSize);
      h.add(b.spec.lotSize);
      h.add(b.spec.minPrice);
      h.add(b.spec.maxPrice);
      h.add(b.spec.maxQty);
      h.add(b.hasLastTrade ? b.lastTradePrice : 0);
      for (const levels of [b.bids, b.asks]) {
        h.add(levels.length);
        for (const level of levels) {
          h.add(level.price);
          h.add(level.orders.length);
          for (const o of level.orders) {
            h.add(o.id);
            h.add(o.user);
            h.add(o.qty);
            h.add(o.postOnly ? 1 : 0);
            h.add(o.stp);
          }
        }
      }
      const stops = [...b.stops].sort((x, y) => x.arrival - y.arrival);
      h.add(stops.length);
      for (const s of stops) {
        h.add(s.id);
        h.add(s.user);
        h.add(s.side);
        h.add(s.type);
        h.add(s.tif);
        h.add(s.postOnly ? 1 : 0);
        h.add(s.stp);
        h.add(s.price);
        h.add(s.stop);
        h.add(s.qty);
        h.add(s.arrival);
      }
    }
    h.add(this.nextTradeId);
    h.add(this.lastSeq);
    return h.hex();
  }

  // ---- Commands -----------------------------------------------------------

  private newOrder(c: NewOrderCommand): void {
    const b = this.book(c.book);
    if (b === null) return this.reject(c.id, c.user, Reject.UnknownSymbol);
    this.bookIndex = c.book;
    const reason = this.validateNew(b, c);
    if (reason !== 0) return this.reject(c.id, c.user, reason);
    this.emit(EventKind.Accepted, { id: c.id, user: c.user, code: c.side, price: c.price, qty: c.qty });
    if (c.type === OrderType.StopLimit || c.type === OrderType.StopMarket) {
      this.placeStop(b, c);
    } else {
      const taker = this.takerOf(c.id, c.user, c.side, c.type, c.price, c.qty, c.stp);
      this.match(b, taker);
      this.finishTaker(b, taker, c.type, c.tif, c.postOnly);
    }
    this.runStops(b);
  }

  private cancel(c: CancelCommand): void {
    const b = this.book(c.book);
    if (b === null) return this.reject(c.id, c.user, Reject.UnknownSymbol);
    this.bookIndex = c.book;
    const found = this.live.get(c.id);
    if (found === undefined || found.book !== c.book) return this.reject(c.id, c.user, Reject.UnknownOrder);
    const owner = found.resting !== null ? found.resting.user : found.stop!.user;
    if (owner !== c.user) return this.reject(c.id, c.user, Reject.NotOwner);
    let qty: number;
    if (found.resting !== null) {
      qty = found.resting.qty;
      this.removeResting(b, found.resting);
    } else {
      qty = found.stop!.qty;
      b.stops.splice(b.stops.indexOf(found.stop!), 1);
      this.live.delete(c.id);
    }
    this.emit(EventKind.Cancelled, { id: c.id, user: owner, qty, code: CancelReason.User });
  }

  private modify(c: ModifyCommand): void {
    const b = this.book(c.book);
    if (b === null) return this.reject(c.id, c.user, Reject.UnknownSymbol);
    this.bookIndex = c.book;
    const found = this.live.get(c.id);
    if (found === undefined || found.book !== c.book) return this.reject(c.id, c.user, Reject.UnknownOrder);
    const owner = found.resting !== null ? found.resting.user : found.stop!.user;
    if (owner !== c.user) return this.reject(c.id, c.user, Reject.NotOwner);
    if (found.resting === null) return this.reject(c.id, c.user, Reject.NotModifiable);
    const o = found.resting;
    // Same order of checks as for a new limit order: quantity, then price.
    if (!validQty(b.spec, c.qty)) return this.reject(c.id, c.user, Reject.BadQuantity);
    const priceReason = priceCheck(b.spec, c.price);
    if (priceReason !== 0) return this.reject(c.id, c.user, priceReason);
    if (o.postOnly && crossesBest(b, o.side, c.price)) return this.reject(c.id, c.user, Reject.PostOnlyWouldTake);

    if (c.price === o.price && c.qty <= o.qty) {
      o.qty = c.qty;
      this.emit(EventKind.Modified, { id: o.id, user: o.user, price: o.price, qty: o.qty });
    } else {
      this.removeResting(b, o);
      this.emit(EventKind.Modified, { id: o.id, user: o.user, price: c.price, qty: c.qty });
      const taker: Taker = { id: o.id, user: o.user, side: o.side, hasLimit: true, limit: c.price, qty: c.qty, stp: o.stp };
      this.match(b, taker);
      this.finishTaker(b, taker, OrderType.Limit, Tif.Gtc, o.postOnly);
    }
    this.runStops(b);
  }

  // ---- Validation ---------------------------------------------------------

  /** Checks 2 to 8 of RULES.md for a new order on a known book; 0 when valid. */
  private validateNew(b: Book, c: NewOrderCommand): number {
    if (!isId(c.id) || !isId(c.user)) return Reject.BadField;
    if (!isCode(c.side, 1) || !isCode(c.type, 3) || !isCode(c.tif, 2) || !isCode(c.stp, 4)) return Reject.BadField;
    const isMarket = c.type === OrderType.Market || c.type === OrderType.StopMarket;
    const isStop = c.type === OrderType.StopLimit || c.type === OrderType.StopMarket;
    if (c.postOnly && (c.tif !== Tif.Gtc || isMarket)) return Reject.BadField;
    if (!validQty(b.spec, c.qty)) return Reject.BadQuantity;
    // A market price of 0 means "no protection"; any other price must be valid.
    if (!isMarket || c.price !== 0) {
      const reason = priceCheck(b.spec, c.price);
      if (reason !== 0) return reason;
    }
    if (isStop) {
      const reason = priceCheck(b.spec, c.stop);
      if (reason !== 0) return reason;
    }
    if (this.live.has(c.id)) return Reject.DuplicateOrderId;
    if (c.type === OrderType.Limit && c.postOnly && crossesBest(b, c.side, c.price)) {
      return Reject.PostOnlyWouldTake;
    }
    if (c.tif === Tif.Fok && !isStop) {
      const taker = this.takerOf(c.id, c.user, c.side, c.type, c.price, c.qty, c.stp);
      if (!fillable(b, taker)) return Reject.FokNotFillable;
    }
    return 0;
  }

  // ---- Matching -----------------------------------------------------------

  private takerOf(id: number, user: number, side: number, type: number, price: number, qty: number, stp: number): Taker {
    const isMarket = type === OrderType.Market || type === OrderType.StopMarket;
    const hasLimit = !isMarket || price !== 0;
    return { id, user, side, hasLimit, limit: hasLimit ? price : 0, qty, stp };
  }

  /** Trades the taker against the opposite side until it is filled, stops crossing, or self-trade prevention ends it. */
  private match(b: Book, t: Taker): void {
    const opposite = t.side === Side.Buy ? b.asks : b.bids;
    while (t.qty > 0 && opposite.length > 0) {
      const level = opposite[0]!;
      if (!takerCrosses(t, level.price)) return;
      const maker = level.orders[0]!;
      if (maker.user === t.user && t.stp !== Stp.None) {
        this.selfTrade(b, t, maker);
        continue;
      }
      const qty = Math.min(t.qty, maker.qty);
      t.qty -= qty;
      maker.qty -= qty;
      b.hasLastTrade = true;
      b.lastTradePrice = level.price;
      this.emit(EventKind.Trade, {
        id: t.id,
        user: t.user,
        otherId: maker.id,
        otherUser: maker.user,
        price: level.price,
        qty,
        tradeId: this.nextTradeId++,
        code: t.side,
        leaves: t.qty,
        otherLeaves: maker.qty,
      });
      if (maker.qty === 0) this.removeResting(b, maker);
    }
  }

  /** The taker meets its own user's order at the head of the best level. Sets t.qty to 0 when matching must stop. */
  private selfTrade(b: Book, t: Taker, maker: RestingOrder): void {
    const reason = CancelReason.SelfTrade;
    switch (t.stp) {
      case Stp.CancelTaker:
        this.emit(EventKind.Cancelled, { id: t.id, user: t.user, qty: t.qty, code: reason });
        t.qty = 0;
        return;
      case Stp.CancelMaker:
        this.removeResting(b, maker);
        this.emit(EventKind.Cancelled, { id: maker.id, user: maker.user, qty: maker.qty, code: reason });
        return;
      case Stp.CancelBoth:
        this.removeResting(b, maker);
        this.emit(EventKind.Cancelled, { id: maker.id, user: maker.user, qty: maker.qty, code: reason });
        this.emit(EventKind.Cancelled, { id: t.id, user: t.user, qty: t.qty, code: reason });
        t.qty = 0;
        return;
      case Stp.Decrement: {
        const d = Math.min(t.qty, maker.qty);
        maker.qty -= d;
        if (maker.qty === 0) {
          this.removeResting(b, maker);
          this.emit(EventKind.Cancelled, { id: maker.id, user: maker.user, qty: d, code: reason });
        } else {
          this.emit(EventKind.Reduced, { id: maker.id, user: maker.user, qty: d, leaves: maker.qty, code: reason });
        }
        t.qty -= d;
        if (t.qty === 0) {
          this.emit(EventKind.Cancelled, { id: t.id, user: t.user, qty: d, code: reason });
        } else {
          this.emit(EventKind.Reduced, { id: t.id, user: t.user, qty: d, leaves: t.qty, code: reason });
        }
        return;
      }
      default:
        throw new Error(`selfTrade: stp ${t.stp} is not a self-trade mode`);
    }
  }

  /** What happens to a taker's remainder after matching. */
  private finishTaker(b: Book, t: Taker, type: number, tif: number, postOnly: boolean): void {
    if (t.qty === 0) return;
    if (type === OrderType.Market || type === OrderType.StopMarket) {
      if (tif === Tif.Fok) throw new Error(`finishTaker: FOK market ${t.id} left a remainder`);
      this.emit(EventKind.Cancelled, { id: t.id, user: t.user, qty: t.qty, code: CancelReason.MarketRemainder });
      return;
    }
    if (tif === Tif.Fok) throw new Error(`finishTaker: FOK limit ${t.id} left a remainder`);
    if (tif === Tif.Ioc) {
      this.emit(EventKind.Cancelled, { id: t.id, user: t.user, qty: t.qty, code: CancelReason.Ioc });
      return;
    }
    this.rest(b, { id: t.id, user: t.user, side: t.side, price: t.limit, qty: t.qty, postOnly, stp: t.stp });
  }

  // ---- Stops --------------------------------------------------------------

  private placeStop(b: Book, c: NewOrderCommand): void {
    const stop: StopOrder = {
      id: c.id,
      user: c.user,
      side: c.side,
      type: c.type,
      tif: c.tif,
      postOnly: c.postOnly,
      stp: c.stp,
      price: c.price,
      stop: c.stop,
      qty: c.qty,
      arrival: c.seq,
    };
    // Insert after every stop with an arrival <= this one, keeping arrival order.
    let i = b.stops.length;
    while (i > 0 && b.stops[i - 1]!.arrival > stop.arrival) i--;
    b.stops.splice(i, 0, stop);
    this.live.set(stop.id, { book: this.bookIndex, resting: null, stop });
  }

  /** Triggers and executes stops of the book until none holds (RULES.md "Stops"). */
  private runStops(b: Book): void {
    const pending: StopOrder[] = [];
    for (;;) {
      if (b.hasLastTrade) {
        const last = b.lastTradePrice;
        const holding = b.stops.filter((s) => (s.side === Side.Buy ? last >= s.stop : last <= s.stop));
        b.stops = b.stops.filter((s) => !holding.includes(s));
        pending.push(...holding);
      }
      if (pending.length === 0) return;
      let oldest = 0;
      for (let i = 1; i < pending.length; i++) {
        if (pending[i]!.arrival < pending[oldest]!.arrival) oldest = i;
      }
      const stop = pending.splice(oldest, 1)[0]!;
      this.live.delete(stop.id);
      this.emit(EventKind.Triggered, { id: stop.id, user: stop.user, price: stop.stop, qty: stop.qty });
      this.executeStop(b, stop);
    }
  }

  private executeStop(b: Book, s: StopOrder): void {
    const taker = this.takerOf(s.id, s.user, s.side, s.type, s.price, s.qty, s.stp);
    if (s.type === OrderType.StopLimit && s.postOnly && crossesBest(b, s.side, s.price)) {
      this.emit(EventKind.Cancelled, { id: s.id, user: s.user, qty: s.qty, code: CancelReason.PostOnly });
      return;
    }
    if (s.tif === Tif.Fok && !fillable(b, taker)) {
      this.emit(EventKind.Cancelled, { id: s.id, user: s.user, qty: s.qty, code: CancelReason.Fok });
      return;
    }
    this.match(b, taker);
    this.finishTaker(b, taker, s.type, s.tif, s.postOnly);
  }

  // ---- Book structure -----------------------------------------------------

  private rest(b: Book, o: RestingOrder): void {
    const levels = o.side === Side.Buy ? b.bids : b.asks;
    const better = (p: number): boolean => (o.side === Side.Buy ? p > o.price : p < o.price);
    let i = 0;
    while (i < levels.length && better(levels[i]!.price)) i++;
    if (i < levels.length && levels[i]!.price === o.price) {
      levels[i]!.orders.push(o);
    } else {
      levels.splice(i, 0, { price: o.price, orders: [o] });
    }
    this.live.set(o.id, { book: this.bookIndex, resting: o, stop: null });
  }

  private removeResting(b: Book, o: RestingOrder): void {
    const levels = o.side === Side.Buy ? b.bids : b.asks;
    const levelIndex = levels.findIndex((level) => level.price === o.price);
    const level = levels[levelIndex];
    if (level === undefined) throw new Error(`removeResting: no level ${o.price} for order ${o.id}`);
    const orderIndex = level.orders.indexOf(o);
    if (orderIndex < 0) throw new Error(`removeResting: order ${o.id} not in level ${o.price}`);
    level.orders.splice(orderIndex, 1);
    if (level.orders.length === 0) levels.splice(levelIndex, 1);
    this.live.delete(o.id);
  }

  private book(index: number): Book | null {
    if (!Number.isInteger(index) || index < 0 || index >= this.books.length) return null;
    return this.books[index]!;
  }

  // ---- Events -------------------------------------------------------------

  private reject(id: number, user: number, reason: number): void {
    if (reason === Reject.UnknownSymbol) this.bookIndex = -1;
    this.emit(EventKind.Rejected, { id, user, code: reason });
  }

  private emit(kind: number, fields: Partial<EventRecord>): void {
    const e = emptyEvent();
    e.kind = kind;
    e.seq = this.seq;
    e.ts = this.ts;
    e.book = this.bookIndex;
    Object.assign(e, fields);
    this.out.push(e);
  }
}

// ---- Pure helpers ---------------------------------------------------------

function isId(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= INT_MAX;
}

function isCode(n: number, max: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= max;
}

function validQty(spec: SymbolSpec, qty: number): boolean {
  return Number.isInteger(qty) && qty > 0 && qty % spec.lotSize === 0 && qty <= spec.maxQty;
}

/** 0 when the price is a multiple of the tick inside the band, else the reject reason. */
function priceCheck(spec: SymbolSpec, price: number): number {
  if (!Number.isInteger(price) || price % spec.tickSize !== 0) return Reject.PriceOffTick;
  if (price < spec.minPrice || price > spec.maxPrice) return Reject.PriceOutOfBand;
  return 0;
}

/** Would a limit at `price` on `side` take liquidity from the best opposite level? */
function crossesBest(b: Book, side: number, price: number): boolean {
  const best = side === Side.Buy ? b.asks[0] : b.bids[0];
  if (best === undefined) return false;
  return side === Side.Buy ? price >= best.price : price <= best.price;
}

function takerCrosses(t: Taker, levelPrice: number): boolean {
  if (!t.hasLimit) return true;
  return t.side === Side.Buy ? levelPrice <= t.limit : levelPrice >= t.limit;
}

/** FOK check: walks the book as matching would, with own orders per the taker's stp. */
function fillable(b: Book, t: Taker): boolean {
  const opposite = t.side === Side.Buy ? b.asks : b.bids;
  let filled = 0;
  for (const level of opposite) {
    if (!takerCrosses(t, level.price)) return false;
    for (const o of level.orders) {
      if (o.user === t.user && t.stp !== Stp.None) {
        if (t.stp === Stp.CancelMaker) continue;
        return false;
      }
      filled += o.qty;
      if (filled >= t.qty) return true;
    }
  }
  return false;
}
