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
import {
  EF_CLIENT,
  EF_ID,
  EF_LEAVES,
  EF_OTHER_CLIENT,
  EF_OTHER_ID,
  EF_OTHER_LEAVES,
  EF_OTHER_USER,
  EF_QTY,
  EF_SEQ,
  EF_TRADE_ID,
  EF_TS_US,
  EF_USER,
  EI_BOOK,
  EI_CODE,
  EI_KIND,
  EI_PRICE,
  EI_SIDE,
} from "./events.ts";
import * as queries from "./queries.ts";
import { sortSlotsByKey } from "./sort-slots.ts";
import { stateHash } from "./state-hash.ts";
import {
  ACTIVE,
  ASKS,
  BIDS,
  ELECTED,
  FREE,
  KEY_NONE,
  LADDERS_PER_BOOK,
  PRICE_CACHE_BITS,
  LF_QTY,
  LI_COUNT,
  LI_HEAD,
  LI_LADDER,
  LI_PRICE,
  LI_TAIL,
  OB_POST_ONLY,
  OB_SIDE,
  OB_STATE,
  OB_STP,
  OB_TIF,
  OB_TYPE,
  OF_CLIENT,
  OF_ID,
  OF_QTY,
  OF_USER,
  OH_BOOK,
  OI_GEN,
  OI_LEVEL,
  OI_NEXT,
  OI_PREV,
  OI_PRICE,
  OI_STOP,
  RESTING,
  STOP,
  STOP_BUYS,
  STOP_SELLS,
} from "./store.ts";
import { validateState } from "./validate.ts";

// The hot paths index a book's bid and ask ladders by side (book * LADDERS_PER_BOOK + side).
if (BIDS !== Side.Buy || ASKS !== Side.Sell)
  throw new Error("store.ts: the bid and ask ladder kinds must equal the side codes");

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
    queries.forEachLiveSlot(this, (slot) =>
      fn(this.ordF[(slot << 3) | OF_ID]!, this.ordF[(slot << 3) | OF_USER]!, this.ordF[(slot << 3) | OF_CLIENT]!),
    );
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
    this.ordArrivalSeqs[slot] = cmd.engineSeq;
    this.ordB[(slot << 6) | OB_STATE] = isStop ? STOP : RESTING;
    this.appendToLevel(slot, lvl);
  }

  restoreCounters(nextTradeId: number, lastSeq: number): void {
    this.nextTradeId = nextTradeId;
    this.lastSeq = lastSeq;
  }

  // ---- commands ----

  // The three hot commands are written out in full: JSC inlines only functions
  // of about 120 bytecode bytes, and calling a helper per step (stamp, checks,
  // each event, each link) cost more than the steps themselves. Cold branches
  // (rejects, stops, self-trade prevention, a new price level) stay calls.

  /**
   * A new order; a limit GTC that does not cross goes straight to its level.
   * tidy: long (the hottest command written out: checks, accept, match and rest inline, see above)
   */
  private newOrder(cmd: EngineCommand): void {
    assert(this.electedHead === this.electedTail, "a command starts with stops still elected");
    const seq = cmd.engineSeq;
    const tsUs = Math.floor(cmd.receivedNs / 1000);
    const book = cmd.symbolId;
    const id = cmd.orderId;
    const user = cmd.userId;
    const clientId = cmd.clientOrderId;
    const side = cmd.side;
    const type = cmd.type;
    const tif = cmd.tif;
    const postOnly = cmd.postOnly ? 1 : 0;
    const stp = cmd.stp;
    const priceTicks = cmd.priceTicks;
    const qtyLots = cmd.qtyLots;
    this.seq = seq;
    this.tsUs = tsUs;
    this.lastSeq = seq;
    this.subjectSide = side === Side.Sell ? Side.Sell : Side.Buy;
    this.subjectClientId = clientId;
    // RULES.md, Validation, in order: the first failing check names the reject. Written
    // here rather than in a function of its own: passing the eleven values costs ~4%.
    const isMarket = type === OrderType.Market || type === OrderType.StopMarket;
    const isStop = type === OrderType.StopLimit || type === OrderType.StopMarket;
    let reason = 0;
    checks: {
      if (!(book >= 0 && book < this.booksCount && (book | 0) === book)) {
        reason = Reject.UnknownSymbol;
        break checks;
      }
      if (this.symStatus[book] !== TradingStatus.Open) {
        reason = Reject.SymbolHalted;
        break checks;
      }
      if (
        !(isId(id) && isId(user) && (side === Side.Buy || side === Side.Sell)) ||
        !(type >= OrderType.Limit && type <= OrderType.StopMarket && (type | 0) === type) ||
        !(tif >= Tif.Gtc && tif <= Tif.Fok && (tif | 0) === tif) ||
        !(stp >= Stp.None && stp <= Stp.Decrement && (stp | 0) === stp) ||
        (postOnly === 1 && (tif !== Tif.Gtc || isMarket))
      ) {
        reason = Reject.BadField;
        break checks;
      }
      if (!this.qtyValid(book, qtyLots)) {
        reason = Reject.BadQuantity;
        break checks;
      }
      if (!(isMarket && priceTicks === 0)) {
        const tick = this.symTickSize[book]!;
        if (Math.floor(priceTicks) !== priceTicks || (tick !== 1 && priceTicks % tick !== 0))
          reason = Reject.PriceOffTick;
        else if (priceTicks < this.symPriceTicksMin[book]! || priceTicks > this.symPriceTicksMax[book]!)
          reason = Reject.PriceOutOfBand;
        if (reason !== 0) break checks;
      }
      if (isStop) {
        reason = this.priceReject(book, cmd.stopPriceTicks);
        if (reason !== 0) break checks;
      }
      if (this.idIndex.find(id) !== NIL) {
        reason = Reject.DuplicateOrderId;
        break checks;
      }
      // A limit GTC may rest: with a free slot, a free level and room in its side, it certainly fits.
      const roomy =
        this.orderFree !== NIL &&
        this.levelFree !== NIL &&
        this.ladLevelsCount[book * LADDERS_PER_BOOK + side]! < this.sideMax;
      if (isStop || postOnly === 1 || tif === Tif.Fok || (!isMarket && tif === Tif.Gtc && !roomy)) {
        reason = this.checkNewRare(
          book,
          user,
          side,
          isMarket,
          isStop,
          tif,
          postOnly,
          stp,
          priceTicks,
          qtyLots,
          cmd.stopPriceTicks,
        );
      }
    }
    if (reason !== 0) {
      this.emitReject(book, id, user, reason);
      return;
    }
    const ev = this.events;
    const i = ev.next();
    const ei = ev.i32;
    const ef = ev.f64;
    const a = i << 5;
    const b = i << 4;
    ei[a | EI_KIND] = EventKind.Accepted;
    ei[a | EI_CODE] = side;
    ei[a | EI_SIDE] = side;
    ei[a | EI_BOOK] = book;
    ef[b | EF_SEQ] = seq;
    ef[b | EF_TS_US] = tsUs;
    ef[b | EF_ID] = id;
    ef[b | EF_USER] = user;
    ef[b | EF_CLIENT] = clientId;
    ei[a | EI_PRICE] = priceTicks;
    ef[b | EF_QTY] = qtyLots;
    if (type === OrderType.StopLimit || type === OrderType.StopMarket) {
      this.placeStop(cmd);
    } else {
      let rem = qtyLots;
      if (
        type !== OrderType.Limit ||
        tif !== Tif.Gtc ||
        this.crosses(book, side, side === Side.Buy ? -priceTicks : priceTicks)
      ) {
        // As execute does for a slot-less taker, without the call.
        this.takerKilled = false;
        rem = this.match(book, side, id, user, stp, this.keyLimit(side, isMarket, priceTicks), qtyLots);
        if (this.takerKilled) rem = 0;
        else if (rem > 0 && (isMarket || tif !== Tif.Gtc)) {
          // FOK was checked fillable before matching, so only IOC and market leave a remainder.
          assert(tif !== Tif.Fok || isMarket, "a FOK limit left a remainder");
          this.emitCancelled(book, id, user, isMarket ? CancelReason.MarketRemainder : CancelReason.Ioc, rem, 0);
          rem = 0;
        }
      }
      if (rem > 0) {
        // The remainder joins the tail of its level (capacity was checked before matching): the
        // level from the price cache (a new level through levelFor), a slot from the free list,
        // its row, the id index, the FIFO link and `booked`.
        // Bids and asks are ladder kinds 0 and 1, the same numbers as the sides.
        const ladder = book * LADDERS_PER_BOOK + side;
        const li = this.lvlI;
        let lvl =
          this.ladCache[
            (ladder << PRICE_CACHE_BITS) + (Math.imul(priceTicks, 0x9e3779b1) >>> (32 - PRICE_CACHE_BITS))
          ]!;
        if (lvl === NIL || li[(lvl << 3) | LI_PRICE] !== priceTicks || li[(lvl << 3) | LI_LADDER] !== ladder) {
          lvl = this.levelFor(ladder, side === Side.Buy ? priceTicks : -priceTicks, priceTicks);
          assert(lvl !== NIL, "no level for a new order after the capacity check");
        }
        // A slot off the free list (allocOrder, written out; the capacity was checked).
        const slot = this.orderFree;
        const f = this.ordF;
        const oi = this.ordI;
        const ob = this.ordB;
        const r8 = slot << 3;
        const r16 = slot << 4;
        const r64 = slot << 6;
        assert(slot !== NIL && ob[r64 | OB_STATE] === FREE, "no free slot for a new order after the capacity check");
        this.orderFree = oi[r16 | OI_NEXT]!;
        this.ordersLive++;
        if (slot >= this.slotsHighWater) this.slotsHighWater = slot + 1;
        f[r8 | OF_ID] = id;
        f[r8 | OF_USER] = user;
        f[r8 | OF_CLIENT] = clientId;
        f[r8 | OF_QTY] = rem;
        this.ordArrivalSeqs[slot] = this.seq;
        oi[r16 | OI_PRICE] = priceTicks;
        ob[r64 | OB_SIDE] = side;
        ob[r64 | OB_STATE] = RESTING;
        ob[r64 | OB_STP] = stp;
        ob[r64 | OB_POST_ONLY] = postOnly;
        ob[r64 | OB_TYPE] = OrderType.Limit;
        ob[r64 | OB_TIF] = Tif.Gtc;
        this.ordH[(slot << 5) | OH_BOOK] = book;
        oi[r16 | OI_STOP] = 0;
        this.idIndex.insert(slot);
        // Link at the tail of the level's FIFO.
        const lr = lvl << 3;
        const tail = li[lr | LI_TAIL]!;
        oi[r16 | OI_LEVEL] = lvl;
        oi[r16 | OI_NEXT] = NIL;
        oi[r16 | OI_PREV] = tail;
        if (tail !== NIL) oi[(tail << 4) | OI_NEXT] = slot;
        else li[lr | LI_HEAD] = slot;
        li[lr | LI_TAIL] = slot;
        if (li[lr | LI_COUNT]!++ === 0) {
          this.levelsEmpty--;
          this.ladLevelsEmpty[ladder]!--;
        }
        this.lvlF[(lvl << 2) | LF_QTY]! += rem;
        const ev = this.events;
        const i = ev.next();
        const ei = ev.i32;
        const ef = ev.f64;
        const a = i << 5;
        const b = i << 4;
        ei[a | EI_KIND] = EventKind.Booked;
        ei[a | EI_CODE] = 0;
        ei[a | EI_SIDE] = side;
        ei[a | EI_BOOK] = book;
        ef[b | EF_SEQ] = this.seq;
        ef[b | EF_TS_US] = this.tsUs;
        ef[b | EF_ID] = id;
        ef[b | EF_USER] = user;
        ef[b | EF_CLIENT] = clientId;
        ei[a | EI_PRICE] = priceTicks;
        ef[b | EF_QTY] = rem;
      }
    }
    if (this.electedTail !== 0) this.runElected(book);
  }

  private cancel(cmd: EngineCommand): void {
    assert(this.electedHead === this.electedTail, "a command starts with stops still elected");
    const seq = cmd.engineSeq;
    const book = cmd.symbolId;
    const id = cmd.orderId;
    const user = cmd.userId;
    this.seq = seq;
    this.tsUs = Math.floor(cmd.receivedNs / 1000);
    this.lastSeq = seq;
    this.subjectSide = cmd.side === Side.Sell ? Side.Sell : Side.Buy;
    this.subjectClientId = cmd.clientOrderId;
    const slot = isId(id) ? this.idIndex.find(id) : NIL;
    let reason = 0;
    if (!this.isBook(book)) reason = Reject.UnknownSymbol;
    else if (slot === NIL || this.ordH[(slot << 5) | OH_BOOK] !== book) reason = Reject.UnknownOrder;
    else if (this.ordF[(slot << 3) | OF_USER] !== user) reason = Reject.NotOwner;
    if (reason !== 0) {
      this.emitReject(book, id, user, reason);
      return;
    }
    this.cancelLive(slot, CancelReason.User);
  }

  private modify(cmd: EngineCommand): void {
    assert(this.electedHead === this.electedTail, "a command starts with stops still elected");
    const seq = cmd.engineSeq;
    const book = cmd.symbolId;
    const id = cmd.orderId;
    const user = cmd.userId;
    const priceTicks = cmd.priceTicks;
    const qtyLots = cmd.qtyLots;
    this.seq = seq;
    this.tsUs = Math.floor(cmd.receivedNs / 1000);
    this.lastSeq = seq;
    this.subjectSide = cmd.side === Side.Sell ? Side.Sell : Side.Buy;
    this.subjectClientId = cmd.clientOrderId;
    const found = isId(id) ? this.idIndex.find(id) : NIL;
    const slot = found !== NIL && this.ordH[(found << 5) | OH_BOOK] === book ? found : NIL;
    const reason = this.checkModify(book, slot, user, priceTicks, qtyLots);
    if (reason !== 0) {
      this.emitReject(book, id, user, reason);
      return;
    }
    const f = this.ordF;
    const r8 = slot << 3;
    this.subjectSide = this.ordB[(slot << 6) | OB_SIDE]!;
    this.subjectClientId = f[r8 | OF_CLIENT]!;
    const oldPriceTicks = this.ordI[(slot << 4) | OI_PRICE]!;
    const oldQtyLots = f[r8 | OF_QTY]!;
    if (priceTicks === oldPriceTicks && qtyLots <= oldQtyLots) {
      // Same price, no increase: in place, time priority kept.
      f[r8 | OF_QTY] = qtyLots;
      this.lvlF[(this.ordI[(slot << 4) | OI_LEVEL]! << 2) | LF_QTY]! -= oldQtyLots - qtyLots;
      this.emitModified(book, slot, oldPriceTicks, oldQtyLots);
      return;
    }
    this.reprice(book, slot, priceTicks, qtyLots, oldPriceTicks, oldQtyLots);
  }

  /** A modify that leaves its level: the order is matched at its new price as a GTC taker and rests what is left. */
  private reprice(
    book: number,
    slot: number,
    priceTicks: number,
    qtyLots: number,
    oldPriceTicks: number,
    oldQtyLots: number,
  ): void {
    this.unlinkFromLevel(slot);
    this.ordI[(slot << 4) | OI_PRICE] = priceTicks;
    this.ordF[(slot << 3) | OF_QTY] = qtyLots;
    this.ordB[(slot << 6) | OB_STATE] = ACTIVE;
    this.emitModified(book, slot, oldPriceTicks, oldQtyLots);
    const side = this.ordB[(slot << 6) | OB_SIDE]!;
    const id = this.ordF[(slot << 3) | OF_ID]!;
    const user = this.ordF[(slot << 3) | OF_USER]!;
    const rem = this.execute(
      book,
      slot,
      id,
      user,
      side,
      OrderType.Limit,
      Tif.Gtc,
      this.ordB[(slot << 6) | OB_POST_ONLY]!,
      this.ordB[(slot << 6) | OB_STP]!,
      priceTicks,
      qtyLots,
    );
    if (rem > 0) this.rest(book, slot, priceTicks, rem);
    if (this.electedTail !== 0) this.runElected(book);
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
    sortSlotsByKey(this.slotList, count, this.ordF, 3);
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
    const f = this.ordF;
    const b = this.ordB;
    const list = this.slotList;
    let count = 0;
    for (let slot = 0; slot < this.slotsHighWater; slot++) {
      if (user >= 0 && f[(slot << 3) | OF_USER] !== user) continue;
      const state = b[(slot << 6) | OB_STATE];
      if (state !== RESTING && state !== STOP) continue;
      if (book >= 0 && this.ordH[(slot << 5) | OH_BOOK] !== book) continue;
      if (side >= 0 && this.ordB[(slot << 6) | OB_SIDE] !== side) continue;
      list[count++] = slot;
    }
    return count;
  }

  /** Takes a live order (resting or untriggered stop) out of its level, emits its cancel and frees its slot. */
  private cancelLive(slot: number, reason: number): void {
    const f = this.ordF;
    const oi = this.ordI;
    const li = this.lvlI;
    const r8 = slot << 3;
    const r16 = slot << 4;
    const r64 = slot << 6;
    const state = this.ordB[r64 | OB_STATE]!;
    const side = this.ordB[r64 | OB_SIDE]!;
    const clientId = f[r8 | OF_CLIENT]!;
    const qtyLots = f[r8 | OF_QTY]!;
    this.subjectSide = side;
    this.subjectClientId = clientId;
    // Unlink from the level's FIFO.
    const lvl = oi[r16 | OI_LEVEL]!;
    assert(lvl !== NIL && (state === RESTING || state === STOP), "cancelLive: the order is not live in a level");
    const lr = lvl << 3;
    const prev = oi[r16 | OI_PREV]!;
    const next = oi[r16 | OI_NEXT]!;
    if (prev !== NIL) oi[(prev << 4) | OI_NEXT] = next;
    else li[lr | LI_HEAD] = next;
    if (next !== NIL) oi[(next << 4) | OI_PREV] = prev;
    else li[lr | LI_TAIL] = prev;
    this.lvlF[(lvl << 2) | LF_QTY]! -= qtyLots;
    oi[r16 | OI_LEVEL] = NIL;
    if (--li[lr | LI_COUNT]! === 0) this.levelEmptied(lvl);
    // The event: the price of the level the quantity left, 0 for a stop.
    const ev = this.events;
    const i = ev.next();
    const ei = ev.i32;
    const ef = ev.f64;
    const a = i << 5;
    const b = i << 4;
    ei[a | EI_KIND] = EventKind.Cancelled;
    ei[a | EI_CODE] = reason;
    ei[a | EI_SIDE] = side;
    ei[a | EI_BOOK] = this.ordH[(slot << 5) | OH_BOOK]!;
    ef[b | EF_SEQ] = this.seq;
    ef[b | EF_TS_US] = this.tsUs;
    ef[b | EF_ID] = f[r8 | OF_ID]!;
    ef[b | EF_USER] = f[r8 | OF_USER]!;
    ef[b | EF_CLIENT] = clientId;
    ef[b | EF_QTY] = qtyLots;
    ei[a | EI_PRICE] = state === RESTING ? oi[r16 | OI_PRICE]! : 0;
    // Out of the id index, the slot back to the free list (freeOrder, written out).
    this.idIndex.remove(slot);
    this.ordB[r64 | OB_STATE] = FREE;
    oi[r16 | OI_GEN] = (oi[r16 | OI_GEN]! + 1) | 0;
    oi[r16 | OI_NEXT] = this.orderFree;
    this.orderFree = slot;
    this.ordersLive--;
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

  /** The checks of a new order after its duplicate-id check for stops, post-only, FOK, and capacity. */
  private checkNewRare(
    book: number,
    user: number,
    side: number,
    isMarket: boolean,
    isStop: boolean,
    tif: number,
    postOnly: number,
    stp: number,
    priceTicks: number,
    qtyLots: number,
    stopPriceTicks: number,
  ): number {
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

  private checkOwned(book: number, slot: number, user: number): number {
    if (!this.isBook(book)) return Reject.UnknownSymbol;
    if (slot === NIL) return Reject.UnknownOrder;
    if (this.ordF[(slot << 3) | OF_USER] !== user) return Reject.NotOwner;
    return 0;
  }

  private checkModify(book: number, slot: number, user: number, priceTicks: number, qtyLots: number): number {
    const owned = this.checkOwned(book, slot, user);
    if (owned !== 0) return owned;
    if (this.symStatus[book] !== TradingStatus.Open) return Reject.SymbolHalted;
    if (this.ordB[(slot << 6) | OB_STATE] !== RESTING) return Reject.NotModifiable;
    if (!this.qtyValid(book, qtyLots)) return Reject.BadQuantity;
    const r = this.priceReject(book, priceTicks);
    if (r !== 0) return r;
    const side = this.ordB[(slot << 6) | OB_SIDE]!;
    if (priceTicks === this.ordI[(slot << 4) | OI_PRICE] && qtyLots <= this.ordF[(slot << 3) | OF_QTY]!) return 0;
    if (this.ordB[(slot << 6) | OB_POST_ONLY] === 1 && this.crosses(book, side, this.keyLimit(side, false, priceTicks)))
      return Reject.PostOnlyWouldTake;
    // Leaving a level that holds only this order frees a level for the new price.
    if (this.lvlI[(this.ordI[(slot << 4) | OI_LEVEL]! << 3) | LI_COUNT] === 1) return 0;
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
    return n > 0 && this.ladRows[(ladder * this.sideMax + n - 1) << 1]! >= keyLimit;
  }

  /** Whether a FOK taker would fill completely, walking the book as matching would. */
  private fillable(book: number, side: number, user: number, stp: number, keyLimit: number, qtyLots: number): boolean {
    const ladder = book * LADDERS_PER_BOOK + (side === Side.Buy ? ASKS : BIDS);
    const base = ladder * this.sideMax;
    let need = qtyLots;
    for (let row = this.ladLevelsCount[ladder]! - 1; row >= 0; row--) {
      if (this.ladRows[(base + row) << 1]! < keyLimit) return false;
      const lvl = this.ladRows[((base + row) << 1) | 1]!;
      if (stp === Stp.None) {
        need -= this.lvlF[(lvl << 2) | LF_QTY]!;
        if (need <= 0) return true;
        continue;
      }
      for (let o = this.lvlI[(lvl << 3) | LI_HEAD]!; o !== NIL; o = this.ordI[(o << 4) | OI_NEXT]!) {
        if (this.ordF[(o << 3) | OF_USER] === user) {
          if (stp === Stp.CancelMaker) continue;
          return false;
        }
        need -= this.ordF[(o << 3) | OF_QTY]!;
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

  /**
   * A modified order or a triggered stop-limit (its own slot) rests its remainder, or is cancelled for lack of a level.
   */
  private rest(book: number, slot: number, priceTicks: number, qtyLots: number): void {
    const side = this.ordB[(slot << 6) | OB_SIDE]!;
    const ladder = book * LADDERS_PER_BOOK + (side === Side.Buy ? BIDS : ASKS);
    const lvl = this.levelFor(ladder, side === Side.Buy ? priceTicks : -priceTicks, priceTicks);
    assert(this.ordB[(slot << 6) | OB_STATE] === ACTIVE, "rest: the order is not executing");
    if (lvl === NIL) {
      // Only a triggered stop gets here: modifies were checked before matching.
      assert(
        this.ordB[(slot << 6) | OB_TYPE] !== OrderType.Limit,
        "no level for a modified order after the capacity check",
      );
      this.emitCancelled(
        book,
        this.ordF[(slot << 3) | OF_ID]!,
        this.ordF[(slot << 3) | OF_USER]!,
        CancelReason.Capacity,
        qtyLots,
        0,
      );
      this.freeOrder(slot);
      return;
    }
    this.ordF[(slot << 3) | OF_QTY] = qtyLots;
    this.ordI[(slot << 4) | OI_PRICE] = priceTicks;
    this.ordB[(slot << 6) | OB_TYPE] = OrderType.Limit;
    this.ordB[(slot << 6) | OB_STATE] = RESTING;
    this.appendToLevel(slot, lvl);
    this.emitBooked(
      book,
      this.ordF[(slot << 3) | OF_ID]!,
      this.ordF[(slot << 3) | OF_USER]!,
      side,
      this.ordF[(slot << 3) | OF_CLIENT]!,
      priceTicks,
      qtyLots,
    );
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
    this.ordF[(slot << 3) | OF_ID] = id;
    this.ordF[(slot << 3) | OF_CLIENT] = cmd.clientOrderId;
    this.ordF[(slot << 3) | OF_USER] = cmd.userId;
    this.ordH[(slot << 5) | OH_BOOK] = cmd.symbolId;
    this.ordB[(slot << 6) | OB_SIDE] = cmd.side;
    this.ordB[(slot << 6) | OB_TYPE] = type;
    this.ordB[(slot << 6) | OB_TIF] = tif;
    this.ordB[(slot << 6) | OB_POST_ONLY] = cmd.postOnly ? 1 : 0;
    this.ordB[(slot << 6) | OB_STP] = cmd.stp;
    this.ordI[(slot << 4) | OI_PRICE] = priceTicks;
    this.ordI[(slot << 4) | OI_STOP] = isStopType(type) ? cmd.stopPriceTicks : 0;
    this.ordF[(slot << 3) | OF_QTY] = qtyLots;
    this.ordArrivalSeqs[slot] = this.seq;
    this.idIndex.insert(slot);
  }

  /**
   * Matches a taker against the opposite side, best level first; returns its
   * remaining quantity. Elects stops after each traded level. Without
   * self-trade prevention (the common case) fillLevel fills a level in one
   * loop; with it, matchLevel goes maker by maker. An emptied best level is
   * popped here (trimTop only when an empty level lies right below it).
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
    const stops = book * LADDERS_PER_BOOK;
    const base = ladder * this.sideMax;
    const rows = this.ladRows;
    const li = this.lvlI;
    let rem = qtyLots;
    while (rem > 0) {
      const n = this.ladLevelsCount[ladder]!;
      if (n === 0 || rows[(base + n - 1) << 1]! < keyLimit) break;
      const lvl = rows[((base + n - 1) << 1) | 1]!;
      const lr = lvl << 3;
      const priceTicks = li[lr | LI_PRICE]!;
      const tradeIdBefore = this.nextTradeId;
      rem =
        stp === Stp.None
          ? this.fillLevel(book, lvl, id, user, rem)
          : this.matchLevel(book, lvl, side, id, user, stp, rem);
      if (li[lr | LI_COUNT] === 0) {
        this.ladLevelsCount[ladder] = n - 1;
        this.freeLevel(lvl);
        if (n > 1 && li[(rows[((base + n - 2) << 1) | 1]! << 3) | LI_COUNT] === 0) this.trimTop(ladder);
      }
      if (this.nextTradeId !== tradeIdBefore) {
        this.lastPriceTicks[book] = priceTicks;
        // Every trade of a level is at its price: the first one elects what any of them would.
        if (this.ladLevelsCount[stops + STOP_BUYS]! + this.ladLevelsCount[stops + STOP_SELLS]! !== 0)
          this.elect(book, priceTicks);
      }
      if (this.takerKilled) return 0;
    }
    return rem;
  }

  /**
   * Fills a taker with no self-trade prevention against one level in FIFO
   * order; returns the taker's remaining quantity. Filled makers leave the
   * level and free their slots; the level's count and quantity are written
   * once at the end.
   */
  private fillLevel(book: number, lvl: number, id: number, user: number, qtyLots: number): number {
    const f = this.ordF;
    const oi = this.ordI;
    const ob = this.ordB;
    const li = this.lvlI;
    const ev = this.events;
    const lr = lvl << 3;
    const priceTicks = li[lr | LI_PRICE]!;
    const side = this.subjectSide;
    const clientId = this.subjectClientId;
    const seq = this.seq;
    const tsUs = this.tsUs;
    let count = li[lr | LI_COUNT]!;
    let levelQtyLots = this.lvlF[(lvl << 2) | LF_QTY]!;
    let rem = qtyLots;
    let o = li[lr | LI_HEAD]!;
    while (o !== NIL && rem > 0) {
      const r8 = o << 3;
      const makerQtyLots = f[r8 | OF_QTY]!;
      const fill = makerQtyLots <= rem ? makerQtyLots : rem;
      rem -= fill;
      levelQtyLots -= fill;
      const i = ev.next();
      const ei = ev.i32;
      const ef = ev.f64;
      const a = i << 5;
      const b = i << 4;
      ei[a | EI_KIND] = EventKind.Trade;
      ei[a | EI_CODE] = side;
      ei[a | EI_SIDE] = side;
      ei[a | EI_BOOK] = book;
      ef[b | EF_SEQ] = seq;
      ef[b | EF_TS_US] = tsUs;
      ef[b | EF_ID] = id;
      ef[b | EF_USER] = user;
      ef[b | EF_CLIENT] = clientId;
      ei[a | EI_PRICE] = priceTicks;
      ef[b | EF_QTY] = fill;
      ef[b | EF_LEAVES] = rem;
      ef[b | EF_OTHER_ID] = f[r8 | OF_ID]!;
      ef[b | EF_OTHER_USER] = f[r8 | OF_USER]!;
      ef[b | EF_OTHER_CLIENT] = f[r8 | OF_CLIENT]!;
      ef[b | EF_OTHER_LEAVES] = makerQtyLots - fill;
      ef[b | EF_TRADE_ID] = this.nextTradeId++;
      if (fill !== makerQtyLots) {
        f[r8 | OF_QTY] = makerQtyLots - fill;
        break;
      }
      // The maker leaves the book: out of the id index, its slot back to the free list (freeOrder, written out).
      const r16 = o << 4;
      const next = oi[r16 | OI_NEXT]!;
      oi[r16 | OI_LEVEL] = NIL;
      count--;
      this.idIndex.remove(o);
      ob[(o << 6) | OB_STATE] = FREE;
      oi[r16 | OI_GEN] = (oi[r16 | OI_GEN]! + 1) | 0;
      oi[r16 | OI_NEXT] = this.orderFree;
      this.orderFree = o;
      this.ordersLive--;
      o = next;
    }
    li[lr | LI_HEAD] = o;
    if (o === NIL) li[lr | LI_TAIL] = NIL;
    else oi[(o << 4) | OI_PREV] = NIL;
    li[lr | LI_COUNT] = count;
    this.lvlF[(lvl << 2) | LF_QTY] = levelQtyLots;
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
    const priceTicks = this.lvlI[(lvl << 3) | LI_PRICE]!;
    const f = this.ordF;
    let rem = qtyLots;
    let o = this.lvlI[(lvl << 3) | LI_HEAD]!;
    while (o !== NIL && rem > 0) {
      const next = this.ordI[(o << 4) | OI_NEXT]!;
      if (stp !== Stp.None && this.ordF[(o << 3) | OF_USER] === user) {
        rem = this.selfTrade(book, o, id, user, stp, rem);
        if (this.takerKilled) return 0;
        o = next;
        continue;
      }
      const makerQtyLots = f[(o << 3) | OF_QTY]!;
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
    const lvl = this.ordI[(o << 4) | OI_LEVEL]!;
    const makerQtyLots = this.ordF[(o << 3) | OF_QTY]!;
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
    this.ordB[(slot << 6) | OB_STATE] = STOP;
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
      if (n === 0 || this.ladRows[(base + n - 1) << 1]! < keyMin) return;
      const lvl = this.ladRows[((base + n - 1) << 1) | 1]!;
      assert(this.lvlI[(lvl << 3) | LI_COUNT]! > 0, "electLadder: the best stop level is empty");
      for (let o = this.lvlI[(lvl << 3) | LI_HEAD]!; o !== NIL;) {
        const next = this.ordI[(o << 4) | OI_NEXT]!;
        assert(this.electedTail < this.slotList.length, "election queue overflow");
        this.ordB[(o << 6) | OB_STATE] = ELECTED;
        this.ordI[(o << 4) | OI_LEVEL] = NIL;
        this.slotList[this.electedTail++] = o;
        o = next;
      }
      this.lvlI[(lvl << 3) | LI_HEAD] = NIL;
      this.lvlI[(lvl << 3) | LI_TAIL] = NIL;
      this.lvlF[(lvl << 2) | LF_QTY] = 0;
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
    assert(this.ordB[(slot << 6) | OB_STATE] === ELECTED, "trigger: the order was not elected");
    const id = this.ordF[(slot << 3) | OF_ID]!;
    const user = this.ordF[(slot << 3) | OF_USER]!;
    const side = this.ordB[(slot << 6) | OB_SIDE]!;
    const qtyLots = this.ordF[(slot << 3) | OF_QTY]!;
    const priceTicks = this.ordI[(slot << 4) | OI_PRICE]!;
    const stp = this.ordB[(slot << 6) | OB_STP]!;
    const tif = this.ordB[(slot << 6) | OB_TIF]!;
    const type = this.ordB[(slot << 6) | OB_TYPE] === OrderType.StopLimit ? OrderType.Limit : OrderType.Market;
    this.subjectOrder(slot);
    this.emitTriggered(book, slot);
    this.ordB[(slot << 6) | OB_STATE] = ACTIVE;
    const keyLimit = this.keyLimit(side, type === OrderType.Market, priceTicks);
    let reason = 0;
    if (this.ordB[(slot << 6) | OB_POST_ONLY] === 1 && this.crosses(book, side, keyLimit))
      reason = CancelReason.PostOnly;
    else if (tif === Tif.Fok && !this.fillable(book, side, user, stp, keyLimit, qtyLots)) reason = CancelReason.Fok;
    if (reason !== 0) {
      this.emitCancelled(book, id, user, reason, qtyLots, 0);
      this.freeOrder(slot);
      return;
    }
    const rem = this.execute(
      book,
      slot,
      id,
      user,
      side,
      type,
      tif,
      this.ordB[(slot << 6) | OB_POST_ONLY]!,
      stp,
      priceTicks,
      qtyLots,
    );
    if (rem > 0) this.rest(book, slot, priceTicks, rem);
  }
}
