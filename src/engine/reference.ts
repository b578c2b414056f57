// The reference order book: RULES.md written as plainly as possible, with
// arrays of plain objects, linear scans and no capacity limits. It is meant to
// be obviously right rather than fast, so that the fast engine can be checked
// against it event for event (differential.test.ts). It takes the same
// command struct as the engine and copies what it keeps.

import { CommandCode, type EngineCommand, type EventRecord, type SymbolSpec, emptyEvent } from "./command.ts";
import {
  CancelReason,
  EventKind,
  INT_MAX,
  MassCancelSide,
  OrderType,
  Reject,
  Side,
  Stp,
  Tif,
  TradingStatus,
} from "./constants.ts";
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
  clientId: number;
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
  clientId: number;
  side: number;
  type: number;
  tif: number;
  postOnly: boolean;
  stp: number;
  /** Limit price (stop_limit) or protection price (stop_market, 0 for none). */
  price: number;
  stop: number;
  qty: number;
  /** Seq of the command that placed the stop. */
  arrival: number;
}

interface Book {
  spec: SymbolSpec;
  /** Halted by an operator: cancels only. */
  halted: boolean;
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
  clientId: number;
  side: number;
  /** False for a market order without protection: it crosses any price. */
  hasLimit: boolean;
  limit: number;
  qty: number;
  stp: number;
}

/** What a new order asks for, copied out of the command struct. */
interface NewOrder {
  id: number;
  user: number;
  clientId: number;
  side: number;
  type: number;
  tif: number;
  postOnly: boolean;
  stp: number;
  price: number;
  qty: number;
  stop: number;
}

export class ReferenceEngine {
  private readonly books: Book[] = [];
  private readonly live = new Map<number, LiveOrder>();
  private nextTradeId = 1;
  private lastSeq = 0;
  // The command being applied: every event it causes carries its seq, time and book.
  private seq = 0;
  private tsUs = 0;
  private bookIndex = 0;
  /** Stops elected in this command and not yet run, in election order. */
  private elected: StopOrder[] = [];
  private out: EventRecord[] = [];

  get booksCount(): number {
    return this.books.length;
  }

  apply(cmd: EngineCommand): EventRecord[] {
    this.out = [];
    this.lastSeq = cmd.engineSeq;
    this.seq = cmd.engineSeq;
    this.tsUs = Math.floor(cmd.receivedNs / 1000);
    switch (cmd.command) {
      case CommandCode.SymbolDef:
        this.books.push({
          spec: { ...cmd.symbol },
          halted: false,
          hasLastTrade: false,
          lastTradePrice: 0,
          bids: [],
          asks: [],
          stops: [],
        });
        break;
      case CommandCode.SymbolStatus:
        this.symbolStatus(cmd);
        break;
      case CommandCode.NewOrder:
        this.newOrder(cmd);
        break;
      case CommandCode.Cancel:
        this.cancel(cmd);
        break;
      case CommandCode.Modify:
        this.modify(cmd);
        break;
      case CommandCode.MassCancel:
        this.massCancel(cmd);
        break;
      default:
        throw new Error(`reference: unknown command ${cmd.command}`);
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
      h.add(b.halted ? 1 : 0);
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

  private newOrder(cmd: EngineCommand): void {
    const c: NewOrder = {
      id: cmd.orderId,
      user: cmd.userId,
      clientId: cmd.clientOrderId,
      side: cmd.side,
      type: cmd.type,
      tif: cmd.tif,
      postOnly: cmd.postOnly,
      stp: cmd.stp,
      price: cmd.priceTicks,
      qty: cmd.qtyLots,
      stop: cmd.stopPriceTicks,
    };
    const b = this.book(cmd.symbolId);
    if (b === null) return this.reject(cmd, Reject.UnknownSymbol);
    this.bookIndex = cmd.symbolId;
    if (b.halted) return this.reject(cmd, Reject.SymbolHalted);
    const reason = this.validateNew(b, c);
    if (reason !== 0) return this.reject(cmd, reason);
    this.emit(EventKind.Accepted, {
      id: c.id,
      user: c.user,
      clientId: c.clientId,
      side: c.side,
      code: c.side,
      priceTicks: c.price,
      qtyLots: c.qty,
    });
    if (c.type === OrderType.StopLimit || c.type === OrderType.StopMarket) {
      this.placeStop(b, c, cmd.engineSeq);
    } else {
      const taker = this.takerOf(c.id, c.user, c.clientId, c.side, c.type, c.price, c.qty, c.stp);
      this.match(b, taker);
      this.finishTaker(b, taker, c.type, c.tif, c.postOnly);
    }
    this.runStops(b);
  }

  private cancel(cmd: EngineCommand): void {
    const b = this.book(cmd.symbolId);
    if (b === null) return this.reject(cmd, Reject.UnknownSymbol);
    this.bookIndex = cmd.symbolId;
    const found = this.live.get(cmd.orderId);
    if (found === undefined || found.book !== cmd.symbolId) return this.reject(cmd, Reject.UnknownOrder);
    const owner = found.resting !== null ? found.resting.user : found.stop!.user;
    if (owner !== cmd.userId) return this.reject(cmd, Reject.NotOwner);
    this.cancelLive(b, found, CancelReason.User);
  }

  /** Cancels a live order (resting or untriggered stop) with `reason`. */
  private cancelLive(b: Book, found: LiveOrder, reason: number): void {
    if (found.resting !== null) {
      const o = found.resting;
      this.removeResting(b, o);
      this.emit(EventKind.Cancelled, {
        id: o.id,
        user: o.user,
        clientId: o.clientId,
        side: o.side,
        qtyLots: o.qty,
        priceTicks: o.price,
        code: reason,
      });
    } else {
      const s = found.stop!;
      b.stops.splice(b.stops.indexOf(s), 1);
      this.live.delete(s.id);
      this.emit(EventKind.Cancelled, {
        id: s.id,
        user: s.user,
        clientId: s.clientId,
        side: s.side,
        qtyLots: s.qty,
        priceTicks: 0,
        code: reason,
      });
    }
  }

  private modify(cmd: EngineCommand): void {
    const b = this.book(cmd.symbolId);
    if (b === null) return this.reject(cmd, Reject.UnknownSymbol);
    this.bookIndex = cmd.symbolId;
    const found = this.live.get(cmd.orderId);
    if (found === undefined || found.book !== cmd.symbolId) return this.reject(cmd, Reject.UnknownOrder);
    const owner = found.resting !== null ? found.resting.user : found.stop!.user;
    if (owner !== cmd.userId) return this.reject(cmd, Reject.NotOwner);
    if (b.halted) return this.reject(cmd, Reject.SymbolHalted);
    if (found.resting === null) return this.reject(cmd, Reject.NotModifiable);
    const o = found.resting;
    const price = cmd.priceTicks;
    const qty = cmd.qtyLots;
    // Same order of checks as for a new limit order: quantity, then price.
    if (!validQty(b.spec, qty)) return this.reject(cmd, Reject.BadQuantity);
    const priceReason = priceCheck(b.spec, price);
    if (priceReason !== 0) return this.reject(cmd, priceReason);
    if (o.postOnly && crossesBest(b, o.side, price)) return this.reject(cmd, Reject.PostOnlyWouldTake);

    const old = { oldPriceTicks: o.price, oldQtyLots: o.qty };
    const fields = {
      id: o.id,
      user: o.user,
      clientId: o.clientId,
      side: o.side,
      priceTicks: price,
      qtyLots: qty,
      ...old,
    };
    if (price === o.price && qty <= o.qty) {
      o.qty = qty;
      this.emit(EventKind.Modified, fields);
    } else {
      this.removeResting(b, o);
      this.emit(EventKind.Modified, fields);
      const taker: Taker = {
        id: o.id,
        user: o.user,
        clientId: o.clientId,
        side: o.side,
        hasLimit: true,
        limit: price,
        qty,
        stp: o.stp,
      };
      this.match(b, taker);
      this.finishTaker(b, taker, OrderType.Limit, Tif.Gtc, o.postOnly);
    }
    this.runStops(b);
  }

  /** RULES.md, Mass cancel: the user's live orders in scope, in order id order, then the summary. */
  private massCancel(cmd: EngineCommand): void {
    this.bookIndex = cmd.oneSymbol ? cmd.symbolId : -1;
    if (cmd.oneSymbol && this.book(cmd.symbolId) === null) return this.reject(cmd, Reject.UnknownSymbol);
    if (!isId(cmd.userId)) return this.reject(cmd, Reject.BadField);
    const sides: Record<number, number> = {
      [MassCancelSide.Both]: -1,
      [MassCancelSide.Buy]: Side.Buy,
      [MassCancelSide.Sell]: Side.Sell,
    };
    const side = Object.hasOwn(sides, cmd.massSide) ? sides[cmd.massSide]! : undefined;
    if (side === undefined) return this.reject(cmd, Reject.BadField);
    const reasons: number[] = [
      CancelReason.MassCancel,
      CancelReason.Disconnect,
      CancelReason.DeadMansSwitch,
      CancelReason.Admin,
    ];
    if (!reasons.includes(cmd.cancelReason)) return this.reject(cmd, Reject.BadField);
    if (cmd.allUsers && cmd.cancelReason !== CancelReason.Admin) return this.reject(cmd, Reject.BadField);
    const ids = [...this.live.entries()]
      .filter(([, l]) => {
        const o = l.resting ?? l.stop!;
        return (
          (cmd.allUsers || o.user === cmd.userId) &&
          (!cmd.oneSymbol || l.book === cmd.symbolId) &&
          (side === -1 || o.side === side)
        );
      })
      .map(([id]) => id)
      .sort((x, y) => x - y);
    for (const id of ids) {
      const found = this.live.get(id)!;
      this.bookIndex = found.book;
      this.cancelLive(this.books[found.book]!, found, cmd.cancelReason);
    }
    this.bookIndex = cmd.oneSymbol ? cmd.symbolId : -1;
    this.emit(EventKind.MassCancelled, {
      id: cmd.orderId,
      user: cmd.userId,
      clientId: cmd.clientOrderId,
      code: cmd.cancelReason,
      qtyLots: ids.length,
    });
  }

  /** RULES.md, Symbol status: open or halted; no event unless rejected. */
  private symbolStatus(cmd: EngineCommand): void {
    const b = this.book(cmd.symbolId);
    if (b === null) return this.reject(cmd, Reject.UnknownSymbol);
    if (cmd.tradingStatus !== TradingStatus.Open && cmd.tradingStatus !== TradingStatus.Halted)
      return this.reject(cmd, Reject.BadField);
    b.halted = cmd.tradingStatus === TradingStatus.Halted;
  }

  /** Whether a book is halted (tests). */
  halted(book: number): boolean {
    const b = this.book(book);
    if (b === null) throw new Error(`halted: book ${book} unknown`);
    return b.halted;
  }

  // ---- Validation ---------------------------------------------------------

  /** Checks 2 to 8 of RULES.md for a new order on a known book; 0 when valid. */
  private validateNew(b: Book, c: NewOrder): number {
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
      const taker = this.takerOf(c.id, c.user, c.clientId, c.side, c.type, c.price, c.qty, c.stp);
      if (!fillable(b, taker)) return Reject.FokNotFillable;
    }
    return 0;
  }

  // ---- Matching -----------------------------------------------------------

  private takerOf(
    id: number,
    user: number,
    clientId: number,
    side: number,
    type: number,
    price: number,
    qty: number,
    stp: number,
  ): Taker {
    const isMarket = type === OrderType.Market || type === OrderType.StopMarket;
    const hasLimit = !isMarket || price !== 0;
    return { id, user, clientId, side, hasLimit, limit: hasLimit ? price : 0, qty, stp };
  }

  /**
   * Trades the taker against the opposite side until it is filled, stops crossing, or self-trade prevention ends it.
   */
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
        clientId: t.clientId,
        side: t.side,
        otherId: maker.id,
        otherUser: maker.user,
        otherClientId: maker.clientId,
        priceTicks: level.price,
        qtyLots: qty,
        tradeId: this.nextTradeId++,
        code: t.side,
        leavesQtyLots: t.qty,
        otherLeavesQtyLots: maker.qty,
      });
      if (maker.qty === 0) this.removeResting(b, maker);
      this.elect(b, level.price);
    }
  }

  /** The taker meets its own user's order at the head of the best level. Sets t.qty to 0 when matching must stop. */
  private selfTrade(b: Book, t: Taker, maker: RestingOrder): void {
    const reason = CancelReason.SelfTrade;
    const takerFields = { id: t.id, user: t.user, clientId: t.clientId, side: t.side, code: reason, priceTicks: 0 };
    const makerFields = {
      id: maker.id,
      user: maker.user,
      clientId: maker.clientId,
      side: maker.side,
      code: reason,
      priceTicks: maker.price,
    };
    switch (t.stp) {
      case Stp.CancelTaker:
        this.emit(EventKind.Cancelled, { ...takerFields, qtyLots: t.qty });
        t.qty = 0;
        return;
      case Stp.CancelMaker:
        this.removeResting(b, maker);
        this.emit(EventKind.Cancelled, { ...makerFields, qtyLots: maker.qty });
        return;
      case Stp.CancelBoth:
        this.removeResting(b, maker);
        this.emit(EventKind.Cancelled, { ...makerFields, qtyLots: maker.qty });
        this.emit(EventKind.Cancelled, { ...takerFields, qtyLots: t.qty });
        t.qty = 0;
        return;
      case Stp.Decrement: {
        const d = Math.min(t.qty, maker.qty);
        maker.qty -= d;
        if (maker.qty === 0) {
          this.removeResting(b, maker);
          this.emit(EventKind.Cancelled, { ...makerFields, qtyLots: d });
        } else {
          this.emit(EventKind.Reduced, { ...makerFields, qtyLots: d, leavesQtyLots: maker.qty });
        }
        t.qty -= d;
        if (t.qty === 0) {
          this.emit(EventKind.Cancelled, { ...takerFields, qtyLots: d });
        } else {
          this.emit(EventKind.Reduced, { ...takerFields, qtyLots: d, leavesQtyLots: t.qty });
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
    const fields = { id: t.id, user: t.user, clientId: t.clientId, side: t.side, qtyLots: t.qty, priceTicks: 0 };
    if (type === OrderType.Market || type === OrderType.StopMarket) {
      if (tif === Tif.Fok) throw new Error(`finishTaker: FOK market ${t.id} left a remainder`);
      this.emit(EventKind.Cancelled, { ...fields, code: CancelReason.MarketRemainder });
      return;
    }
    if (tif === Tif.Fok) throw new Error(`finishTaker: FOK limit ${t.id} left a remainder`);
    if (tif === Tif.Ioc) {
      this.emit(EventKind.Cancelled, { ...fields, code: CancelReason.Ioc });
      return;
    }
    const o: RestingOrder = {
      id: t.id,
      user: t.user,
      clientId: t.clientId,
      side: t.side,
      price: t.limit,
      qty: t.qty,
      postOnly,
      stp: t.stp,
    };
    this.rest(b, o);
    this.emit(EventKind.Booked, {
      id: o.id,
      user: o.user,
      clientId: o.clientId,
      side: o.side,
      priceTicks: o.price,
      qtyLots: o.qty,
    });
  }

  // ---- Stops --------------------------------------------------------------

  private placeStop(b: Book, c: NewOrder, seq: number): void {
    const stop: StopOrder = { ...c, arrival: seq };
    // Insert after every stop with an arrival <= this one, keeping arrival order.
    let i = b.stops.length;
    while (i > 0 && b.stops[i - 1]!.arrival > stop.arrival) i--;
    b.stops.splice(i, 0, stop);
    this.live.set(stop.id, { book: this.bookIndex, resting: null, stop });
    // A stop whose condition already holds is elected by the last trade at once.
    if (b.hasLastTrade) this.elect(b, b.lastTradePrice);
  }

  /**
   * A trade at `price` elects every stop it reaches: buy stops with stop <=
   * price (lowest first), then sell stops with stop >= price (highest first),
   * each price's stops by arrival. They queue behind earlier elections.
   */
  private elect(b: Book, price: number): void {
    const buys = b.stops
      .filter((s) => s.side === Side.Buy && s.stop <= price)
      .sort((x, y) => x.stop - y.stop || x.arrival - y.arrival);
    const sells = b.stops
      .filter((s) => s.side === Side.Sell && s.stop >= price)
      .sort((x, y) => y.stop - x.stop || x.arrival - y.arrival);
    const reached = [...buys, ...sells];
    b.stops = b.stops.filter((s) => !reached.includes(s));
    for (const s of reached) this.live.delete(s.id);
    this.elected.push(...reached);
  }

  /** Runs the elected stops in election order until none is left (RULES.md, Stops). */
  private runStops(b: Book): void {
    while (this.elected.length > 0) {
      const stop = this.elected.shift()!;
      this.emit(EventKind.Triggered, {
        id: stop.id,
        user: stop.user,
        clientId: stop.clientId,
        side: stop.side,
        priceTicks: stop.stop,
        qtyLots: stop.qty,
      });
      this.executeStop(b, stop);
    }
  }

  private executeStop(b: Book, s: StopOrder): void {
    const taker = this.takerOf(s.id, s.user, s.clientId, s.side, s.type, s.price, s.qty, s.stp);
    const fields = { id: s.id, user: s.user, clientId: s.clientId, side: s.side, qtyLots: s.qty, priceTicks: 0 };
    if (s.type === OrderType.StopLimit && s.postOnly && crossesBest(b, s.side, s.price)) {
      this.emit(EventKind.Cancelled, { ...fields, code: CancelReason.PostOnly });
      return;
    }
    if (s.tif === Tif.Fok && !fillable(b, taker)) {
      this.emit(EventKind.Cancelled, { ...fields, code: CancelReason.Fok });
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

  /** A rejected command: its id, user, client id and side (0 unless buy or sell) are echoed. */
  private reject(cmd: EngineCommand, reason: number): void {
    if (reason === Reject.UnknownSymbol) this.bookIndex = -1;
    else if (cmd.command !== CommandCode.MassCancel) this.bookIndex = cmd.symbolId;
    const side = cmd.side === Side.Sell ? Side.Sell : Side.Buy;
    this.emit(EventKind.Rejected, {
      id: cmd.orderId,
      user: cmd.userId,
      clientId: cmd.clientOrderId,
      side,
      code: reason,
    });
  }

  private emit(kind: number, fields: Partial<EventRecord>): void {
    const e = emptyEvent();
    e.kind = kind;
    e.seq = this.seq;
    e.tsUs = this.tsUs;
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
