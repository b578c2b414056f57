// Candles from trades: a pure, deterministic aggregator. It never reads a
// clock; time comes in with each trade and with `advanceTo`, which a timer
// outside calls so a quiet market still closes its candles. Storage is
// struct-of-arrays allocated once; a trade allocates nothing.
//
// A series is one (symbol, interval); it keeps its newest `candlesPerSeries`
// candles in a ring, oldest evicted first. The newest candle of a series is
// "live" until its bucket closes, then "final": on the first trade of that
// symbol in a later bucket, or when `advanceTo(t)` passes its end. Each final
// candle is handed once to `onFinal`; live candles that changed since the last
// `collectLive` are handed to its visitor (the owner decides how often, e.g.
// once per ILP batch, so a busy symbol costs one upsert per flush, not per trade).
//
// An interval with no trades produces no candle: no ring entry, no `onFinal`,
// no row in QuestDB. Readers see a gap in open times and fill nothing.
//
// `advanceTo(t)` is a promise from the caller that no later trade has
// tsUs < t. A trade that breaks it (a stepped clock) is still counted,
// deterministically: it amends its bucket's candle in the ring (inserting one
// if the bucket had none), and an amended final candle is handed to `onFinal`
// again with the new values (same key: an upsert downstream). Only a trade
// older than everything a full ring keeps is left out of the candles, counted
// in `stats.tradesOutsideRing`.
//
// Numbers: prices are integers below 2^31; volume (lots), quote volume (quote
// units) and notional (price x lots, for the VWAP) are exact wide sums
// (wide-sum.ts, exact to 2^85). VWAP = notional / volume in price units,
// rounded half up (`vwapTicks`); the exact rational is `notional / volume`.
// Open and close are the prices of the trades with the smallest and largest
// (tsUs, tradeId) in the bucket: first and last trade for an in-order stream,
// and the same order QuestDB's first()/last() use over the stored ticks.

import { type CandleLimits, candleLimitsDefault, checkCandleLimits } from "./constants.ts";
import { bucketOpenUs, intervalCount, intervalUs } from "./intervals.ts";
import { type TradeRow, tradeRowError } from "./trade.ts";
import { wideAdd, wideAddProduct, wideBigInt, wideDivRoundHalfUp, wideText } from "./wide-sum.ts";

export const NIL = -1;

/** Called with a candle that just became final (or a final candle amended by a late trade). */
export type FinalHandler = (symbolId: number, interval: number, slot: number) => void;
/** Called with the live candle of a series that changed since the last `collectLive`. */
export type LiveVisitor = (symbolId: number, interval: number, slot: number) => void;

export interface CandleStats {
  trades: number;
  finals: number;
  /** Trades behind `advanceTo`'s watermark or behind a newer candle of their series, counted once per interval. */
  lateTrades: number;
  /** Final candles handed to `onFinal` again after a late trade changed them. */
  amendedFinals: number;
  /** Late trades older than every candle a full ring keeps: not in any candle. */
  tradesOutsideRing: number;
}

/** A candle as a plain object (edges and tests only: allocates). */
export interface CandleRecord {
  symbolId: number;
  interval: number;
  openTimeUs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: bigint;
  quoteVolume: bigint;
  notional: bigint;
  trades: number;
  vwapTicks: number;
  firstTradeId: number;
  lastTradeId: number;
  final: boolean;
}

export class CandleAggregator {
  readonly symbolsMax: number;
  readonly capacity: number;
  onFinal: FinalHandler | null = null;
  readonly stats: CandleStats = { trades: 0, finals: 0, lateTrades: 0, amendedFinals: 0, tradesOutsideRing: 0 };

  // Per candle slot (series * capacity + ring position).
  readonly openTimeUs: Float64Array;
  readonly open: Int32Array;
  readonly high: Int32Array;
  readonly low: Int32Array;
  readonly close: Int32Array;
  readonly tradeCount: Float64Array;
  readonly volumeHi: Float64Array;
  readonly volumeLo: Float64Array;
  readonly quoteHi: Float64Array;
  readonly quoteLo: Float64Array;
  readonly notionalHi: Float64Array;
  readonly notionalLo: Float64Array;
  /** (tsUs, tradeId) of the trades that set open and close. */
  readonly firstTsUs: Float64Array;
  readonly firstTradeId: Float64Array;
  readonly lastTsUs: Float64Array;
  readonly lastTradeId: Float64Array;
  /** 1 once the candle's bucket has closed. */
  readonly final: Uint8Array;

  // Per series (symbolId * intervalCount + interval).
  private readonly ringHead: Int32Array;
  private readonly ringCount: Int32Array;
  private readonly dirty: Uint8Array;
  /** Series that may be dirty, each listed once until the next `collectLive`. */
  private readonly listed: Uint8Array;
  private readonly dirtyList: Int32Array;
  private dirtyCount = 0;
  /** Every bucket ending at or before this is closed (`advanceTo`). */
  private watermarkUs = 0;

  constructor(limits: Partial<CandleLimits> = {}) {
    const l = checkCandleLimits({ ...candleLimitsDefault, ...limits });
    this.symbolsMax = l.symbolsMax;
    this.capacity = l.candlesPerSeries;
    const series = l.symbolsMax * intervalCount;
    const slots = series * l.candlesPerSeries;
    this.openTimeUs = new Float64Array(slots);
    this.open = new Int32Array(slots);
    this.high = new Int32Array(slots);
    this.low = new Int32Array(slots);
    this.close = new Int32Array(slots);
    this.tradeCount = new Float64Array(slots);
    this.volumeHi = new Float64Array(slots);
    this.volumeLo = new Float64Array(slots);
    this.quoteHi = new Float64Array(slots);
    this.quoteLo = new Float64Array(slots);
    this.notionalHi = new Float64Array(slots);
    this.notionalLo = new Float64Array(slots);
    this.firstTsUs = new Float64Array(slots);
    this.firstTradeId = new Float64Array(slots);
    this.lastTsUs = new Float64Array(slots);
    this.lastTradeId = new Float64Array(slots);
    this.final = new Uint8Array(slots);
    this.ringHead = new Int32Array(series);
    this.ringCount = new Int32Array(series);
    this.dirty = new Uint8Array(series);
    this.listed = new Uint8Array(series);
    this.dirtyList = new Int32Array(series);
  }

  /** Adds one trade to every interval of its symbol. */
  onTrade(t: TradeRow): void {
    if (!(Number.isInteger(t.symbolId) && t.symbolId >= 0 && t.symbolId < this.symbolsMax)) {
      throw new Error(`candles: symbolId ${t.symbolId} outside [0, ${this.symbolsMax})`);
    }
    const error = tradeRowError(t);
    if (error !== null) throw new Error(`candles: bad trade ${t.tradeId}: ${error}`);
    this.stats.trades++;
    for (let interval = 0; interval < intervalCount; interval++)
      this.addToSeries(t.symbolId * intervalCount + interval, interval, t);
  }

  /**
   * Closes every live candle whose bucket ends at or before `tsUs`, handing
   * each to `onFinal`. The caller promises no later trade is older than `tsUs`.
   */
  advanceTo(tsUs: number): void {
    if (!(Number.isSafeInteger(tsUs) && tsUs >= 0))
      throw new Error(`candles: advanceTo(${tsUs}) needs a non-negative safe integer`);
    if (tsUs <= this.watermarkUs) return;
    this.watermarkUs = tsUs;
    const series = this.symbolsMax * intervalCount;
    for (let s = 0; s < series; s++) {
      const count = this.ringCount[s]!;
      if (count === 0) continue;
      const slot = this.slotAt(s, count - 1);
      const interval = s % intervalCount;
      if (this.final[slot] === 0 && this.openTimeUs[slot]! + intervalUs[interval]! <= tsUs)
        this.finish(s, interval, slot);
    }
  }

  /** Hands each live candle changed since the last call to `visit`, then forgets the changes. */
  collectLive(visit: LiveVisitor): void {
    for (let k = 0; k < this.dirtyCount; k++) {
      const s = this.dirtyList[k]!;
      this.listed[s] = 0;
      if (this.dirty[s] === 0) continue;
      this.dirty[s] = 0;
      const slot = this.slotAt(s, this.ringCount[s]! - 1);
      if (this.final[slot] === 0) visit(Math.floor(s / intervalCount), s % intervalCount, slot);
    }
    this.dirtyCount = 0;
  }

  // -------------------------------------------------------------------------
  // Reading

  seriesOf(symbolId: number, interval: number): number {
    return symbolId * intervalCount + interval;
  }

  /** Candles kept for a series (at most `capacity`). */
  candleCount(series: number): number {
    return this.ringCount[series]!;
  }

  /** Slot of the k-th kept candle of a series, oldest first (k in [0, candleCount)). */
  slotAt(series: number, k: number): number {
    return series * this.capacity + ((this.ringHead[series]! + k) % this.capacity);
  }

  /** Slot of the series' live candle, or NIL when its newest candle is final or it has none. */
  liveSlot(symbolId: number, interval: number): number {
    const s = this.seriesOf(symbolId, interval);
    const count = this.ringCount[s]!;
    if (count === 0) return NIL;
    const slot = this.slotAt(s, count - 1);
    return this.final[slot] === 0 ? slot : NIL;
  }

  /** VWAP in price units, rounded half up: round(notional / volume). */
  vwapTicks(slot: number): number {
    return wideDivRoundHalfUp(this.notionalHi, this.notionalLo, slot, this.volumeHi, this.volumeLo, slot);
  }

  volumeText(slot: number): string {
    return wideText(this.volumeHi, this.volumeLo, slot);
  }

  quoteVolumeText(slot: number): string {
    return wideText(this.quoteHi, this.quoteLo, slot);
  }

  record(symbolId: number, interval: number, slot: number): CandleRecord {
    return {
      symbolId,
      interval,
      openTimeUs: this.openTimeUs[slot]!,
      open: this.open[slot]!,
      high: this.high[slot]!,
      low: this.low[slot]!,
      close: this.close[slot]!,
      volume: wideBigInt(this.volumeHi, this.volumeLo, slot),
      quoteVolume: wideBigInt(this.quoteHi, this.quoteLo, slot),
      notional: wideBigInt(this.notionalHi, this.notionalLo, slot),
      trades: this.tradeCount[slot]!,
      vwapTicks: this.vwapTicks(slot),
      firstTradeId: this.firstTradeId[slot]!,
      lastTradeId: this.lastTradeId[slot]!,
      final: this.final[slot] === 1,
    };
  }

  /** Every kept candle of a series, oldest first (edges and tests only). */
  records(symbolId: number, interval: number): CandleRecord[] {
    const s = this.seriesOf(symbolId, interval);
    const out: CandleRecord[] = [];
    for (let k = 0; k < this.ringCount[s]!; k++) out.push(this.record(symbolId, interval, this.slotAt(s, k)));
    return out;
  }

  // -------------------------------------------------------------------------
  // Updating

  private addToSeries(s: number, interval: number, t: TradeRow): void {
    const openUs = bucketOpenUs(t.tsUs, interval);
    const count = this.ringCount[s]!;
    const newest = count === 0 ? NIL : this.slotAt(s, count - 1);
    if (newest === NIL || openUs > this.openTimeUs[newest]!) {
      if (newest !== NIL && this.final[newest] === 0) this.finish(s, interval, newest);
      const slot = this.push(s);
      this.start(slot, openUs, t);
      if (openUs + intervalUs[interval]! <= this.watermarkUs) {
        // Behind advanceTo's promise: its bucket is already closed.
        this.stats.lateTrades++;
        this.finish(s, interval, slot);
      } else this.markDirty(s);
      return;
    }
    if (openUs === this.openTimeUs[newest]! && this.final[newest] === 0) {
      this.add(newest, t);
      this.markDirty(s);
      return;
    }
    this.addLate(s, interval, openUs, t);
  }

  /** A trade for a bucket that is already final: amend (or insert) its candle and hand it out again. */
  private addLate(s: number, interval: number, openUs: number, t: TradeRow): void {
    this.stats.lateTrades++;
    const k = this.findPosition(s, openUs);
    const count = this.ringCount[s]!;
    let slot: number;
    if (k < count && this.openTimeUs[this.slotAt(s, k)] === openUs) {
      slot = this.slotAt(s, k);
      this.add(slot, t);
      this.stats.amendedFinals++;
    } else {
      slot = this.insert(s, k);
      if (slot === NIL) {
        this.stats.tradesOutsideRing++;
        return;
      }
      this.start(slot, openUs, t);
    }
    this.final[slot] = 1;
    this.stats.finals++;
    this.onFinal?.(Math.floor(s / intervalCount), interval, slot);
  }

  /** Position of the first kept candle with open time >= openUs (binary search, oldest first). */
  private findPosition(s: number, openUs: number): number {
    let lo = 0;
    let hi = this.ringCount[s]!;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.openTimeUs[this.slotAt(s, mid)]! < openUs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Makes room at position k (shifting newer candles up); NIL if k falls off a full ring. */
  private insert(s: number, k: number): number {
    let at = k;
    if (this.ringCount[s] === this.capacity) {
      if (at === 0) return NIL;
      this.ringHead[s] = (this.ringHead[s]! + 1) % this.capacity;
      this.ringCount[s]!--;
      at--;
    }
    for (let j = this.ringCount[s]! - 1; j >= at; j--) this.copySlot(this.slotAt(s, j), this.slotAt(s, j + 1));
    this.ringCount[s]!++;
    return this.slotAt(s, at);
  }

  private push(s: number): number {
    const count = this.ringCount[s]!;
    if (count < this.capacity) {
      this.ringCount[s] = count + 1;
      return this.slotAt(s, count);
    }
    const slot = this.slotAt(s, 0);
    this.ringHead[s] = (this.ringHead[s]! + 1) % this.capacity;
    return slot;
  }

  private start(slot: number, openUs: number, t: TradeRow): void {
    this.openTimeUs[slot] = openUs;
    this.open[slot] = t.priceTicks;
    this.high[slot] = t.priceTicks;
    this.low[slot] = t.priceTicks;
    this.close[slot] = t.priceTicks;
    this.tradeCount[slot] = 1;
    this.volumeHi[slot] = 0;
    this.volumeLo[slot] = 0;
    this.quoteHi[slot] = 0;
    this.quoteLo[slot] = 0;
    this.notionalHi[slot] = 0;
    this.notionalLo[slot] = 0;
    wideAdd(this.volumeHi, this.volumeLo, slot, t.qtyLots);
    wideAdd(this.quoteHi, this.quoteLo, slot, t.quoteQty);
    wideAddProduct(this.notionalHi, this.notionalLo, slot, t.priceTicks, t.qtyLots);
    this.firstTsUs[slot] = t.tsUs;
    this.firstTradeId[slot] = t.tradeId;
    this.lastTsUs[slot] = t.tsUs;
    this.lastTradeId[slot] = t.tradeId;
    this.final[slot] = 0;
  }

  private add(slot: number, t: TradeRow): void {
    const price = t.priceTicks;
    if (price > this.high[slot]!) this.high[slot] = price;
    if (price < this.low[slot]!) this.low[slot] = price;
    if (t.tsUs < this.firstTsUs[slot]! || (t.tsUs === this.firstTsUs[slot]! && t.tradeId < this.firstTradeId[slot]!)) {
      this.open[slot] = price;
      this.firstTsUs[slot] = t.tsUs;
      this.firstTradeId[slot] = t.tradeId;
    }
    if (t.tsUs > this.lastTsUs[slot]! || (t.tsUs === this.lastTsUs[slot]! && t.tradeId > this.lastTradeId[slot]!)) {
      this.close[slot] = price;
      this.lastTsUs[slot] = t.tsUs;
      this.lastTradeId[slot] = t.tradeId;
    }
    this.tradeCount[slot]!++;
    wideAdd(this.volumeHi, this.volumeLo, slot, t.qtyLots);
    wideAdd(this.quoteHi, this.quoteLo, slot, t.quoteQty);
    wideAddProduct(this.notionalHi, this.notionalLo, slot, price, t.qtyLots);
  }

  private finish(s: number, interval: number, slot: number): void {
    this.final[slot] = 1;
    this.dirty[s] = 0;
    this.stats.finals++;
    this.onFinal?.(Math.floor(s / intervalCount), interval, slot);
  }

  private markDirty(s: number): void {
    this.dirty[s] = 1;
    if (this.listed[s] === 1) return;
    this.listed[s] = 1;
    this.dirtyList[this.dirtyCount++] = s;
  }

  private copySlot(from: number, to: number): void {
    this.openTimeUs[to] = this.openTimeUs[from]!;
    this.open[to] = this.open[from]!;
    this.high[to] = this.high[from]!;
    this.low[to] = this.low[from]!;
    this.close[to] = this.close[from]!;
    this.tradeCount[to] = this.tradeCount[from]!;
    this.volumeHi[to] = this.volumeHi[from]!;
    this.volumeLo[to] = this.volumeLo[from]!;
    this.quoteHi[to] = this.quoteHi[from]!;
    this.quoteLo[to] = this.quoteLo[from]!;
    this.notionalHi[to] = this.notionalHi[from]!;
    this.notionalLo[to] = this.notionalLo[from]!;
    this.firstTsUs[to] = this.firstTsUs[from]!;
    this.firstTradeId[to] = this.firstTradeId[from]!;
    this.lastTsUs[to] = this.lastTsUs[from]!;
    this.lastTradeId[to] = this.lastTradeId[from]!;
    this.final[to] = this.final[from]!;
  }
}
