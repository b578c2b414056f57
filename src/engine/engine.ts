// The matching engine: commands in, events out, price-time priority. It is a
// pure function of its command stream: no clock, no randomness, no I/O, no
// allocation per command. The rules it implements are in RULES.md, and
// reference.ts implements the same rules plainly for the differential tests.

import type { SymbolSpec } from "./command.ts";
import { type EngineConfig, resolveEngineConfig, symbolSpecError } from "./config.ts";
import { CancelReason, EventKind, INT_MAX, NIL, OrderType, Reject, Side, Stp, Tif } from "./constants.ts";
import { EventBuffer } from "./events.ts";
import * as queries from "./queries.ts";
import { stateHash } from "./state-hash.ts";
import {
  ACTIVE,
  ASKS,
  BIDS,
  EngineStore,
  KEY_NONE,
  LADDERS_PER_BOOK,
  PENDING,
  RESTING,
  STOP,
  STOP_BUYS,
  STOP_SELLS,
} from "./store.ts";
import { validateState } from "./validate.ts";

function isId(v: number): boolean {
  return v >= 0 && v <= INT_MAX && Math.floor(v) === v;
}

export class Engine extends EngineStore {
  readonly config: EngineConfig;
  readonly events: EventBuffer;
  /** Next trade id; trade ids count from 1 over the whole engine. */
  nextTradeId = 1;
  /** Seq of the last command applied. */
  lastSeq = 0;

  // The command being applied: every event carries its seq and receive time.
  private seq = 0;
  private ts = 0;
  // The order the command is about (the taker while matching): its events carry these.
  private takerSide = 0;
  private takerClientId = 0;
  /** Set when self-trade prevention cancelled the taker: matching stops, no remainder event. */
  private takerKilled = false;
  /** Min-heap of triggered stop slots by arrival; only non-empty inside one command. */
  private readonly pending: Int32Array;
  private pendingCount = 0;
  private readonly nameToBook = new Map<string, number>();

  constructor(config: Partial<EngineConfig> = {}) {
    const c = resolveEngineConfig(config);
    super(c);
    this.config = c;
    this.events = new EventBuffer(c.eventsMax);
    this.pending = new Int32Array(c.ordersMax);
  }

  // ---- symbols ----

  /** Defines a book; returns its index, or -1 when the spec is invalid (see `symbolError`). */
  addSymbol(seq: number, spec: SymbolSpec): number {
    this.lastSeq = seq;
    if (this.symbolError(spec) !== null) return -1;
    const book = this.booksCount++;
    this.symNames.push(spec.name);
    this.nameToBook.set(spec.name, book);
    this.symTickSize[book] = spec.tickSize;
    this.symLotSize[book] = spec.lotSize;
    this.symPriceTicksMin[book] = spec.minPrice;
    this.symPriceTicksMax[book] = spec.maxPrice;
    this.symQtyLotsMax[book] = spec.maxQty;
    this.lastPriceTicks[book] = 0;
    return book;
  }

  /** Why `spec` cannot be added now, or null. */
  symbolError(spec: SymbolSpec): string | null {
    if (this.booksCount === this.symbolsMax) return `symbol capacity ${this.symbolsMax} reached`;
    if (typeof spec.name === "string" && this.nameToBook.has(spec.name)) return `symbol ${spec.name} already defined`;
    return symbolSpecError(spec, this.config);
  }

  /** Book index of a symbol name, or -1. */
  bookOf(name: string): number {
    return this.nameToBook.get(name) ?? -1;
  }

  symbolSpec(book: number): SymbolSpec {
    if (!(book >= 0 && book < this.booksCount)) throw new Error(`no book ${book}`);
    return {
      name: this.symNames[book]!,
      tickSize: this.symTickSize[book]!,
      lotSize: this.symLotSize[book]!,
      minPrice: this.symPriceTicksMin[book]!,
      maxPrice: this.symPriceTicksMax[book]!,
      maxQty: this.symQtyLotsMax[book]!,
    };
  }

  // ---- queries (allocate; for requests and tests, not the matching path) ----

  /** Best bid price, or 0 when there is none. */
  bestBid(book: number): number {
    return queries.bestPrice(this, book, Side.Buy);
  }

  /** Best ask price, or 0 when there is none. */
  bestAsk(book: number): number {
    return queries.bestPrice(this, book, Side.Sell);
  }

  qtyAt(book: number, side: number, price: number): number {
    return queries.qtyAt(this, book, side, price);
  }

  depth(book: number, side: number, levelsMax: number): queries.DepthLevel[] {
    return queries.depth(this, book, side, levelsMax);
  }

  order(id: number): queries.OrderView | null {
    return queries.orderById(this, id);
  }

  orderByHandle(handle: number): queries.OrderView | null {
    return queries.orderByHandle(this, handle);
  }

  openOrders(user: number): queries.OrderView[] {
    return queries.openOrders(this, user);
  }

  /** Calls `fn` with the id, user and client id of every live order (start-up scans). */
  forEachLiveOrder(fn: (id: number, user: number, clientId: number) => void): void {
    queries.forEachLiveSlot(this, (slot) => fn(this.ordId[slot]!, this.ordUser[slot]!, this.ordClientId[slot]!));
  }

  /** 64-bit fingerprint of the whole state (RULES.md, State hash). */
  stateHash(): string {
    return stateHash(this, this.nextTradeId, this.lastSeq);
  }

  /** Throws when an invariant of the storage is broken (tests call it after every command). */
  validate(): void {
    validateState(this, this.pendingCount);
  }

  // ---- restore from a snapshot (a fresh engine only; snapshot/restore.ts drives these) ----

  /** Defines a book with its last trade price. Throws when the spec does not fit this engine. */
  restoreSymbol(spec: SymbolSpec, lastPriceTicks: number): number {
    const error = this.symbolError(spec);
    if (error !== null) throw new Error(`snapshot symbol ${spec.name}: ${error}`);
    const book = this.addSymbol(0, spec);
    this.lastPriceTicks[book] = lastPriceTicks;
    return book;
  }

  /** Appends a resting order at the tail of its level (orders come oldest first, levels worst first). */
  restoreResting(book: number, side: number, price: number, id: number, clientId: number, user: number, qty: number, postOnly: number, stp: number): void {
    const ladder = book * LADDERS_PER_BOOK + (side === Side.Buy ? BIDS : ASKS);
    const slot = this.restoreSlot(ladder, side === Side.Buy ? price : -price, price, id, user);
    this.initOrder(slot.slot, book, id, user, side, OrderType.Limit, Tif.Gtc, postOnly, stp, price, qty, 0, clientId);
    this.ordState[slot.slot] = RESTING;
    this.appendToLevel(slot.slot, slot.level);
  }

  /** Appends an untriggered stop (stops come in arrival order). */
  restoreStop(
    book: number,
    id: number,
    clientId: number,
    user: number,
    qty: number,
    arrival: number,
    price: number,
    stop: number,
    side: number,
    type: number,
    tif: number,
    postOnly: number,
    stp: number,
  ): void {
    const ladder = book * LADDERS_PER_BOOK + (side === Side.Buy ? STOP_BUYS : STOP_SELLS);
    const slot = this.restoreSlot(ladder, side === Side.Buy ? -stop : stop, stop, id, user);
    this.initOrder(slot.slot, book, id, user, side, type, tif, postOnly, stp, price, qty, stop, clientId);
    this.ordArrivalSeq[slot.slot] = arrival;
    this.ordState[slot.slot] = STOP;
    this.appendToLevel(slot.slot, slot.level);
  }

  restoreCounters(nextTradeId: number, lastSeq: number): void {
    this.nextTradeId = nextTradeId;
    this.lastSeq = lastSeq;
  }

  private readonly restored = { slot: 0, level: 0 };

  private restoreSlot(ladder: number, key: number, price: number, id: number, user: number): { slot: number; level: number } {
    if (!isId(id) || this.idIndex.find(id) !== NIL) throw new Error(`snapshot order ${id}: bad or duplicate id`);
    if (this.orderFree === NIL) throw new Error(`snapshot order ${id}: engine capacity (orders) too small`);
    const level = this.levelFor(ladder, key, price);
    if (level === NIL) throw new Error(`snapshot order ${id}: engine capacity (price levels) too small`);
    this.restored.slot = this.allocOrder();
    this.restored.level = level;
    return this.restored;
  }

  // ---- commands ----

  newOrder(
    seq: number,
    ts: number,
    book: number,
    id: number,
    user: number,
    side: number,
    type: number,
    tif: number,
    postOnly: number,
    stp: number,
    price: number,
    qty: number,
    stop: number,
    clientId = 0,
  ): void {
    this.begin(seq, ts);
    this.takerSide = side;
    this.takerClientId = clientId;
    const reason = this.checkNew(book, id, user, side, type, tif, postOnly, stp, price, qty, stop);
    if (reason !== 0) {
      this.emitReject(book, id, user, reason);
      return;
    }
    const e = this.emitHeader(EventKind.Accepted, book, id, user, side);
    this.events.price[e] = price;
    this.events.qty[e] = qty;
    if (type === OrderType.StopLimit || type === OrderType.StopMarket) {
      this.placeStop(book, id, user, side, type, tif, postOnly, stp, price, qty, stop, clientId);
    } else {
      this.execute(book, NIL, id, user, side, type, tif, postOnly, stp, price, qty);
    }
    this.runStops(book);
  }

  cancel(seq: number, ts: number, book: number, id: number, user: number): void {
    this.begin(seq, ts);
    const slot = this.liveSlot(book, id);
    this.takeOrderContext(slot);
    const reason = this.checkOwned(book, slot, user);
    if (reason !== 0) {
      this.emitReject(book, id, user, reason);
      return;
    }
    const qty = this.ordQtyLots[slot]!;
    this.unlinkFromLevel(slot);
    const e = this.emitHeader(EventKind.Cancelled, book, id, user, CancelReason.User);
    this.events.qty[e] = qty;
    this.freeOrder(slot);
  }

  modify(seq: number, ts: number, book: number, id: number, user: number, price: number, qty: number): void {
    this.begin(seq, ts);
    const slot = this.liveSlot(book, id);
    this.takeOrderContext(slot);
    const reason = this.checkModify(book, slot, user, price, qty);
    if (reason !== 0) {
      this.emitReject(book, id, user, reason);
      return;
    }
    const oldQty = this.ordQtyLots[slot]!;
    if (price === this.ordPriceTicks[slot] && qty <= oldQty) {
      // Same price, no increase: in place, time priority kept.
      this.ordQtyLots[slot] = qty;
      this.lvlQtyLots[this.ordLevel[slot]!]! -= oldQty - qty;
      this.emitModified(book, slot, price, qty);
      return;
    }
    this.unlinkFromLevel(slot);
    this.ordPriceTicks[slot] = price;
    this.ordQtyLots[slot] = qty;
    this.ordState[slot] = ACTIVE;
    this.emitModified(book, slot, price, qty);
    const side = this.ordSide[slot]!;
    this.execute(book, slot, id, user, side, OrderType.Limit, Tif.Gtc, this.ordPostOnly[slot]!, this.ordStp[slot]!, price, qty);
    this.runStops(book);
  }

  private begin(seq: number, ts: number): void {
    this.seq = seq;
    this.ts = ts;
    this.lastSeq = seq;
  }

  /** Makes a live order (or none, NIL) the subject of the events that follow. */
  private takeOrderContext(slot: number): void {
    this.takerSide = slot === NIL ? 0 : this.ordSide[slot]!;
    this.takerClientId = slot === NIL ? 0 : this.ordClientId[slot]!;
  }

  // ---- validation ----

  private checkNew(
    book: number,
    id: number,
    user: number,
    side: number,
    type: number,
    tif: number,
    postOnly: number,
    stp: number,
    price: number,
    qty: number,
    stop: number,
  ): number {
    if (!this.isBook(book)) return Reject.UnknownSymbol;
    if (!isId(id) || !isId(user)) return Reject.BadField;
    if (!(side === Side.Buy || side === Side.Sell)) return Reject.BadField;
    if (!(type >= OrderType.Limit && type <= OrderType.StopMarket && (type | 0) === type)) return Reject.BadField;
    if (!(tif >= Tif.Gtc && tif <= Tif.Fok && (tif | 0) === tif)) return Reject.BadField;
    if (!(stp >= Stp.None && stp <= Stp.Decrement && (stp | 0) === stp)) return Reject.BadField;
    if (!(postOnly === 0 || postOnly === 1)) return Reject.BadField;
    const isMarket = type === OrderType.Market || type === OrderType.StopMarket;
    if (postOnly === 1 && (tif !== Tif.Gtc || isMarket)) return Reject.BadField;
    if (!this.qtyValid(book, qty)) return Reject.BadQuantity;
    if (!(isMarket && price === 0)) {
      const r = this.priceReject(book, price);
      if (r !== 0) return r;
    }
    const isStop = type === OrderType.StopLimit || type === OrderType.StopMarket;
    if (isStop) {
      const r = this.priceReject(book, stop);
      if (r !== 0) return r;
    }
    if (this.idIndex.find(id) !== NIL) return Reject.DuplicateOrderId;
    if (isStop) return this.stopFits(book, side, stop) ? 0 : Reject.CapacityFull;
    const keyLimit = this.keyLimit(side, isMarket, price);
    if (postOnly === 1 && this.crosses(book, side, keyLimit)) return Reject.PostOnlyWouldTake;
    if (tif === Tif.Fok && !this.fillable(book, side, user, stp, keyLimit, qty)) return Reject.FokNotFillable;
    // Capacity matters only for an order that may rest: one that fills completely on arrival never does.
    if (!isMarket && tif === Tif.Gtc && !this.restFits(book, side, price) && !this.fillable(book, side, user, stp, keyLimit, qty)) {
      return Reject.CapacityFull;
    }
    return 0;
  }

  private qtyValid(book: number, qty: number): boolean {
    const lot = this.symLotSize[book]!;
    if (!(qty >= lot && qty <= this.symQtyLotsMax[book]! && Math.floor(qty) === qty)) return false;
    return lot === 1 || qty % lot === 0;
  }

  private isBook(book: number): boolean {
    return book >= 0 && book < this.booksCount && (book | 0) === book;
  }

  private priceReject(book: number, price: number): number {
    if (Math.floor(price) !== price) return Reject.PriceOffTick;
    const tick = this.symTickSize[book]!;
    if (tick !== 1 && price % tick !== 0) return Reject.PriceOffTick;
    if (price < this.symPriceTicksMin[book]! || price > this.symPriceTicksMax[book]!) return Reject.PriceOutOfBand;
    return 0;
  }

  /** Slot of a live order of this book, or NIL. */
  private liveSlot(book: number, id: number): number {
    if (!isId(id)) return NIL;
    const slot = this.idIndex.find(id);
    if (slot === NIL || this.ordBook[slot] !== book) return NIL;
    return slot;
  }

  private checkOwned(book: number, slot: number, user: number): number {
    if (!this.isBook(book)) return Reject.UnknownSymbol;
    if (slot === NIL) return Reject.UnknownOrder;
    if (this.ordUser[slot] !== user) return Reject.NotOwner;
    return 0;
  }

  private checkModify(book: number, slot: number, user: number, price: number, qty: number): number {
    const owned = this.checkOwned(book, slot, user);
    if (owned !== 0) return owned;
    if (this.ordState[slot] !== RESTING) return Reject.NotModifiable;
    if (!this.qtyValid(book, qty)) return Reject.BadQuantity;
    const r = this.priceReject(book, price);
    if (r !== 0) return r;
    const side = this.ordSide[slot]!;
    const oldPrice = this.ordPriceTicks[slot]!;
    if (price === oldPrice && qty <= this.ordQtyLots[slot]!) return 0;
    if (this.ordPostOnly[slot] === 1 && this.crosses(book, side, this.keyLimit(side, false, price))) return Reject.PostOnlyWouldTake;
    // Leaving a level that holds only this order frees a level for the new price.
    if (this.lvlOrdersCount[this.ordLevel[slot]!] === 1) return 0;
    const ladder = book * LADDERS_PER_BOOK + (side === Side.Buy ? BIDS : ASKS);
    return this.levelFits(ladder, side === Side.Buy ? price : -price, price) ? 0 : Reject.CapacityFull;
  }

  private restFits(book: number, side: number, price: number): boolean {
    if (this.orderFree === NIL) return false;
    const ladder = book * LADDERS_PER_BOOK + (side === Side.Buy ? BIDS : ASKS);
    return this.levelFits(ladder, side === Side.Buy ? price : -price, price);
  }

  private stopFits(book: number, side: number, stop: number): boolean {
    if (this.orderFree === NIL) return false;
    const ladder = book * LADDERS_PER_BOOK + (side === Side.Buy ? STOP_BUYS : STOP_SELLS);
    return this.levelFits(ladder, side === Side.Buy ? -stop : stop, stop);
  }

  // ---- matching ----

  /** The smallest opposite-ladder key this taker may trade against (see store.ts for keys). */
  private keyLimit(side: number, isMarket: boolean, price: number): number {
    if (isMarket && price === 0) return KEY_NONE;
    return side === Side.Buy ? -price : price;
  }

  private crosses(book: number, side: number, keyLimit: number): boolean {
    const ladder = book * LADDERS_PER_BOOK + (side === Side.Buy ? ASKS : BIDS);
    const n = this.ladLevelsCount[ladder]!;
    return n > 0 && this.ladKeys[ladder * this.sideMax + n - 1]! >= keyLimit;
  }

  /** Whether a FOK taker would fill completely, walking the book as matching would. */
  private fillable(book: number, side: number, user: number, stp: number, keyLimit: number, qty: number): boolean {
    const ladder = book * LADDERS_PER_BOOK + (side === Side.Buy ? ASKS : BIDS);
    const base = ladder * this.sideMax;
    let need = qty;
    for (let row = this.ladLevelsCount[ladder]! - 1; row >= 0; row--) {
      if (this.ladKeys[base + row]! < keyLimit) return false;
      const lvl = this.ladLevels[base + row]!;
      if (stp === Stp.None) {
        need -= this.lvlQtyLots[lvl]!;
        if (need <= 0) return true;
        continue;
      }
      for (let o = this.lvlHead[lvl]!; o !== NIL; o = this.ordNext[o]!) {
        if (this.ordUser[o] === user) {
          if (stp === Stp.CancelMaker) continue;
          return false;
        }
        need -= this.ordQtyLots[o]!;
        if (need <= 0) return true;
      }
    }
    return false;
  }

  /**
   * Runs a taker against the book and disposes of its remainder. `slot` is NIL
   * for a new order (a slot is taken only if it rests) or the order's own slot
   * for a modify or a triggered stop.
   */
  private execute(
    book: number,
    slot: number,
    id: number,
    user: number,
    side: number,
    type: number,
    tif: number,
    postOnly: number,
    stp: number,
    price: number,
    qty: number,
  ): void {
    const isMarket = type === OrderType.Market;
    this.takerKilled = false;
    const rem = this.match(book, side, id, user, stp, this.keyLimit(side, isMarket, price), qty);
    if (this.takerKilled || rem === 0) {
      if (slot !== NIL) this.freeOrder(slot);
      return;
    }
    if (isMarket || tif !== Tif.Gtc) {
      // FOK was checked fillable before matching, so only IOC and market leave a remainder.
      if (tif === Tif.Fok && !isMarket) throw new Error(`FOK order ${id} left ${rem} unfilled`);
      const e = this.emitHeader(EventKind.Cancelled, book, id, user, isMarket ? CancelReason.MarketRemainder : CancelReason.Ioc);
      this.events.qty[e] = rem;
      if (slot !== NIL) this.freeOrder(slot);
      return;
    }
    this.rest(book, slot, id, user, side, postOnly, stp, price, rem);
  }

  private rest(book: number, slot: number, id: number, user: number, side: number, postOnly: number, stp: number, price: number, qty: number): void {
    const ladder = book * LADDERS_PER_BOOK + (side === Side.Buy ? BIDS : ASKS);
    const lvl = this.levelFor(ladder, side === Side.Buy ? price : -price, price);
    if (lvl === NIL) {
      // Only a triggered stop gets here: new orders and modifies were checked before matching.
      if (slot === NIL || this.ordState[slot] !== ACTIVE) throw new Error(`no level for order ${id} after capacity check`);
      const e = this.emitHeader(EventKind.Cancelled, book, id, user, CancelReason.Capacity);
      this.events.qty[e] = qty;
      this.freeOrder(slot);
      return;
    }
    if (slot === NIL) {
      slot = this.allocOrder();
      this.initOrder(slot, book, id, user, side, OrderType.Limit, Tif.Gtc, postOnly, stp, price, qty, 0, this.takerClientId);
    } else {
      this.ordQtyLots[slot] = qty;
      this.ordPriceTicks[slot] = price;
      this.ordType[slot] = OrderType.Limit;
    }
    this.ordState[slot] = RESTING;
    this.appendToLevel(slot, lvl);
  }

  private initOrder(
    slot: number,
    book: number,
    id: number,
    user: number,
    side: number,
    type: number,
    tif: number,
    postOnly: number,
    stp: number,
    price: number,
    qty: number,
    stop: number,
    clientId: number,
  ): void {
    this.ordId[slot] = id;
    this.ordClientId[slot] = clientId;
    this.ordUser[slot] = user;
    this.ordBook[slot] = book;
    this.ordSide[slot] = side;
    this.ordType[slot] = type;
    this.ordTif[slot] = tif;
    this.ordPostOnly[slot] = postOnly;
    this.ordStp[slot] = stp;
    this.ordPriceTicks[slot] = price;
    this.ordStopPriceTicks[slot] = stop;
    this.ordQtyLots[slot] = qty;
    this.ordArrivalSeq[slot] = this.seq;
    this.idIndex.insert(id, slot);
  }

  /** Matches a taker against the opposite side; returns its remaining quantity. */
  private match(book: number, side: number, id: number, user: number, stp: number, keyLimit: number, qty: number): number {
    const ladder = book * LADDERS_PER_BOOK + (side === Side.Buy ? ASKS : BIDS);
    const base = ladder * this.sideMax;
    const keys = this.ladKeys;
    const levels = this.ladLevels;
    let rem = qty;
    while (rem > 0) {
      const n = this.ladLevelsCount[ladder]!;
      if (n === 0 || keys[base + n - 1]! < keyLimit) break;
      const lvl = levels[base + n - 1]!;
      rem = this.matchLevel(book, lvl, side, id, user, stp, rem);
      if (this.lvlOrdersCount[lvl] === 0) {
        this.ladLevelsCount[ladder] = n - 1;
        this.freeLevel(lvl);
        this.trimTop(ladder);
      }
      if (this.takerKilled) return 0;
    }
    return rem;
  }

  /** Fills a taker against one level in FIFO order; returns the taker's remaining quantity. */
  private matchLevel(book: number, lvl: number, side: number, id: number, user: number, stp: number, qty: number): number {
    const price = this.lvlPriceTicks[lvl]!;
    const ordQtyLots = this.ordQtyLots;
    let rem = qty;
    let o = this.lvlHead[lvl]!;
    while (o !== NIL && rem > 0) {
      const next = this.ordNext[o]!;
      if (stp !== Stp.None && this.ordUser[o] === user) {
        rem = this.selfTrade(book, o, id, user, stp, rem);
        if (this.takerKilled) return 0;
        o = next;
        continue;
      }
      const makerQty = ordQtyLots[o]!;
      const fill = makerQty <= rem ? makerQty : rem;
      rem -= fill;
      this.emitTrade(book, id, user, side, o, price, fill, rem, makerQty - fill);
      if (fill === makerQty) this.removeHead(lvl, o);
      else {
        ordQtyLots[o] = makerQty - fill;
        this.lvlQtyLots[lvl]! -= fill;
      }
      o = next;
    }
    return rem;
  }

  /** Removes a filled or cancelled maker at the head of its level; the caller drops an empty level. */
  private removeHead(lvl: number, o: number): void {
    const next = this.ordNext[o]!;
    this.lvlHead[lvl] = next;
    if (next !== NIL) this.ordPrev[next] = NIL;
    else this.lvlTail[lvl] = NIL;
    this.lvlOrdersCount[lvl]!--;
    this.lvlQtyLots[lvl]! -= this.ordQtyLots[o]!;
    this.ordQtyLots[o] = 0;
    this.freeOrder(o);
  }

  /** Applies the taker's self-trade mode against its own maker `o` (the head of its level). */
  private selfTrade(book: number, o: number, id: number, user: number, stp: number, rem: number): number {
    const lvl = this.ordLevel[o]!;
    const makerQty = this.ordQtyLots[o]!;
    if (stp === Stp.CancelTaker) return this.killTaker(book, id, user, rem);
    if (stp === Stp.CancelMaker || stp === Stp.CancelBoth) {
      this.emitMakerQty(EventKind.Cancelled, book, o, makerQty, 0);
      this.removeHead(lvl, o);
      return stp === Stp.CancelBoth ? this.killTaker(book, id, user, rem) : rem;
    }
    const d = makerQty <= rem ? makerQty : rem;
    if (d === makerQty) {
      this.emitMakerQty(EventKind.Cancelled, book, o, d, 0);
      this.removeHead(lvl, o);
    } else {
      this.ordQtyLots[o] = makerQty - d;
      this.lvlQtyLots[lvl]! -= d;
      this.emitMakerQty(EventKind.Reduced, book, o, d, makerQty - d);
    }
    if (d === rem) return this.killTaker(book, id, user, rem);
    this.emitQty(EventKind.Reduced, book, id, user, CancelReason.SelfTrade, d, rem - d);
    return rem - d;
  }

  private killTaker(book: number, id: number, user: number, rem: number): number {
    this.emitQty(EventKind.Cancelled, book, id, user, CancelReason.SelfTrade, rem, 0);
    this.takerKilled = true;
    return 0;
  }

  // ---- stops ----

  private placeStop(
    book: number,
    id: number,
    user: number,
    side: number,
    type: number,
    tif: number,
    postOnly: number,
    stp: number,
    price: number,
    qty: number,
    stop: number,
    clientId: number,
  ): void {
    const ladder = book * LADDERS_PER_BOOK + (side === Side.Buy ? STOP_BUYS : STOP_SELLS);
    const lvl = this.levelFor(ladder, side === Side.Buy ? -stop : stop, stop);
    if (lvl === NIL) throw new Error(`no stop level for order ${id} after capacity check`);
    const slot = this.allocOrder();
    this.initOrder(slot, book, id, user, side, type, tif, postOnly, stp, price, qty, stop, clientId);
    this.ordState[slot] = STOP;
    this.appendToLevel(slot, lvl);
  }

  /** Triggers and executes this book's stops until none holds (RULES.md, Stops). */
  private runStops(book: number): void {
    const buys = book * LADDERS_PER_BOOK + STOP_BUYS;
    const sells = buys + 1;
    if (this.ladLevelsCount[buys] === 0 && this.ladLevelsCount[sells] === 0) return;
    for (;;) {
      const last = this.lastPriceTicks[book]!;
      if (last !== 0) {
        // Buy stops (key -stop) hold when last >= stop; sell stops (key stop) when last <= stop.
        this.collectTriggered(buys, -last);
        this.collectTriggered(sells, last);
      }
      if (this.pendingCount === 0) return;
      this.trigger(book, this.popPending());
    }
  }

  /** Moves every stop level whose key >= keyMin into the pending heap. */
  private collectTriggered(ladder: number, keyMin: number): void {
    const base = ladder * this.sideMax;
    for (;;) {
      this.trimTop(ladder);
      const n = this.ladLevelsCount[ladder]!;
      if (n === 0 || this.ladKeys[base + n - 1]! < keyMin) return;
      const lvl = this.ladLevels[base + n - 1]!;
      for (let o = this.lvlHead[lvl]!; o !== NIL; ) {
        const next = this.ordNext[o]!;
        this.ordState[o] = PENDING;
        this.ordLevel[o] = NIL;
        this.pushPending(o);
        o = next;
      }
      this.lvlHead[lvl] = NIL;
      this.lvlTail[lvl] = NIL;
      this.lvlQtyLots[lvl] = 0;
      this.ladLevelsCount[ladder] = n - 1;
      this.freeLevel(lvl);
    }
  }

  private trigger(book: number, slot: number): void {
    const id = this.ordId[slot]!;
    const user = this.ordUser[slot]!;
    const side = this.ordSide[slot]!;
    const qty = this.ordQtyLots[slot]!;
    const price = this.ordPriceTicks[slot]!;
    const stp = this.ordStp[slot]!;
    const tif = this.ordTif[slot]!;
    const type = this.ordType[slot] === OrderType.StopLimit ? OrderType.Limit : OrderType.Market;
    this.takeOrderContext(slot);
    const e = this.emitHeader(EventKind.Triggered, book, id, user, 0);
    this.events.price[e] = this.ordStopPriceTicks[slot]!;
    this.events.qty[e] = qty;
    this.ordState[slot] = ACTIVE;
    const keyLimit = this.keyLimit(side, type === OrderType.Market, price);
    let reason = 0;
    if (this.ordPostOnly[slot] === 1 && this.crosses(book, side, keyLimit)) reason = CancelReason.PostOnly;
    else if (tif === Tif.Fok && !this.fillable(book, side, user, stp, keyLimit, qty)) reason = CancelReason.Fok;
    if (reason !== 0) {
      this.emitQty(EventKind.Cancelled, book, id, user, reason, qty, 0);
      this.freeOrder(slot);
      return;
    }
    this.execute(book, slot, id, user, side, type, tif, this.ordPostOnly[slot]!, stp, price, qty);
  }

  private pushPending(slot: number): void {
    const heap = this.pending;
    const arrival = this.ordArrivalSeq;
    const key = arrival[slot]!;
    let i = this.pendingCount++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (arrival[p]! <= key) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = slot;
  }

  private popPending(): number {
    const heap = this.pending;
    const arrival = this.ordArrivalSeq;
    const top = heap[0]!;
    const n = --this.pendingCount;
    if (n === 0) return top;
    const last = heap[n]!;
    const key = arrival[last]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && arrival[heap[child + 1]!]! < arrival[heap[child]!]!) child++;
      if (arrival[heap[child]!]! >= key) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
    return top;
  }

  // ---- events ----

  /** Appends an event with the fields every kind has; returns its row for the kind's own fields. */
  private emitHeader(kind: number, book: number, id: number, user: number, code: number): number {
    const ev = this.events;
    const i = ev.next();
    ev.kind[i] = kind;
    ev.code[i] = code;
    ev.book[i] = book;
    ev.seq[i] = this.seq;
    ev.tsUs[i] = this.ts;
    ev.id[i] = id;
    ev.user[i] = user;
    ev.side[i] = this.takerSide;
    ev.clientId[i] = this.takerClientId;
    return i;
  }

  /** A rejected command; an unknown symbol is reported as book -1. */
  private emitReject(book: number, id: number, user: number, reason: number): void {
    this.emitHeader(EventKind.Rejected, reason === Reject.UnknownSymbol ? -1 : book, id, user, reason);
  }

  /** A self-trade event about a resting maker `o` (not the command's own order). */
  private emitMakerQty(kind: number, book: number, o: number, qty: number, leaves: number): void {
    const i = this.emitHeader(kind, book, this.ordId[o]!, this.ordUser[o]!, CancelReason.SelfTrade);
    const ev = this.events;
    ev.side[i] = this.ordSide[o]!;
    ev.clientId[i] = this.ordClientId[o]!;
    ev.qty[i] = qty;
    ev.leaves[i] = leaves;
  }

  private emitQty(kind: number, book: number, id: number, user: number, code: number, qty: number, leaves: number): void {
    const i = this.emitHeader(kind, book, id, user, code);
    this.events.qty[i] = qty;
    this.events.leaves[i] = leaves;
  }

  private emitModified(book: number, slot: number, price: number, qty: number): void {
    const i = this.emitHeader(EventKind.Modified, book, this.ordId[slot]!, this.ordUser[slot]!, 0);
    this.events.price[i] = price;
    this.events.qty[i] = qty;
  }

  private emitTrade(
    book: number,
    id: number,
    user: number,
    side: number,
    maker: number,
    price: number,
    qty: number,
    leaves: number,
    makerLeaves: number,
  ): void {
    const ev = this.events;
    const i = this.emitHeader(EventKind.Trade, book, id, user, side);
    ev.price[i] = price;
    ev.qty[i] = qty;
    ev.leaves[i] = leaves;
    ev.otherId[i] = this.ordId[maker]!;
    ev.otherUser[i] = this.ordUser[maker]!;
    ev.otherLeaves[i] = makerLeaves;
    ev.otherClientId[i] = this.ordClientId[maker]!;
    ev.tradeId[i] = this.nextTradeId++;
    this.lastPriceTicks[book] = price;
  }
}
