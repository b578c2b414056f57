// The market-data stream into QuestDB: a sink of the stream (trades) and of
// the order tracker (order rows and events) that appends each row to its
// table's writer, and the candles of the aggregator: final candles as they
// close, live candles upserted (same key) at most once per `upsertLiveCandles`
// call, which the owner makes on a timer.
//
// Resume: rows QuestDB already holds are skipped. Each table holds a prefix of
// what was appended (resume.ts), so a row is re-sent when it is past the
// table's newest: trades after the largest trade id; order rows and events
// from the largest seq on (rows of one command may have been split between
// two requests, so that seq is sent again; dedup keys absorb it); candles
// from each series' newest stored open time on (that candle may have been
// stored live), and every amended older candle (a late trade).
//
// Nothing here waits: appends write bytes into the writers' batches.

import type { CandleAggregator } from "../marketdata/candles.ts";
import type { OrderEventRow, OrderRow } from "../marketdata/order-rows.ts";
import type { OrderSink } from "../marketdata/order-tracker.ts";
import { IgnoringSink } from "../marketdata/stream.ts";
import type { TradeRow } from "../marketdata/trade.ts";
import type { MarketDataWriters } from "./market-data-writers.ts";
import { intervalNames } from "../marketdata/intervals.ts";
import { candleSeriesKey, type ResumePoints } from "./resume.ts";
import type { SymbolNames } from "./symbols.ts";

/** What to skip: rows below these were stored before (see the header). */
export interface ResumeFilter {
  ticksTradeIdAbove: number;
  /** Newest stored open time per candle series (readCandleResume); empty: send every candle. */
  candlesOpenFrom: ReadonlyMap<string, number>;
  ordersSeqFrom: number;
  orderEventsSeqFrom: number;
}

/** The filter for stored resume points; null points (a forced full re-send) skip nothing. */
export function resumeFilter(p: ResumePoints | null, candles: ReadonlyMap<string, number> | null): ResumeFilter {
  return {
    ticksTradeIdAbove: p?.ticksTradeIdMax ?? 0,
    candlesOpenFrom: p === null || candles === null ? new Map() : candles,
    ordersSeqFrom: p?.ordersSeqMax ?? 0,
    orderEventsSeqFrom: p?.orderEventsSeqMax ?? 0,
  };
}

export interface IngestStats {
  /** Rows not sent because QuestDB held them already (resume). */
  rowsSkipped: number;
  /** Rows an encoder refused (an unregistered or hostile symbol name, a bad field), with the last reason. */
  rowsRefused: number;
  lastRefusal: string | null;
  liveCandleUpserts: number;
  finalCandles: number;
}

/** Logs a refusal at most this often (the count is always exact). */
const refusalLogIntervalMs = 10_000;

export class QuestdbIngest extends IgnoringSink implements OrderSink {
  readonly stats: IngestStats = {
    rowsSkipped: 0,
    rowsRefused: 0,
    lastRefusal: null,
    liveCandleUpserts: 0,
    finalCandles: 0,
  };
  filter: ResumeFilter;
  /** False: order rows and events are not written (benchmarks measuring ticks and candles alone). */
  ordersEnabled = true;
  private lastRefusalLogMs = 0;
  private readonly upsertLive = (symbolId: number, interval: number, slot: number): void => {
    if (!this.ensureSymbol(symbolId)) return;
    this.stats.liveCandleUpserts++;
    this.refused(this.writers.candles.append(this.candles, symbolId, interval, slot));
  };

  /**
   * `symbolName` gives the name of a symbol id the engine defined (null:
   * none), registered with `symbols` the first time a row names it.
   */
  constructor(
    readonly writers: MarketDataWriters,
    private readonly candles: CandleAggregator,
    private readonly symbols: SymbolNames,
    private readonly symbolName: (symbolId: number) => string | null,
    filter: ResumeFilter,
    private readonly log: (line: string) => void,
  ) {
    super();
    this.filter = filter;
    if (candles.onFinal !== null)
      throw new Error("questdb ingest: the candle aggregator already has a final-candle handler");
    candles.onFinal = (symbolId, interval, slot) => {
      if (!this.ensureSymbol(symbolId)) return;
      if (this.storedBefore(symbolId, interval, slot)) {
        this.stats.rowsSkipped++;
        return;
      }
      this.stats.finalCandles++;
      this.refused(this.writers.candles.append(candles, symbolId, interval, slot));
    };
  }

  override onTrade(t: TradeRow): void {
    if (t.tradeId <= this.filter.ticksTradeIdAbove) {
      this.stats.rowsSkipped++;
      return;
    }
    if (this.ensureSymbol(t.symbolId)) this.refused(this.writers.ticks.append(t));
  }

  onOrderState(o: OrderRow): void {
    if (!this.ordersEnabled) return;
    if (o.seq < this.filter.ordersSeqFrom) {
      this.stats.rowsSkipped++;
      return;
    }
    if (this.ensureSymbol(o.symbolId)) this.refused(this.writers.orders.append(o));
  }

  onOrderEvent(e: OrderEventRow): void {
    if (!this.ordersEnabled) return;
    if (e.seq < this.filter.orderEventsSeqFrom) {
      this.stats.rowsSkipped++;
      return;
    }
    if (e.symbolId === -1 || this.ensureSymbol(e.symbolId)) this.refused(this.writers.orderEvents.append(e));
  }

  /** Upserts every live candle that changed since the last call (the owner's timer; and once when a replay ends). */
  upsertLiveCandles(): void {
    this.candles.collectLive(this.upsertLive);
  }

  /**
   * A final candle QuestDB holds already: older than its series' newest stored one, and not an
   * amendment of an older bucket.
   */
  private storedBefore(symbolId: number, interval: number, slot: number): boolean {
    const from = this.filter.candlesOpenFrom;
    if (from.size === 0) return false;
    const c = this.candles;
    const stored = from.get(candleSeriesKey(this.symbols.name(symbolId)!, intervalNames[interval]!));
    if (stored === undefined || c.openTimeUs[slot]! >= stored) return false;
    // A late trade amends a candle behind the newest of its series: always sent.
    const series = c.seriesOf(symbolId, interval);
    return c.slotAt(series, c.candleCount(series) - 1) === slot;
  }

  /** Registers a symbol's name the first time a row names it; false (counted, logged) when it cannot be written. */
  private ensureSymbol(symbolId: number): boolean {
    if (this.symbols.has(symbolId)) return true;
    const name = this.symbolName(symbolId);
    const error = name === null ? `symbol id ${symbolId} is not defined` : this.symbols.set(symbolId, name);
    if (error === null) return true;
    this.refused(error);
    return false;
  }

  private refused(reason: string | null): void {
    if (reason === null) return;
    const s = this.stats;
    s.rowsRefused++;
    s.lastRefusal = reason;
    const now = Date.now();
    if (now - this.lastRefusalLogMs >= refusalLogIntervalMs) {
      this.lastRefusalLogMs = now;
      this.log(`questdb ingest: a row was refused (${s.rowsRefused} so far): ${reason}`);
    }
  }
}
