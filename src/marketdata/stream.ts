// The market-data stream: an EventConsumer that turns the engine's events
// into trades, level-3 order changes, level-2 level changes and best
// bid/offer per symbol, and hands them to its sinks (the WebSocket feed,
// QuestDB, Kafka) only once their command is durable in the input log.
//
// Deterministic: every record's time is the engine time of its command and
// its ids are the engine's (seq, trade id, order id); the same events give
// the same records in the same order. It never reads a clock.
//
// The book it keeps (BookMirror) is rebuilt from the events alone, as the
// engine's events are self-describing (CONTRACTS.md, Engine events): Booked
// adds an order, a Trade reduces or removes its maker, Cancelled and Reduced
// carry the price of the level the quantity left (0 when it was not resting),
// Modified carries the old price and quantity. A stream attached to a running
// sequencer starts from the engine's book (seed) and follows its events.
//
// Per release (one `onDurable`): trades and order changes in event order,
// then each changed level once with its final state, then the best bid/offer
// of each book whose top changed, then `onReleased`.

import type { Engine } from "../engine/engine.ts";
import { EventKind, Side } from "../engine/constants.ts";
import type { EventBuffer } from "../engine/events.ts";
import type { EventConsumer } from "../sequencer/sequencer.ts";
import { BookMirror, type BookLimits, NIL } from "./book.ts";
import { type BookImage, bookImage } from "./book-image.ts";
import type { EventRows } from "./event-rows.ts";
import { PendingEvents, type PendingLimits, pendingLimitsDefault } from "./pending-events.ts";
import {
  type BboRow,
  type LevelChangeRow,
  newBboRow,
  newLevelChangeRow,
  newOrderChangeRow,
  OrderChangeKind,
  type OrderChangeRow,
} from "./rows.ts";
import { newTradeRow, type TradeRow } from "./trade.ts";

export interface MarketDataSink {
  onTrade(t: TradeRow): void;
  onOrder(c: OrderChangeRow): void;
  onLevel(c: LevelChangeRow): void;
  onBbo(b: BboRow): void;
  /**
   * Every record of the commands up to `seq` has been handed out; `tsUs` is the engine time of the last event released.
   */
  onReleased(seq: number, tsUs: number): void;
}

/** A sink that ignores everything: extend it and override what you need. */
export class IgnoringSink implements MarketDataSink {
  onTrade(_t: TradeRow): void {}
  onOrder(_c: OrderChangeRow): void {}
  onLevel(_c: LevelChangeRow): void {}
  onBbo(_b: BboRow): void {}
  onReleased(_seq: number, _tsUs: number): void {}
}

export interface StreamStats {
  events: number;
  trades: number;
  orderChanges: number;
  levelChanges: number;
  bboChanges: number;
  releases: number;
  /** Trades whose price x quantity passed 2^53: their quoteQty is capped at 2^53 - 1. */
  quoteQtyCapped: number;
}

export class MarketDataStream implements EventConsumer {
  readonly book: BookMirror;
  /** Where events wait for durability: a local queue, or the ring the matching thread fills (worker mode). */
  readonly pending: EventRows;
  private readonly local: PendingEvents | null;
  readonly symbolsMax: number;
  readonly stats: StreamStats = {
    events: 0,
    trades: 0,
    orderChanges: 0,
    levelChanges: 0,
    bboChanges: 0,
    releases: 0,
    quoteQtyCapped: 0,
  };
  /** Every event of the commands up to here has been released. */
  releasedSeq = 0;
  releasedTsUs = 0;

  private readonly sinks: MarketDataSink[] = [];
  private readonly trade = newTradeRow();
  private readonly order = newOrderChangeRow();
  private readonly level = newLevelChangeRow();
  private readonly bbo = newBboRow();
  /** Last best bid/offer handed out per book: price, qty, orders of each side. */
  private readonly lastBbo: Float64Array;
  /** Books changed in the current release, each listed once. */
  private readonly touched: Int32Array;
  private readonly touchedFlag: Uint8Array;
  private touchedCount = 0;
  private readonly emitLevel = (
    book: number,
    side: number,
    price: number,
    qty: number,
    count: number,
    seq: number,
  ): void => {
    const r = this.level;
    r.symbolId = book;
    r.side = side;
    r.priceTicks = price;
    r.qtyLots = qty;
    r.ordersCount = count;
    r.seq = seq;
    this.stats.levelChanges++;
    const sinks = this.sinks;
    for (let k = 0; k < sinks.length; k++) sinks[k]!.onLevel(r);
  };

  constructor(limits: BookLimits, pendingLimits: PendingLimits | EventRows = pendingLimitsDefault) {
    this.book = new BookMirror(limits);
    this.local = "rowsMax" in pendingLimits ? new PendingEvents(pendingLimits) : null;
    this.pending = this.local ?? (pendingLimits as EventRows);
    this.symbolsMax = limits.symbolsMax;
    this.lastBbo = new Float64Array(limits.symbolsMax * 6);
    this.touched = new Int32Array(limits.symbolsMax);
    this.touchedFlag = new Uint8Array(limits.symbolsMax);
  }

  /**
   * A stream sized for `engine`'s capacities, starting from its current book.
   * Call it when everything the engine holds is durable (after recovery,
   * before new input), then add it as a consumer.
   */
  static forEngine(engine: Engine, pendingLimits: PendingLimits = pendingLimitsDefault): MarketDataStream {
    const s = new MarketDataStream(mirrorLimits(engine.config), pendingLimits);
    s.seed(bookImage(engine));
    return s;
  }

  addSink(sink: MarketDataSink): void {
    if (this.sinks.includes(sink)) throw new Error("market data: sink added twice");
    this.sinks.push(sink);
  }

  removeSink(sink: MarketDataSink): void {
    const at = this.sinks.indexOf(sink);
    if (at >= 0) this.sinks.splice(at, 1);
  }

  // ---- EventConsumer ----

  onEvents(events: EventBuffer): void {
    if (this.local === null)
      throw new Error("market data: this stream reads a shared ring; its writer is the consumer");
    this.local.push(events);
  }

  onDurable(seq: number): void {
    this.release(seq);
  }

  /** Hands out every held event of the commands up to `seq`. */
  release(seq: number): void {
    if (seq < this.releasedSeq) return;
    const p = this.pending;
    let tsUs = this.releasedTsUs;
    let lastSeq = this.releasedSeq;
    while (p.count > 0 && p.seq(p.first) <= seq) {
      const r = p.first;
      tsUs = p.tsUs(r);
      lastSeq = p.seq(r);
      this.apply(r);
      p.shift();
    }
    this.book.collectLevels(this.emitLevel);
    this.emitBbos(lastSeq, tsUs);
    this.releasedSeq = seq;
    this.releasedTsUs = tsUs;
    this.stats.releases++;
    const sinks = this.sinks;
    for (let k = 0; k < sinks.length; k++) sinks[k]!.onReleased(seq, tsUs);
  }

  // ---- one event ----

  private apply(r: number): void {
    const p = this.pending;
    this.stats.events++;
    const kind = p.kind(r);
    if (kind === EventKind.Trade) this.applyTrade(r);
    else if (kind === EventKind.Booked) this.applyBooked(r);
    else if (kind === EventKind.Cancelled) {
      if (p.priceTicks(r) !== 0) this.removeOrder(p.book(r), p.id(r), r);
    } else if (kind === EventKind.Reduced) {
      if (p.priceTicks(r) !== 0) this.changeOrder(p.book(r), p.id(r), p.leavesQtyLots(r), r);
    } else if (kind === EventKind.Modified) this.applyModified(r);
  }

  private applyTrade(r: number): void {
    const p = this.pending;
    const book = p.book(r);
    const makerId = p.otherId(r);
    const makerLeaves = p.otherLeavesQtyLots(r);
    const t = this.trade;
    t.symbolId = book;
    t.tsUs = p.tsUs(r);
    t.priceTicks = p.priceTicks(r);
    t.qtyLots = p.qtyLots(r);
    const quote = t.priceTicks * t.qtyLots;
    if (quote > Number.MAX_SAFE_INTEGER) this.stats.quoteQtyCapped++;
    t.quoteQty = quote > Number.MAX_SAFE_INTEGER ? Number.MAX_SAFE_INTEGER : quote;
    t.tradeId = p.tradeId(r);
    t.seq = p.seq(r);
    t.takerSide = p.side(r);
    t.makerOrderId = makerId;
    t.takerOrderId = p.id(r);
    t.makerUserId = p.otherUser(r);
    t.takerUserId = p.user(r);
    this.stats.trades++;
    const sinks = this.sinks;
    for (let k = 0; k < sinks.length; k++) sinks[k]!.onTrade(t);
    // The maker rests on the other side at the trade price.
    if (makerLeaves === 0) this.removeOrder(book, makerId, r);
    else this.changeOrder(book, makerId, makerLeaves, r);
  }

  private applyBooked(r: number): void {
    const p = this.pending;
    const book = p.book(r);
    const seq = p.seq(r);
    if (!this.book.add(book, p.side(r), p.id(r), p.priceTicks(r), p.qtyLots(r), seq)) {
      // No level slot free: hand out the levels changed so far (which frees the emptied ones), then it fits.
      this.book.collectLevels(this.emitLevel);
      if (!this.book.add(book, p.side(r), p.id(r), p.priceTicks(r), p.qtyLots(r), seq)) {
        throw new Error(
          `market data: no level free for order ${p.id(r)} after collecting; the mirror is smaller than the engine`,
        );
      }
    }
    this.touch(book);
    this.emitOrder(OrderChangeKind.Add, book, p.id(r), p.side(r), p.priceTicks(r), p.qtyLots(r), r);
  }

  /**
   * Modified: in place when the price is the same and the quantity did not grow (RULES.md);
   * otherwise the order left its level.
   */
  private applyModified(r: number): void {
    const p = this.pending;
    const book = p.book(r);
    const id = p.id(r);
    const oldPrice = p.oldPriceTicks(r);
    if (oldPrice === 0 || !this.book.has(id)) return;
    const price = p.priceTicks(r);
    const qty = p.qtyLots(r);
    if (price === oldPrice && qty <= p.oldQtyLots(r)) {
      if (qty !== p.oldQtyLots(r)) this.changeOrder(book, id, qty, r);
      return;
    }
    this.removeOrder(book, id, r);
  }

  private changeOrder(book: number, id: number, qty: number, r: number): void {
    const m = this.book;
    const slot = m.ids.find(id);
    if (slot === NIL)
      throw new Error(`market data: seq ${this.pending.seq(r)} changes order ${id}, which is not resting`);
    m.setQty(id, qty, this.pending.seq(r));
    this.touch(book);
    this.emitOrder(OrderChangeKind.Change, book, id, m.ordSide[slot]!, m.ordPrice[slot]!, qty, r);
  }

  private removeOrder(book: number, id: number, r: number): void {
    const m = this.book;
    const slot = m.ids.find(id);
    if (slot === NIL)
      throw new Error(`market data: seq ${this.pending.seq(r)} removes order ${id}, which is not resting`);
    const side = m.ordSide[slot]!;
    const price = m.ordPrice[slot]!;
    const qty = m.ordQty[slot]!;
    m.remove(id, this.pending.seq(r));
    this.touch(book);
    this.emitOrder(OrderChangeKind.Remove, book, id, side, price, qty, r);
  }

  private emitOrder(kind: number, book: number, id: number, side: number, price: number, qty: number, r: number): void {
    const o = this.order;
    o.symbolId = book;
    o.kind = kind;
    o.orderId = id;
    o.side = side;
    o.priceTicks = price;
    o.qtyLots = qty;
    o.seq = this.pending.seq(r);
    o.tsUs = this.pending.tsUs(r);
    this.stats.orderChanges++;
    const sinks = this.sinks;
    for (let k = 0; k < sinks.length; k++) sinks[k]!.onOrder(o);
  }

  private touch(book: number): void {
    if (this.touchedFlag[book] === 0) {
      this.touchedFlag[book] = 1;
      this.touched[this.touchedCount++] = book;
    }
  }

  // ---- best bid and offer ----

  /** Hands out the best bid/offer of each touched book whose top changed, stamped with the release's last event. */
  private emitBbos(seq: number, tsUs: number): void {
    for (let k = 0; k < this.touchedCount; k++) {
      const book = this.touched[k]!;
      this.touchedFlag[book] = 0;
      if (this.readBbo(book)) {
        this.bbo.seq = seq;
        this.bbo.tsUs = tsUs;
        this.stats.bboChanges++;
        const sinks = this.sinks;
        for (let s = 0; s < sinks.length; s++) sinks[s]!.onBbo(this.bbo);
      }
    }
    this.touchedCount = 0;
  }

  /** Fills `this.bbo` for `book`; true when it differs from the last one handed out. */
  private readBbo(book: number): boolean {
    const m = this.book;
    const b = this.bbo;
    const bid = m.bestLevel(book, Side.Buy);
    const ask = m.bestLevel(book, Side.Sell);
    b.symbolId = book;
    b.bidPriceTicks = bid === NIL ? 0 : m.lvlPrice[bid]!;
    b.bidQtyLots = bid === NIL ? 0 : m.lvlQty[bid]!;
    b.bidOrders = bid === NIL ? 0 : m.lvlCount[bid]!;
    b.askPriceTicks = ask === NIL ? 0 : m.lvlPrice[ask]!;
    b.askQtyLots = ask === NIL ? 0 : m.lvlQty[ask]!;
    b.askOrders = ask === NIL ? 0 : m.lvlCount[ask]!;
    const last = this.lastBbo;
    const at = book * 6;
    const same =
      last[at] === b.bidPriceTicks &&
      last[at + 1] === b.bidQtyLots &&
      last[at + 2] === b.bidOrders &&
      last[at + 3] === b.askPriceTicks &&
      last[at + 4] === b.askQtyLots &&
      last[at + 5] === b.askOrders;
    last[at] = b.bidPriceTicks;
    last[at + 1] = b.bidQtyLots;
    last[at + 2] = b.bidOrders;
    last[at + 3] = b.askPriceTicks;
    last[at + 4] = b.askQtyLots;
    last[at + 5] = b.askOrders;
    return !same;
  }

  // ---- start from the engine's book ----

  /**
   * Copies the engine's resting orders (an image taken when everything was durable); nothing is handed out for them.
   */
  seed(img: BookImage): void {
    if (this.book.ordersLive !== 0 || this.pending.count !== 0)
      throw new Error("market data: seed a fresh stream only");
    for (let k = 0; k < img.count; k++) {
      if (!this.book.add(img.book[k]!, img.side[k]!, img.id[k]!, img.price[k]!, img.qty[k]!, img.lastSeq)) {
        throw new Error(`market data: the engine's book ${img.book[k]} does not fit the mirror`);
      }
    }
    for (let b = 0; b < this.symbolsMax; b++) this.readBbo(b);
    this.book.collectLevels(null);
    this.releasedSeq = img.lastSeq;
  }
}

/**
 * Mirror limits for an engine configuration: emptied levels wait until the end of a release, so room for as many again.
 */
export function mirrorLimits(c: {
  symbolsMax: number;
  ordersMax: number;
  levelsMax: number;
  levelsPerSideMax: number;
}): BookLimits {
  return {
    symbolsMax: c.symbolsMax,
    ordersMax: c.ordersMax,
    levelsMax: Math.min(c.levelsMax * 2, 1 << 26),
    levelsPerSideMax: c.levelsPerSideMax,
  };
}
