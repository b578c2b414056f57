// The matching engine: commands in, events out, price-time priority. It is a
// pure function of its command stream: no clock, no randomness, no I/O, no
// allocation per command. Every command arrives as one EngineCommand through
// `apply`. The rules it implements are in RULES.md, and reference.ts
// implements the same rules plainly for the differential tests.

import { assert } from "./assert.ts";
import { CommandCode, type EngineCommand, type SymbolSpec } from "./command.ts";
import { type EngineConfig, resolveEngineConfig, symbolSpecError } from "./config.ts";
import {
  CancelReason,
  EventKind,
  INT_MAX,
  MassCancelSide,
  NIL,
  OrderType,
  Reject,
  Side,
  Stp,
  Tif,
  TradingStatus,
} from "./constants.ts";
import { EventWriter } from "./emit.ts";
import * as queries from "./queries.ts";
import { sortSlotsByKey } from "./sort-slots.ts";
import { stateHash } from "./state-hash.ts";
import {
  ACTIVE,
  ASKS,
  BIDS,
  ELECTED,
  KEY_NONE,
  LADDERS_PER_BOOK,
  RESTING,
  STOP,
  STOP_BUYS,
  STOP_SELLS,
} from "./store.ts";
import { validateState } from "./validate.ts";

function isId(v: number): boolean {
  return v >= 0 && v <= INT_MAX && Math.floor(v) === v;
}

function isStopType(type: number): boolean {
  return type === OrderType.StopLimit || type === OrderType.StopMarket;
}

export class Engine extends EventWriter {
  readonly config: EngineConfig;
  /** Set when self-trade prevention cancelled the taker: matching stops, no remainder event. */
  private takerKilled = false;
  /**
   * Scratch list of slots, ordersMax long. Inside a command with trades it is
   * the queue of elected stops in election order ([electedHead, electedTail));
   * a mass cancel, which trades nothing, lists the orders it cancels in it.
   * Each stop is elected at most once per command, so the queue never wraps.
   */
  private readonly slotList: Int32Array;
  private electedHead = 0;
  private electedTail = 0;
  private readonly nameToBook = new Map<string, number>();

  constructor(config: Partial<EngineConfig> = {}) {
    const c = resolveEngineConfig(config);
    super(c);
    this.config = c;
    this.slotList = new Int32Array(c.ordersMax);
  }

  /** Applies one command; its events are appended to `events`. `cmd` is read during the call only. */
  apply(cmd: EngineCommand): void {
    switch (cmd.command) {
      case CommandCode.NewOrder:
        return this.newOrder(cmd);
      case CommandCode.Cancel:
        return this.cancel(cmd);
      case CommandCode.Modify:
        return this.modify(cmd);
      case CommandCode.MassCancel:
        return this.massCancel(cmd);
      case CommandCode.SymbolStatus:
        return this.symbolStatus(cmd);
      case CommandCode.SymbolDef:
        this.addSymbol(cmd.engineSeq, cmd.symbol);
        return;
      default:
        throw new Error(`command seq ${cmd.engineSeq}: unknown command code ${cmd.command}`);
    }
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
    this.symStatus[book] = TradingStatus.Open;
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

  /** Every resting order of one side in priority order: best level first, FIFO within a level. */
  bookOrders(book: number, side: number): queries.BookOrder[] {
    return queries.bookOrders(this, book, side);
  }

  order(id: number): queries.OrderView | null {
    return queries.orderById(this, id);
  }

  /** Fills `into` with the live order `id` (no allocation); false when there is none. */
  readOrder(id: number, into: queries.OrderView): boolean {
    return queries.readOrder(this, id, into);
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
    validateState(this, this.electedTail - this.electedHead);
  }

  // ---- restore from an image (a fresh engine only; image-codec.ts drives these) ----

  /** Defines a book with its last trade price. Throws when the spec does not fit this engine. */
  restoreSymbol(spec: SymbolSpec, lastPriceTicks: number, status: number = TradingStatus.Open): number {
    const error = this.symbolError(spec);
    if (error !== null) throw new Error(`image symbol ${spec.name}: ${error}`);
    if (status !== TradingStatus.Open && status !== TradingStatus.Halted)
      throw new Error(`image symbol ${spec.name}: trading status ${status}`);
    const book = this.addSymbol(0, spec);
    this.lastPriceTicks[book] = lastPriceTicks;
    this.symStatus[book] = status;
    return book;
  }

  /** TradingStatus of a book (open or halted). */
  tradingStatus(book: number): number {
    if (!this.isBook(book)) throw new Error(`no book ${book}`);
    return this.symStatus[book]!;
  }

  /**
   * Restores one live order: a stop type becomes an untriggered stop with
   * arrival `cmd.engineSeq`, any other a resting order. Orders come in book
   * order (per level oldest first), so each joins the tail of its level.
   * Throws when the order does not fit this engine or is not a valid live order.
   */
  restoreOrder(cmd: EngineCommand): void {
    const book = cmd.symbolId;
    const id = cmd.orderId;
    const side = cmd.side;
    const isStop = isStopType(cmd.type);
    if (!this.isBook(book)) throw new Error(`image order ${id}: no book ${book}`);
    if (side !== Side.Buy && side !== Side.Sell) throw new Error(`image order ${id}: bad side ${side}`);
    if (!isId(id) || this.idIndex.find(id) !== NIL) throw new Error(`image order ${id}: bad or duplicate id`);
    if (!this.qtyValid(book, cmd.qtyLots)) throw new Error(`image order ${id}: bad quantity ${cmd.qtyLots}`);
    if (this.orderFree === NIL) throw new Error(`image order ${id}: engine capacity (orders) too small`);
    const keyPrice = isStop ? cmd.stopPriceTicks : cmd.priceTicks;
    if (this.priceReject(book, keyPrice) !== 0) throw new Error(`image order ${id}: bad price ${keyPrice}`);
    const kind = isStop ? (side === Side.Buy ? STOP_BUYS : STOP_SELLS) : side === Side.Buy ? BIDS : ASKS;
    const key = kind === BIDS || kind === STOP_SELLS ? keyPrice : -keyPrice;
    const lvl = this.levelFor(book * LADDERS_PER_BOOK + kind, key, keyPrice);
    if (lvl === NIL) throw new Error(`image order ${id}: engine capacity (price levels) too small`);
    const slot = this.allocOrder();
    this.initOrder(
      slot,
      cmd,
      isStop ? cmd.type : OrderType.Limit,
      isStop ? cmd.tif : Tif.Gtc,
      cmd.priceTicks,
      cmd.qtyLots,
    );
    this.ordArrivalSeq[slot] = cmd.engineSeq;
    this.ordState[slot] = isStop ? STOP : RESTING;
    this.appendToLevel(slot, lvl);
  }

  restoreCounters(nextTradeId: number, lastSeq: number): void {
    this.nextTradeId = nextTradeId;
    this.lastSeq = lastSeq;
  }

  // ---- commands ----

  /** Reads each field of the command once: the hot path below works on locals, not on the struct. */
  private newOrder(cmd: EngineCommand): void {
    this.begin(cmd);
    const book = cmd.symbolId;
    const id = cmd.orderId;
    const user = cmd.userId;
    const side = cmd.side;
    const type = cmd.type;
    const tif = cmd.tif;
    const postOnly = cmd.postOnly ? 1 : 0;
    const stp = cmd.stp;
    const priceTicks = cmd.priceTicks;
    const qtyLots = cmd.qtyLots;
    const reason = this.checkNew(
      book,
      id,
      user,
      side,
      type,
      tif,
      postOnly,
      stp,
      priceTicks,
      qtyLots,
      cmd.stopPriceTicks,
    );
    if (reason !== 0) {
      this.emitReject(book, id, user, reason);
      return;
    }
    this.emitAccepted(book, id, user, side, priceTicks, qtyLots);
    if (isStopType(type)) {
      this.placeStop(cmd);
    } else {
      const rem = this.execute(book, NIL, id, user, side, type, tif, postOnly, stp, priceTicks, qtyLots);
      if (rem > 0) this.restNew(book, id, user, side, postOnly, stp, priceTicks, rem, cmd.clientOrderId);
    }
    this.runElected(book);
  }

  private cancel(cmd: EngineCommand): void {
    this.begin(cmd);
    const book = cmd.symbolId;
    const slot = this.liveSlot(book, cmd.orderId);
    const reason = this.checkOwned(book, slot, cmd.userId);
    if (reason !== 0) {
      this.emitReject(book, cmd.orderId, cmd.userId, reason);
      return;
    }
    this.cancelLive(slot, CancelReason.User);
  }

  private modify(cmd: EngineCommand): void {
    this.begin(cmd);
    const book = cmd.symbolId;
    const id = cmd.orderId;
    const user = cmd.userId;
    const priceTicks = cmd.priceTicks;
    const qtyLots = cmd.qtyLots;
    const slot = this.liveSlot(book, id);
    const reason = this.checkModify(book, slot, user, priceTicks, qtyLots);
    if (reason !== 0) {
      this.emitReject(book, id, user, reason);
      return;
    }
    this.subjectOrder(slot);
    const oldPriceTicks = this.ordPriceTicks[slot]!;
    const oldQtyLots = this.ordQtyLots[slot]!;
    if (priceTicks === oldPriceTicks && qtyLots <= oldQtyLots) {
      // Same price, no increase: in place, time priority kept.
      this.reduceInLevel(slot, oldQtyLots - qtyLots);
      this.emitModified(book, slot, oldPriceTicks, oldQtyLots);
      return;
    }
    this.unlinkFromLevel(slot);
    this.ordPriceTicks[slot] = priceTicks;
    this.ordQtyLots[slot] = qtyLots;
    this.ordState[slot] = ACTIVE;
    this.emitModified(book, slot, oldPriceTicks, oldQtyLots);
    const side = this.ordSide[slot]!;
    const rem = this.execute(
      book,
      slot,
      id,
      user,
      side,
      OrderType.Limit,
      Tif.Gtc,
      this.ordPostOnly[slot]!,
      this.ordStp[slot]!,
      priceTicks,
      qtyLots,
    );
    if (rem > 0) this.rest(book, slot, priceTicks, rem);
    this.runElected(book);
  }

  /**
   * Cancels the user's live orders in scope (RULES.md, Mass cancel). The
   * engine keeps no per-user list (it cost matching throughput), so this scans
   * the slots ever used, then sorts the user's by order id: O(slots used + k log k)
   * for k orders, and an event order that does not depend on slot layout.
   */
  private massCancel(cmd: EngineCommand): void {
    this.begin(cmd);
    const book = cmd.oneSymbol ? cmd.symbolId : -1;
    const reason = this.checkMassCancel(cmd);
    if (reason !== 0) {
      this.emitReject(book, cmd.orderId, cmd.userId, reason);
      return;
    }
    const side = cmd.massSide === MassCancelSide.Buy ? Side.Buy : cmd.massSide === MassCancelSide.Sell ? Side.Sell : -1;
    const count = this.listUserOrders(cmd.allUsers ? -1 : cmd.userId, book, side);
    sortSlotsByKey(this.slotList, count, this.ordId);
    for (let k = 0; k < count; k++) this.cancelLive(this.slotList[k]!, cmd.cancelReason);
    this.subjectSide = 0;
    this.subjectClientId = cmd.clientOrderId;
    this.emitMassCancelled(book, cmd.orderId, cmd.userId, cmd.cancelReason, count);
  }

  /**
   * Lists into slotList the live orders of `user` (-1: every user) in `book` (-1: all) on `side`
   * (-1: both); returns how many.
   */
  private listUserOrders(user: number, book: number, side: number): number {
    const users = this.ordUser;
    const state = this.ordState;
    const list = this.slotList;
    let count = 0;
    for (let slot = 0; slot < this.slotsHighWater; slot++) {
      if (user >= 0 && users[slot] !== user) continue;
      if (state[slot] !== RESTING && state[slot] !== STOP) continue;
      if (book >= 0 && this.ordBook[slot] !== book) continue;
      if (side >= 0 && this.ordSide[slot] !== side) continue;
      list[count++] = slot;
    }
    return count;
  }

  /** Takes a live order (resting or untriggered stop) out of its level and emits its cancel. */
  private cancelLive(slot: number, reason: number): void {
    this.subjectOrder(slot);
    const priceTicks = this.ordState[slot] === RESTING ? this.ordPriceTicks[slot]! : 0;
    const qtyLots = this.ordQtyLots[slot]!;
    this.unlinkFromLevel(slot);
    this.emitCancelled(this.ordBook[slot]!, this.ordId[slot]!, this.ordUser[slot]!, reason, qtyLots, priceTicks);
    this.freeOrder(slot);
  }

  /**
   * Halts or resumes a book (RULES.md, Symbol status): a halted book rejects
   * new orders and modifies and takes cancels. Nothing is emitted unless the
   * command is rejected; setting the status a book already has changes nothing.
   */
  private symbolStatus(cmd: EngineCommand): void {
    this.begin(cmd);
    const book = cmd.symbolId;
    const status = cmd.tradingStatus;
    let reason = 0;
    if (!this.isBook(book)) reason = Reject.UnknownSymbol;
    else if (!(status === TradingStatus.Open || status === TradingStatus.Halted)) reason = Reject.BadField;
    if (reason !== 0) {
      this.emitReject(book, cmd.orderId, cmd.userId, reason);
      return;
    }
    this.symStatus[book] = status;
  }

  private begin(cmd: EngineCommand): void {
    assert(this.electedHead === this.electedTail, "a command starts with stops still elected");
    this.stamp(cmd);
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
    priceTicks: number,
    qtyLots: number,
    stopPriceTicks: number,
  ): number {
    if (!this.isBook(book)) return Reject.UnknownSymbol;
    if (this.symStatus[book] !== TradingStatus.Open) return Reject.SymbolHalted;
    if (!isId(id) || !isId(user)) return Reject.BadField;
    if (!(side === Side.Buy || side === Side.Sell)) return Reject.BadField;
    if (!(type >= OrderType.Limit && type <= OrderType.StopMarket && (type | 0) === type)) return Reject.BadField;
    if (!(tif >= Tif.Gtc && tif <= Tif.Fok && (tif | 0) === tif)) return Reject.BadField;
    if (!(stp >= Stp.None && stp <= Stp.Decrement && (stp | 0) === stp)) return Reject.BadField;
    const isMarket = type === OrderType.Market || type === OrderType.StopMarket;
    if (postOnly === 1 && (tif !== Tif.Gtc || isMarket)) return Reject.BadField;
    if (!this.qtyValid(book, qtyLots)) return Reject.BadQuantity;
    if (!(isMarket && priceTicks === 0)) {
      const r = this.priceReject(book, priceTicks);
      if (r !== 0) return r;
    }
    const isStop = isStopType(type);
    if (isStop) {
      const r = this.priceReject(book, stopPriceTicks);
      if (r !== 0) return r;
    }
    if (this.idIndex.find(id) !== NIL) return Reject.DuplicateOrderId;
    if (isStop) return this.stopFits(book, side, stopPriceTicks) ? 0 : Reject.CapacityFull;
    const keyLimit = this.keyLimit(side, isMarket, priceTicks);
    if (postOnly === 1 && this.crosses(book, side, keyLimit)) return Reject.PostOnlyWouldTake;
    if (tif === Tif.Fok && !this.fillable(book, side, user, stp, keyLimit, qtyLots)) return Reject.FokNotFillable;
    // Capacity matters only for an order that may rest: one that fills completely on arrival never does.
    if (
      !isMarket &&
      tif === Tif.Gtc &&
      !this.restFits(book, side, priceTicks) &&
      !this.fillable(book, side, user, stp, keyLimit, qtyLots)
    ) {
      return Reject.CapacityFull;
    }
    return 0;
  }

  private checkMassCancel(cmd: EngineCommand): number {
    if (cmd.oneSymbol && !this.isBook(cmd.symbolId)) return Reject.UnknownSymbol;
    if (!isId(cmd.userId)) return Reject.BadField;
    const side = cmd.massSide;
    if (!(side === MassCancelSide.Both || side === MassCancelSide.Buy || side === MassCancelSide.Sell))
      return Reject.BadField;
    const reason = cmd.cancelReason;
    if (!(reason >= CancelReason.MassCancel && reason <= CancelReason.Admin && (reason | 0) === reason))
      return Reject.BadField;
    // Only an operator cancels other users' orders.
    if (cmd.allUsers && reason !== CancelReason.Admin) return Reject.BadField;
    return 0;
  }

  private qtyValid(book: number, qtyLots: number): boolean {
    const lot = this.symLotSize[book]!;
    if (!(qtyLots >= lot && qtyLots <= this.symQtyLotsMax[book]! && Math.floor(qtyLots) === qtyLots)) return false;
    return lot === 1 || qtyLots % lot === 0;
  }

  private isBook(book: number): boolean {
    return book >= 0 && book < this.booksCount && (book | 0) === book;
  }

  private priceReject(book: number, priceTicks: number): number {
    if (Math.floor(priceTicks) !== priceTicks) return Reject.PriceOffTick;
    const tick = this.symTickSize[book]!;
    if (tick !== 1 && priceTicks % tick !== 0) return Reject.PriceOffTick;
    if (priceTicks < this.symPriceTicksMin[book]! || priceTicks > this.symPriceTicksMax[book]!)
      return Reject.PriceOutOfBand;
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

  private checkModify(book: number, slot: number, user: number, priceTicks: number, qtyLots: number): number {
    const owned = this.checkOwned(book, slot, user);
    if (owned !== 0) return owned;
    if (this.symStatus[book] !== TradingStatus.Open) return Reject.SymbolHalted;
    if (this.ordState[slot] !== RESTING) return Reject.NotModifiable;
    if (!this.qtyValid(book, qtyLots)) return Reject.BadQuantity;
    const r = this.priceReject(book, priceTicks);
    if (r !== 0) return r;
    const side = this.ordSide[slot]!;
    if (priceTicks === this.ordPriceTicks[slot] && qtyLots <= this.ordQtyLots[slot]!) return 0;
    if (this.ordPostOnly[slot] === 1 && this.crosses(book, side, this.keyLimit(side, false, priceTicks)))
      return Reject.PostOnlyWouldTake;
    // Leaving a level that holds only this order frees a level for the new price.
    if (this.lvlOrdersCount[this.ordLevel[slot]!] === 1) return 0;
    const ladder = book * LADDERS_PER_BOOK + (side === Side.Buy ? BIDS : ASKS);
    return this.levelFits(ladder, side === Side.Buy ? priceTicks : -priceTicks, priceTicks) ? 0 : Reject.CapacityFull;
  }

  private restFits(book: number, side: number, priceTicks: number): boolean {
    if (this.orderFree === NIL) return false;
    const ladder = book * LADDERS_PER_BOOK + (side === Side.Buy ? BIDS : ASKS);
    return this.levelFits(ladder, side === Side.Buy ? priceTicks : -priceTicks, priceTicks);
  }

  private stopFits(book: number, side: number, stopPriceTicks: number): boolean {
    if (this.orderFree === NIL) return false;
    const ladder = book * LADDERS_PER_BOOK + (side === Side.Buy ? STOP_BUYS : STOP_SELLS);
    return this.levelFits(ladder, side === Side.Buy ? -stopPriceTicks : stopPriceTicks, stopPriceTicks);
  }

  // ---- matching ----

  /** The smallest opposite-ladder key this taker may trade against (see store.ts for keys). */
  private keyLimit(side: number, isMarket: boolean, priceTicks: number): number {
    if (isMarket && priceTicks === 0) return KEY_NONE;
    return side === Side.Buy ? -priceTicks : priceTicks;
  }

  private crosses(book: number, side: number, keyLimit: number): boolean {
    const ladder = book * LADDERS_PER_BOOK + (side === Side.Buy ? ASKS : BIDS);
    const n = this.ladLevelsCount[ladder]!;
    return n > 0 && this.ladKeys[ladder * this.sideMax + n - 1]! >= keyLimit;
  }

  /** Whether a FOK taker would fill completely, walking the book as matching would. */
  private fillable(book: number, side: number, user: number, stp: number, keyLimit: number, qtyLots: number): boolean {
    const ladder = book * LADDERS_PER_BOOK + (side === Side.Buy ? ASKS : BIDS);
    const base = ladder * this.sideMax;
    let need = qtyLots;
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
   * Runs a taker against the book. `slot` is NIL for a new order (a slot is
   * taken only if it rests) or the order's own slot for a modify or a
   * triggered stop, freed here unless the order rests. Returns the limit GTC
   * remainder the caller rests, or 0 when nothing is left to rest (filled,
   * killed by self-trade prevention, or an IOC or market remainder cancelled).
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
    priceTicks: number,
    qtyLots: number,
  ): number {
    const isMarket = type === OrderType.Market;
    this.takerKilled = false;
    const rem = this.match(book, side, id, user, stp, this.keyLimit(side, isMarket, priceTicks), qtyLots);
    if (this.takerKilled || rem === 0) {
      if (slot !== NIL) this.freeOrder(slot);
      return 0;
    }
    if (isMarket || tif !== Tif.Gtc) {
      // FOK was checked fillable before matching, so only IOC and market leave a remainder.
      assert(tif !== Tif.Fok || isMarket, "a FOK limit left a remainder");
      this.emitCancelled(book, id, user, isMarket ? CancelReason.MarketRemainder : CancelReason.Ioc, rem, 0);
      if (slot !== NIL) this.freeOrder(slot);
      return 0;
    }
    return rem;
  }

  /** A new limit GTC order's remainder joins the tail of its level (capacity was checked before matching). */
  private restNew(
    book: number,
    id: number,
    user: number,
    side: number,
    postOnly: number,
    stp: number,
    priceTicks: number,
    qtyLots: number,
    clientId: number,
  ): void {
    const ladder = book * LADDERS_PER_BOOK + (side === Side.Buy ? BIDS : ASKS);
    const lvl = this.levelFor(ladder, side === Side.Buy ? priceTicks : -priceTicks, priceTicks);
    assert(lvl !== NIL, "no level for a new order after the capacity check");
    const slot = this.allocOrder();
    this.ordId[slot] = id;
    this.ordClientId[slot] = clientId;
    this.ordUser[slot] = user;
    this.ordBook[slot] = book;
    this.ordSide[slot] = side;
    this.ordType[slot] = OrderType.Limit;
    this.ordTif[slot] = Tif.Gtc;
    this.ordPostOnly[slot] = postOnly;
    this.ordStp[slot] = stp;
    this.ordPriceTicks[slot] = priceTicks;
    this.ordStopPriceTicks[slot] = 0;
    this.ordQtyLots[slot] = qtyLots;
    this.ordArrivalSeq[slot] = this.seq;
    this.idIndex.insert(id, slot);
    this.ordState[slot] = RESTING;
    this.appendToLevel(slot, lvl);
    this.emitBooked(book, id, user, side, clientId, priceTicks, qtyLots);
  }

  /**
   * A modified order or a triggered stop-limit (its own slot) rests its remainder, or is cancelled for lack of a level.
   */
  private rest(book: number, slot: number, priceTicks: number, qtyLots: number): void {
    const side = this.ordSide[slot]!;
    const ladder = book * LADDERS_PER_BOOK + (side === Side.Buy ? BIDS : ASKS);
    const lvl = this.levelFor(ladder, side === Side.Buy ? priceTicks : -priceTicks, priceTicks);
    assert(this.ordState[slot] === ACTIVE, "rest: the order is not executing");
    if (lvl === NIL) {
      // Only a triggered stop gets here: modifies were checked before matching.
      assert(this.ordType[slot] !== OrderType.Limit, "no level for a modified order after the capacity check");
      this.emitCancelled(book, this.ordId[slot]!, this.ordUser[slot]!, CancelReason.Capacity, qtyLots, 0);
      this.freeOrder(slot);
      return;
    }
    this.ordQtyLots[slot] = qtyLots;
    this.ordPriceTicks[slot] = priceTicks;
    this.ordType[slot] = OrderType.Limit;
    this.ordState[slot] = RESTING;
    this.appendToLevel(slot, lvl);
    this.emitBooked(book, this.ordId[slot]!, this.ordUser[slot]!, side, this.ordClientId[slot]!, priceTicks, qtyLots);
  }

  /** Fills a fresh slot from a command: a stop being placed, or an order being restored. */
  private initOrder(
    slot: number,
    cmd: EngineCommand,
    type: number,
    tif: number,
    priceTicks: number,
    qtyLots: number,
  ): void {
    const id = cmd.orderId;
    this.ordId[slot] = id;
    this.ordClientId[slot] = cmd.clientOrderId;
    this.ordUser[slot] = cmd.userId;
    this.ordBook[slot] = cmd.symbolId;
    this.ordSide[slot] = cmd.side;
    this.ordType[slot] = type;
    this.ordTif[slot] = tif;
    this.ordPostOnly[slot] = cmd.postOnly ? 1 : 0;
    this.ordStp[slot] = cmd.stp;
    this.ordPriceTicks[slot] = priceTicks;
    this.ordStopPriceTicks[slot] = isStopType(type) ? cmd.stopPriceTicks : 0;
    this.ordQtyLots[slot] = qtyLots;
    this.ordArrivalSeq[slot] = this.seq;
    this.idIndex.insert(id, slot);
  }

  /**
   * Matches a taker against the opposite side; returns its remaining quantity. Elects stops after each traded level.
   */
  private match(
    book: number,
    side: number,
    id: number,
    user: number,
    stp: number,
    keyLimit: number,
    qtyLots: number,
  ): number {
    const ladder = book * LADDERS_PER_BOOK + (side === Side.Buy ? ASKS : BIDS);
    const base = ladder * this.sideMax;
    const keys = this.ladKeys;
    const levels = this.ladLevels;
    let rem = qtyLots;
    while (rem > 0) {
      const n = this.ladLevelsCount[ladder]!;
      if (n === 0 || keys[base + n - 1]! < keyLimit) break;
      const lvl = levels[base + n - 1]!;
      const priceTicks = this.lvlPriceTicks[lvl]!;
      const tradeIdBefore = this.nextTradeId;
      rem = this.matchLevel(book, lvl, side, id, user, stp, rem);
      if (this.lvlOrdersCount[lvl] === 0) {
        this.ladLevelsCount[ladder] = n - 1;
        this.freeLevel(lvl);
        this.trimTop(ladder);
      }
      // Every trade of a level is at its price: the first one elects what any of them would.
      if (this.nextTradeId !== tradeIdBefore) this.elect(book, priceTicks);
      if (this.takerKilled) return 0;
    }
    return rem;
  }

  /** Fills a taker against one level in FIFO order; returns the taker's remaining quantity. */
  private matchLevel(
    book: number,
    lvl: number,
    side: number,
    id: number,
    user: number,
    stp: number,
    qtyLots: number,
  ): number {
    const priceTicks = this.lvlPriceTicks[lvl]!;
    const ordQtyLots = this.ordQtyLots;
    let rem = qtyLots;
    let o = this.lvlHead[lvl]!;
    while (o !== NIL && rem > 0) {
      const next = this.ordNext[o]!;
      if (stp !== Stp.None && this.ordUser[o] === user) {
        rem = this.selfTrade(book, o, id, user, stp, rem);
        if (this.takerKilled) return 0;
        o = next;
        continue;
      }
      const makerQtyLots = ordQtyLots[o]!;
      const fill = makerQtyLots <= rem ? makerQtyLots : rem;
      rem -= fill;
      this.emitTrade(book, id, user, side, o, priceTicks, fill, rem, makerQtyLots - fill);
      if (fill === makerQtyLots) {
        this.unlinkHead(lvl, o);
        this.freeOrder(o);
      } else {
        this.reduceInLevel(o, fill);
      }
      o = next;
    }
    return rem;
  }

  /** Applies the taker's self-trade mode against its own maker `o` (the head of its level). */
  private selfTrade(book: number, o: number, id: number, user: number, stp: number, rem: number): number {
    const lvl = this.ordLevel[o]!;
    const makerQtyLots = this.ordQtyLots[o]!;
    if (stp === Stp.CancelTaker) return this.killTaker(book, id, user, rem);
    if (stp === Stp.CancelMaker || stp === Stp.CancelBoth) {
      this.emitMakerQty(EventKind.Cancelled, book, o, CancelReason.SelfTrade, makerQtyLots, 0);
      this.unlinkHead(lvl, o);
      this.freeOrder(o);
      return stp === Stp.CancelBoth ? this.killTaker(book, id, user, rem) : rem;
    }
    const d = makerQtyLots <= rem ? makerQtyLots : rem;
    if (d === makerQtyLots) {
      this.emitMakerQty(EventKind.Cancelled, book, o, CancelReason.SelfTrade, d, 0);
      this.unlinkHead(lvl, o);
      this.freeOrder(o);
    } else {
      this.reduceInLevel(o, d);
      this.emitMakerQty(EventKind.Reduced, book, o, CancelReason.SelfTrade, d, makerQtyLots - d);
    }
    if (d === rem) return this.killTaker(book, id, user, rem);
    this.emitReduced(book, id, user, CancelReason.SelfTrade, d, rem - d, 0);
    return rem - d;
  }

  private killTaker(book: number, id: number, user: number, rem: number): number {
    this.emitCancelled(book, id, user, CancelReason.SelfTrade, rem, 0);
    this.takerKilled = true;
    return 0;
  }

  // ---- stops (RULES.md, Stops) ----

  /** Places an accepted stop order; if the book's last trade price already reaches it, it is elected at once. */
  private placeStop(cmd: EngineCommand): void {
    const book = cmd.symbolId;
    const side = cmd.side;
    const stopPriceTicks = cmd.stopPriceTicks;
    const ladder = book * LADDERS_PER_BOOK + (side === Side.Buy ? STOP_BUYS : STOP_SELLS);
    const lvl = this.levelFor(ladder, side === Side.Buy ? -stopPriceTicks : stopPriceTicks, stopPriceTicks);
    assert(lvl !== NIL, "no stop level after the capacity check");
    const slot = this.allocOrder();
    this.initOrder(slot, cmd, cmd.type, cmd.tif, cmd.priceTicks, cmd.qtyLots);
    this.ordState[slot] = STOP;
    this.appendToLevel(slot, lvl);
    const last = this.lastPriceTicks[book]!;
    if (last !== 0) this.elect(book, last);
  }

  /**
   * Elects the stops a trade at `priceTicks` reaches, appending them to the
   * queue: buy stops with stop <= price, lowest stop first; sell stops with
   * stop >= price, highest first; FIFO (arrival) within a stop price. Both
   * sides at once happens only at a book's first trade: buys go first.
   */
  private elect(book: number, priceTicks: number): void {
    const buys = book * LADDERS_PER_BOOK + STOP_BUYS;
    // Buy stops are keyed -stop and sell stops stop, so the reached ones are the keys >= the limit, best (end) first.
    this.electLadder(buys, -priceTicks);
    this.electLadder(book * LADDERS_PER_BOOK + STOP_SELLS, priceTicks);
  }

  private electLadder(ladder: number, keyMin: number): void {
    const base = ladder * this.sideMax;
    for (;;) {
      const n = this.ladLevelsCount[ladder]!;
      if (n === 0 || this.ladKeys[base + n - 1]! < keyMin) return;
      const lvl = this.ladLevels[base + n - 1]!;
      assert(this.lvlOrdersCount[lvl]! > 0, "electLadder: the best stop level is empty");
      for (let o = this.lvlHead[lvl]!; o !== NIL;) {
        const next = this.ordNext[o]!;
        assert(this.electedTail < this.slotList.length, "election queue overflow");
        this.ordState[o] = ELECTED;
        this.ordLevel[o] = NIL;
        this.slotList[this.electedTail++] = o;
        o = next;
      }
      this.lvlHead[lvl] = NIL;
      this.lvlTail[lvl] = NIL;
      this.lvlQtyLots[lvl] = 0;
      this.ladLevelsCount[ladder] = n - 1;
      this.freeLevel(lvl);
      this.trimTop(ladder);
    }
  }

  /** Executes the elected stops in election order; each may elect more, which queue behind. */
  private runElected(book: number): void {
    if (this.electedTail === 0) return;
    while (this.electedHead < this.electedTail) this.trigger(book, this.slotList[this.electedHead++]!);
    this.electedHead = 0;
    this.electedTail = 0;
  }

  private trigger(book: number, slot: number): void {
    assert(this.ordState[slot] === ELECTED, "trigger: the order was not elected");
    const id = this.ordId[slot]!;
    const user = this.ordUser[slot]!;
    const side = this.ordSide[slot]!;
    const qtyLots = this.ordQtyLots[slot]!;
    const priceTicks = this.ordPriceTicks[slot]!;
    const stp = this.ordStp[slot]!;
    const tif = this.ordTif[slot]!;
    const type = this.ordType[slot] === OrderType.StopLimit ? OrderType.Limit : OrderType.Market;
    this.subjectOrder(slot);
    this.emitTriggered(book, slot);
    this.ordState[slot] = ACTIVE;
    const keyLimit = this.keyLimit(side, type === OrderType.Market, priceTicks);
    let reason = 0;
    if (this.ordPostOnly[slot] === 1 && this.crosses(book, side, keyLimit)) reason = CancelReason.PostOnly;
    else if (tif === Tif.Fok && !this.fillable(book, side, user, stp, keyLimit, qtyLots)) reason = CancelReason.Fok;
    if (reason !== 0) {
      this.emitCancelled(book, id, user, reason, qtyLots, 0);
      this.freeOrder(slot);
      return;
    }
    const rem = this.execute(book, slot, id, user, side, type, tif, this.ordPostOnly[slot]!, stp, priceTicks, qtyLots);
    if (rem > 0) this.rest(book, slot, priceTicks, rem);
  }
}
