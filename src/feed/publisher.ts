// From the market-data stream to feed frames: collects each symbol's records
// per channel, and at most every `frameMs` (or when a batch fills) turns each
// channel's collection into one frame, stamped with the channel's next
// sequence number and the book checksum, and publishes it on the channel's
// topic. Only channels someone listens to are collected and framed.
//
// A channel's frames are numbered 1, 2, 3, ... per (symbol, channel); a
// snapshot carries the number of the last frame it includes. Before a
// snapshot is taken the symbol's pending frames are flushed, so the snapshot
// is exactly the state after its numbered frame. Depth frames are conflated:
// at most one per symbol per `depthPeriodMs`, sent at once when the period has
// passed and at the period's end otherwise.
//
// While a connection is still receiving a large snapshot (it subscribes only
// afterwards), the frames published on its channel are retained so it can be
// handed the ones after its snapshot before joining the topic.

import type { BookMirror } from "../marketdata/book.ts";
import type { CandleAggregator } from "../marketdata/candles.ts";
import { BookChecksum, checksumLevels } from "../marketdata/checksum.ts";
import { intervalCount } from "../marketdata/intervals.ts";
import type { BboRow, LevelChangeRow, OrderChangeRow } from "../marketdata/rows.ts";
import type { MarketDataSink, MarketDataStream } from "../marketdata/stream.ts";
import type { TickRing } from "../marketdata/tick-ring.ts";
import type { TradeRow } from "../marketdata/trade.ts";
import { Side } from "../engine/constants.ts";
import { LevelBatch, OrderBatch, TradeBatch } from "./batches.ts";
import { Channel, type FeedLimits, frameEntriesMax } from "./constants.ts";
import { FrameEncoder, type FrameStamp } from "./encode.ts";

/** Channel slots per symbol: the five book and trade channels, then one per candle interval. */
export const Slot = { Trades: 0, Book: 1, Bbo: 2, Orders: 3, Depth: 4, Candles: 5 } as const;
export const slotsPerSymbol = Slot.Candles + intervalCount;
const slotNames = ["trades", "book", "bbo", "orders", "depth"];
const intervalTopicNames = ["1m", "5m", "15m", "1h", "4h", "1d"];

/** The slot of a channel (and candle interval), or -1. */
export function slotOf(channel: number, interval: number): number {
  switch (channel) {
    case Channel.Trades:
      return Slot.Trades;
    case Channel.Book:
      return Slot.Book;
    case Channel.Bbo:
      return Slot.Bbo;
    case Channel.Orders:
      return Slot.Orders;
    case Channel.Depth:
      return Slot.Depth;
    case Channel.Candles:
      return interval >= 0 && interval < intervalCount ? Slot.Candles + interval : -1;
    default:
      return -1;
  }
}

export type Publish = (topic: string, frame: Uint8Array) => void;

interface Retained {
  seq: number;
  bytes: Uint8Array;
}

/** Per-symbol collections, made when the symbol first gets a listener. */
class SymbolBatches {
  readonly trades = new TradeBatch();
  readonly levels = new LevelBatch();
  readonly orders = new OrderBatch();
  /** A part with `more` went out: the next flush must end the batch even if nothing else came. */
  levelsOpen = false;
  ordersOpen = false;
}

export class FeedPublisher implements MarketDataSink {
  readonly limits: FeedLimits;
  readonly symbolsMax: number;
  /** Listeners per (symbol, slot): subscribers plus connections still taking a snapshot. */
  readonly listeners: Int32Array;
  /** Last frame number per (symbol, slot). */
  readonly seqs: Float64Array;
  readonly topics: string[];
  /** Frames published (all channels), for stats and tests. */
  framesPublished = 0;
  /** Longest wait of a trade from its engine time to the publish of its frame, ms (the server's share of the delay). */
  tradeLagMsMax = 0;
  /**
   * Called at the end of every flush with the (symbol * slotsPerSymbol + slot)
   * keys that got frames since the last call: the server checks those
   * subscribers' unread bytes right away.
   */
  onFlushed: ((keys: Int32Array, count: number) => void) | null = null;
  private readonly publishedKeys: Int32Array;
  private readonly publishedFlag: Uint8Array;
  private publishedCount = 0;

  private readonly mirror: BookMirror;
  private readonly stream: MarketDataStream;
  private readonly ticks: TickRing | null;
  private readonly candles: CandleAggregator | null;
  private readonly publish: Publish;
  private readonly now: () => number;
  private readonly encoder = new FrameEncoder();
  private readonly checksum = new BookChecksum();
  private readonly batches: (SymbolBatches | null)[];
  private readonly stamp: FrameStamp = { seq: 0, engineSeq: 0, engineTimeUs: 0 };

  // Per symbol: pending best bid/offer, whether it traded, depth bookkeeping.
  private readonly bbo: Float64Array;
  private readonly bboPending: Uint8Array;
  private readonly traded: Uint8Array;
  private readonly depthVersion: Float64Array;
  private readonly depthSentMs: Float64Array;
  private readonly tradesSentMs: Float64Array;
  private readonly dirty: Int32Array;
  private readonly dirtyFlag: Uint8Array;
  private dirtyCount = 0;
  private readonly depthBids = new LevelBatch();
  private readonly depthAsks = new LevelBatch();
  /** Scratch lists for snapshots: each frame is encoded and copied before the next one is cut. */
  private readonly scratchTrades = new TradeBatch();
  private readonly scratchOrders = new OrderBatch();

  private readonly retainers: Int32Array;
  private readonly retained: (Retained[] | null)[];
  private readonly retainedBytes: Float64Array;

  private lastFlushMs = -Infinity;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private timerDueMs = Infinity;
  private stopped = false;

  constructor(
    stream: MarketDataStream,
    recent: { ticks: TickRing; candles: CandleAggregator } | null,
    limits: FeedLimits,
    publish: Publish,
    now: () => number = () => performance.now(),
  ) {
    this.stream = stream;
    this.mirror = stream.book;
    this.ticks = recent?.ticks ?? null;
    this.candles = recent?.candles ?? null;
    this.limits = limits;
    this.publish = publish;
    this.now = now;
    const n = stream.symbolsMax;
    this.symbolsMax = n;
    this.listeners = new Int32Array(n * slotsPerSymbol);
    this.seqs = new Float64Array(n * slotsPerSymbol);
    this.topics = [];
    for (let s = 0; s < n; s++) {
      for (const name of slotNames) this.topics.push(`${s}/${name}`);
      for (const name of intervalTopicNames) this.topics.push(`${s}/candles/${name}`);
    }
    this.batches = new Array<SymbolBatches | null>(n).fill(null);
    this.bbo = new Float64Array(n * 6);
    this.bboPending = new Uint8Array(n);
    this.traded = new Uint8Array(n);
    this.depthVersion = new Float64Array(n).fill(-1);
    this.depthSentMs = new Float64Array(n).fill(-Infinity);
    this.tradesSentMs = new Float64Array(n).fill(-Infinity);
    this.dirty = new Int32Array(n);
    this.dirtyFlag = new Uint8Array(n);
    this.retainers = new Int32Array(n * slotsPerSymbol);
    this.retained = new Array<Retained[] | null>(n * slotsPerSymbol).fill(null);
    this.retainedBytes = new Float64Array(n * slotsPerSymbol);
    this.publishedKeys = new Int32Array(n * slotsPerSymbol);
    this.publishedFlag = new Uint8Array(n * slotsPerSymbol);
  }

  topic(symbol: number, slot: number): string {
    return this.topics[symbol * slotsPerSymbol + slot]!;
  }

  // ---- listeners ----

  /** A connection starts listening to (symbol, slot); `retain` while it still takes a snapshot. */
  addListener(symbol: number, slot: number, retain: boolean): void {
    const k = symbol * slotsPerSymbol + slot;
    this.listeners[k]!++;
    if (this.batches[symbol] === null) this.batches[symbol] = new SymbolBatches();
    if (retain) this.retainers[k]!++;
  }

  removeListener(symbol: number, slot: number, retaining: boolean): void {
    const k = symbol * slotsPerSymbol + slot;
    if (!(this.listeners[k]! > 0)) throw new Error(`feed: no listener left on ${this.topics[k]}`);
    this.listeners[k]!--;
    if (retaining) this.stopRetaining(symbol, slot);
  }

  /** The connection that took a snapshot now listens through the topic. */
  stopRetaining(symbol: number, slot: number): void {
    const k = symbol * slotsPerSymbol + slot;
    if (!(this.retainers[k]! > 0)) throw new Error(`feed: no retainer left on ${this.topics[k]}`);
    if (--this.retainers[k]! === 0) {
      this.retained[k] = null;
      this.retainedBytes[k] = 0;
    }
  }

  /**
   * Hands `send` every retained frame of (symbol, slot) numbered after `seq`,
   * in order. False when some of them are no longer retained.
   */
  replayRetained(symbol: number, slot: number, seq: number, send: (frame: Uint8Array) => void): boolean {
    const k = symbol * slotsPerSymbol + slot;
    const last = this.seqs[k]!;
    if (last === seq) return true;
    const list = this.retained[k] ?? null;
    if (list === null || list.length === 0 || list[0]!.seq > seq + 1) return false;
    for (const r of list) if (r.seq > seq) send(r.bytes);
    return list[list.length - 1]!.seq === last;
  }

  // ---- MarketDataSink ----

  onTrade(t: TradeRow): void {
    const s = t.symbolId;
    this.traded[s] = 1;
    this.markDirty(s);
    if (this.listeners[s * slotsPerSymbol + Slot.Trades] === 0) return;
    const b = this.batches[s]!.trades;
    b.push(t.tradeId, t.priceTicks, t.qtyLots, t.tsUs, t.takerSide);
    if (b.full) this.flushTrades(s);
  }

  onOrder(c: OrderChangeRow): void {
    const s = c.symbolId;
    this.markDirty(s);
    if (this.listeners[s * slotsPerSymbol + Slot.Orders] === 0) return;
    const sb = this.batches[s]!;
    sb.orders.push(c.kind, c.side, c.priceTicks, c.orderId, c.qtyLots);
    if (sb.orders.full) this.flushOrders(s, true);
  }

  onLevel(c: LevelChangeRow): void {
    const s = c.symbolId;
    this.markDirty(s);
    if (this.listeners[s * slotsPerSymbol + Slot.Book] === 0) return;
    const sb = this.batches[s]!;
    sb.levels.push(c.side, c.priceTicks, c.qtyLots, c.ordersCount);
    if (sb.levels.full) this.flushLevels(s, true);
  }

  onBbo(b: BboRow): void {
    const s = b.symbolId;
    const at = s * 6;
    this.bbo[at] = b.bidPriceTicks;
    this.bbo[at + 1] = b.bidQtyLots;
    this.bbo[at + 2] = b.bidOrders;
    this.bbo[at + 3] = b.askPriceTicks;
    this.bbo[at + 4] = b.askQtyLots;
    this.bbo[at + 5] = b.askOrders;
    this.bboPending[s] = 1;
    this.markDirty(s);
  }

  onReleased(): void {
    if (this.dirtyCount === 0 || this.stopped) return;
    const wait = this.lastFlushMs + this.limits.frameMs - this.now();
    if (wait <= 0) this.flush();
    else this.arm(wait);
  }

  // ---- flushing ----

  /** Frames and publishes everything collected; sends due depth frames and re-arms for the rest. */
  flush(): void {
    const now = this.now();
    this.lastFlushMs = now;
    const n = this.dirtyCount;
    let dueMs = Infinity;
    let kept = 0;
    for (let k = 0; k < n; k++) {
      const s = this.dirty[k]!;
      const due = Math.min(this.flushSymbolDue(s, now), this.depthDue(s));
      if (due === Infinity) this.dirtyFlag[s] = 0;
      else {
        // Trades or depth not due yet (their period is not over): the symbol stays listed.
        this.dirty[kept++] = s;
        if (due < dueMs) dueMs = due;
      }
    }
    this.dirtyCount = kept;
    if (kept > 0) this.arm(Math.max(1, dueMs - this.now()));
    const published = this.publishedCount;
    if (published === 0) return;
    for (let k = 0; k < published; k++) this.publishedFlag[this.publishedKeys[k]!] = 0;
    this.publishedCount = 0;
    this.onFlushed?.(this.publishedKeys, published);
  }

  /** Publishes everything the symbol has collected now (before a snapshot is taken). */
  flushSymbol(s: number): void {
    this.flushSymbolDue(s, Infinity);
  }

  /**
   * Publishes the symbol's collected book, order and BBO changes, and its
   * trades and candles when their period (`tradesFrameMs`) has passed by
   * `now`. Returns when the trades are due, or Infinity when nothing waits.
   */
  private flushSymbolDue(s: number, now: number): number {
    const sb = this.batches[s] ?? null;
    if (sb !== null) {
      if (sb.levels.count > 0 || sb.levelsOpen) this.flushLevels(s, false);
      if (sb.orders.count > 0 || sb.ordersOpen) this.flushOrders(s, false);
    }
    const base = s * slotsPerSymbol;
    if (this.bboPending[s] === 1) {
      this.bboPending[s] = 0;
      if (this.listeners[base + Slot.Bbo]! > 0)
        this.publishFrame(s, Slot.Bbo, this.bboFrame(s, this.nextSeq(s, Slot.Bbo)));
    }
    if (this.traded[s] === 0) return Infinity;
    // Trades (and the candles they move) go out at most every tradesFrameMs: with 1,000 clients on a
    // symbol's trades each frame is 1,000 socket writes, and a tape does not need 5 ms frames.
    const due = this.tradesSentMs[s]! + this.limits.tradesFrameMs;
    if (now < due) return due;
    this.tradesSentMs[s] = now === Infinity ? this.now() : now;
    this.traded[s] = 0;
    if (sb !== null && sb.trades.count > 0) this.flushTrades(s);
    if (this.candles !== null) {
      for (let i = 0; i < intervalCount; i++) {
        if (this.listeners[base + Slot.Candles + i]! > 0)
          this.publishFrame(s, Slot.Candles + i, this.liveCandleFrame(s, i, this.nextSeq(s, Slot.Candles + i)));
      }
    }
    return Infinity;
  }

  /**
   * Milliseconds (on `now`) when the symbol's next depth frame is due; Infinity when none is. Sends it when due now.
   */
  private depthDue(s: number): number {
    if (this.listeners[s * slotsPerSymbol + Slot.Depth] === 0) return Infinity;
    if (this.depthVersion[s] === this.mirror.bookVersion[s]) return Infinity;
    const due = this.depthSentMs[s]! + this.limits.depthPeriodMs;
    const now = this.now();
    if (now < due) return due;
    this.depthSentMs[s] = now;
    this.depthVersion[s] = this.mirror.bookVersion[s]!;
    this.publishFrame(s, Slot.Depth, this.depthFrame(s, this.nextSeq(s, Slot.Depth)));
    return Infinity;
  }

  private flushTrades(s: number): void {
    const b = this.batches[s]!.trades;
    // How long the oldest trade of the frame waited for it (wall clock against engine time; stats only).
    const lagMs = performance.timeOrigin + performance.now() - b.tsUs[0]! / 1000;
    if (lagMs > this.tradeLagMsMax) this.tradeLagMsMax = lagMs;
    this.publishFrame(s, Slot.Trades, this.encoder.trades(s, this.nextSeq(s, Slot.Trades), false, b, 0, b.count));
    b.count = 0;
  }

  private flushLevels(s: number, more: boolean): void {
    const sb = this.batches[s]!;
    const stamp = this.stampFor(s, Slot.Book);
    const checksum = more ? 0 : this.bookChecksum(s);
    this.publishFrame(s, Slot.Book, this.encoder.bookUpdate(s, stamp, sb.levels, 0, sb.levels.count, checksum, more));
    sb.levels.count = 0;
    sb.levelsOpen = more;
  }

  private flushOrders(s: number, more: boolean): void {
    const sb = this.batches[s]!;
    const stamp = this.stampFor(s, Slot.Orders);
    const checksum = more ? 0 : this.bookChecksum(s);
    this.publishFrame(
      s,
      Slot.Orders,
      this.encoder.ordersUpdate(s, stamp, sb.orders, 0, sb.orders.count, checksum, more),
    );
    sb.orders.count = 0;
    sb.ordersOpen = more;
  }

  private publishFrame(s: number, slot: number, frame: Uint8Array): void {
    const k = s * slotsPerSymbol + slot;
    this.framesPublished++;
    if (this.publishedFlag[k] === 0) {
      this.publishedFlag[k] = 1;
      this.publishedKeys[this.publishedCount++] = k;
    }
    if (this.retainers[k]! > 0) this.retain(k, frame);
    this.publish(this.topics[k]!, frame);
  }

  private retain(k: number, frame: Uint8Array): void {
    let list = this.retained[k] ?? null;
    if (list === null) {
      list = [];
      this.retained[k] = list;
    }
    list.push({ seq: this.seqs[k]!, bytes: frame.slice() });
    this.retainedBytes[k]! += frame.length;
    while (this.retainedBytes[k]! > this.limits.retainBytesMax && list.length > 1) {
      this.retainedBytes[k]! -= list.shift()!.bytes.length;
    }
  }

  private nextSeq(s: number, slot: number): number {
    return ++this.seqs[s * slotsPerSymbol + slot]!;
  }

  private stampFor(s: number, slot: number): FrameStamp {
    const st = this.stamp;
    st.seq = this.nextSeq(s, slot);
    st.engineSeq = this.stream.releasedSeq;
    st.engineTimeUs = this.stream.releasedTsUs;
    return st;
  }

  private markDirty(s: number): void {
    if (this.dirtyFlag[s] === 0) {
      this.dirtyFlag[s] = 1;
      this.dirty[this.dirtyCount++] = s;
    }
  }

  private arm(waitMs: number): void {
    const due = this.now() + waitMs;
    if (this.timer !== null) {
      if (this.timerDueMs <= due) return;
      clearTimeout(this.timer);
    }
    this.timerDueMs = due;
    this.timer = setTimeout(this.onTimer, waitMs);
  }

  private readonly onTimer = (): void => {
    this.timer = null;
    this.timerDueMs = Infinity;
    if (!this.stopped) this.flush();
  };

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  // ---- frames from the current state (snapshots, depth, bbo) ----

  /** CRC32 of the top 10 levels per side of the mirror (checksum.ts). */
  bookChecksum(s: number): number {
    const c = this.checksum;
    const m = this.mirror;
    c.reset();
    m.forTopLevels(s, Side.Sell, checksumLevels, (lvl) => c.level(m.lvlPrice[lvl]!, m.lvlQty[lvl]!));
    m.forTopLevels(s, Side.Buy, checksumLevels, (lvl) => c.level(m.lvlPrice[lvl]!, m.lvlQty[lvl]!));
    return c.value();
  }

  /** The current frame number of (symbol, slot): the one a snapshot taken now includes. */
  seqOf(s: number, slot: number): number {
    return this.seqs[s * slotsPerSymbol + slot]!;
  }

  bboFrame(s: number, seq: number): Uint8Array {
    const st = this.stamp;
    st.seq = seq;
    st.engineSeq = this.stream.releasedSeq;
    st.engineTimeUs = this.stream.releasedTsUs;
    const b = this.bbo;
    const at = s * 6;
    return this.encoder.bbo(s, st, b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!);
  }

  /** The best bid/offer as the mirror holds it now (a subscription's first frame). */
  currentBboFrame(s: number): Uint8Array {
    const m = this.mirror;
    const bid = m.bestLevel(s, Side.Buy);
    const ask = m.bestLevel(s, Side.Sell);
    const b = this.bbo;
    const at = s * 6;
    b[at] = bid < 0 ? 0 : m.lvlPrice[bid]!;
    b[at + 1] = bid < 0 ? 0 : m.lvlQty[bid]!;
    b[at + 2] = bid < 0 ? 0 : m.lvlCount[bid]!;
    b[at + 3] = ask < 0 ? 0 : m.lvlPrice[ask]!;
    b[at + 4] = ask < 0 ? 0 : m.lvlQty[ask]!;
    b[at + 5] = ask < 0 ? 0 : m.lvlCount[ask]!;
    return this.bboFrame(s, this.seqOf(s, Slot.Bbo));
  }

  depthFrame(s: number, seq: number): Uint8Array {
    const m = this.mirror;
    const bids = this.depthBids;
    const asks = this.depthAsks;
    bids.count = 0;
    asks.count = 0;
    const levels = this.limits.depthLevels;
    m.forTopLevels(s, Side.Buy, levels, (lvl) =>
      bids.push(Side.Buy, m.lvlPrice[lvl]!, m.lvlQty[lvl]!, m.lvlCount[lvl]!),
    );
    m.forTopLevels(s, Side.Sell, levels, (lvl) =>
      asks.push(Side.Sell, m.lvlPrice[lvl]!, m.lvlQty[lvl]!, m.lvlCount[lvl]!),
    );
    const st = this.stamp;
    st.seq = seq;
    st.engineSeq = this.stream.releasedSeq;
    st.engineTimeUs = this.stream.releasedTsUs;
    return this.encoder.depth(s, st, bids, asks, this.bookChecksum(s));
  }

  /** The depth picture now, numbered as the last depth frame (a subscription's first frame). */
  currentDepthFrame(s: number): Uint8Array {
    return this.depthFrame(s, this.seqOf(s, Slot.Depth));
  }

  /** The level-2 book now, in parts of at most frameEntriesMax levels per side (copies: they may wait for `drain`). */
  bookSnapshot(s: number): Uint8Array[] {
    const m = this.mirror;
    const bids = listLevels(m, s, Side.Buy);
    const asks = listLevels(m, s, Side.Sell);
    const seq = this.seqOf(s, Slot.Book);
    const checksum = this.bookChecksum(s);
    const parts = Math.max(1, Math.ceil(bids.count / frameEntriesMax), Math.ceil(asks.count / frameEntriesMax));
    const out: Uint8Array[] = [];
    for (let p = 0; p < parts; p++) {
      const from = p * frameEntriesMax;
      out.push(
        this.encoder
          .bookSnapshot(
            s,
            seq,
            this.stream.releasedSeq,
            p,
            parts,
            bids.batch,
            Math.min(from, bids.count),
            Math.min(from + frameEntriesMax, bids.count),
            asks.batch,
            Math.min(from, asks.count),
            Math.min(from + frameEntriesMax, asks.count),
            checksum,
          )
          .slice(),
      );
    }
    return out;
  }

  /** Every resting order of the symbol, per side best level first and in queue order, in parts. */
  ordersSnapshot(s: number): Uint8Array[] {
    const m = this.mirror;
    const seq = this.seqOf(s, Slot.Orders);
    const checksum = this.bookChecksum(s);
    const total = countOrders(m, s, Side.Buy) + countOrders(m, s, Side.Sell);
    const parts = Math.max(1, Math.ceil(total / frameEntriesMax));
    const out: Uint8Array[] = [];
    const batch = this.scratchOrders;
    batch.count = 0;
    const emit = () => {
      out.push(
        this.encoder
          .ordersSnapshot(s, seq, this.stream.releasedSeq, out.length, parts, batch, 0, batch.count, checksum)
          .slice(),
      );
      batch.count = 0;
    };
    for (const side of [Side.Buy, Side.Sell]) {
      const rows = m.ladderRows(s, side);
      for (let row = 0; row < rows; row++) {
        const lvl = m.levelAtRow(s, side, row);
        for (let o = m.lvlHead[lvl]!; o !== -1; o = m.ordNext[o]!) {
          batch.push(0, side, m.ordPrice[o]!, m.ordId[o]!, m.ordQty[o]!);
          if (batch.full) emit();
        }
      }
    }
    if (batch.count > 0 || out.length < parts) emit();
    return out;
  }

  /** The trades a Trades subscription starts with: the newest `recentTrades`, oldest first. */
  tradesSnapshot(s: number): Uint8Array {
    const batch = this.batches[s]?.trades;
    const tmp = this.scratchTrades;
    tmp.count = 0;
    const ring = this.ticks;
    if (ring !== null) {
      const n = Math.min(this.limits.recentTrades, ring.size(s));
      for (let k = n - 1; k >= 0; k--) {
        const slot = ring.slotNewest(s, k);
        tmp.push(
          ring.tradeId[slot]!,
          ring.priceTicks[slot]!,
          ring.qtyLots[slot]!,
          ring.tsUs[slot]!,
          ring.takerSide[slot]!,
        );
      }
    }
    if (batch !== undefined && batch.count > 0) throw new Error("feed: trades snapshot with unflushed trades");
    return this.encoder.trades(s, this.seqOf(s, Slot.Trades), true, tmp, 0, tmp.count);
  }

  get hasCandles(): boolean {
    return this.candles !== null;
  }

  /** The recent candles of one interval, oldest first. */
  candlesSnapshot(s: number, interval: number): Uint8Array {
    const agg = this.candles;
    if (agg === null) throw new Error("feed: no candles to take a snapshot of");
    const seq = this.seqOf(s, Slot.Candles + interval);
    const series = agg.seriesOf(s, interval);
    const kept = agg.candleCount(series);
    const n = Math.min(kept, this.limits.recentCandles);
    const slots = new Int32Array(n);
    for (let k = 0; k < n; k++) slots[k] = agg.slotAt(series, kept - n + k);
    return this.encoder.candles(s, interval, seq, true, agg, slots, n);
  }

  private readonly oneSlot = new Int32Array(1);

  private liveCandleFrame(s: number, interval: number, seq: number): Uint8Array {
    const agg = this.candles!;
    const series = agg.seriesOf(s, interval);
    const kept = agg.candleCount(series);
    this.oneSlot[0] = kept === 0 ? 0 : agg.slotAt(series, kept - 1);
    return this.encoder.candles(s, interval, seq, false, agg, this.oneSlot, kept === 0 ? 0 : 1);
  }
}

function listLevels(m: BookMirror, s: number, side: number): { batch: LevelBatch; count: number } {
  const rows = m.ladderRows(s, side);
  const batch = new LevelBatch(Math.max(rows, 1));
  for (let row = 0; row < rows; row++) {
    const lvl = m.levelAtRow(s, side, row);
    // Snapshots are taken between releases, when no emptied level is left in a ladder.
    if (m.lvlCount[lvl] === 0) throw new Error(`feed: snapshot of book ${s} found an emptied level`);
    batch.push(side, m.lvlPrice[lvl]!, m.lvlQty[lvl]!, m.lvlCount[lvl]!);
  }
  return { batch, count: rows };
}

function countOrders(m: BookMirror, s: number, side: number): number {
  let n = 0;
  const rows = m.ladderRows(s, side);
  for (let row = 0; row < rows; row++) n += m.lvlCount[m.levelAtRow(s, side, row)]!;
  return n;
}
