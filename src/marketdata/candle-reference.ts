// A plain reference for the candle aggregator (the exchange-core habit: a
// naive implementation beside the fast one, and randomized tests that compare
// them). Maps and BigInt, no rings, no limits: every bucket of every series.

import type { CandleRecord } from "./candles.ts";
import { bucketOpenUs, intervalCount } from "./intervals.ts";
import type { TradeRow } from "./trade.ts";

/** The same fields as the aggregator's records, less the live/final flag the reference has no notion of. */
export type ReferenceCandle = Omit<CandleRecord, "final">;

interface Acc {
  c: ReferenceCandle;
  firstTsUs: number;
  lastTsUs: number;
}

export class CandleReference {
  private readonly buckets = new Map<string, Acc>();

  onTrade(t: TradeRow): void {
    for (let interval = 0; interval < intervalCount; interval++) {
      const openTimeUs = bucketOpenUs(t.tsUs, interval);
      const key = `${t.symbolId}/${interval}/${openTimeUs}`;
      const a = this.buckets.get(key);
      const notional = BigInt(t.priceTicks) * BigInt(t.qtyLots);
      if (a === undefined) {
        this.buckets.set(key, {
          c: {
            symbolId: t.symbolId,
            interval,
            openTimeUs,
            open: t.priceTicks,
            high: t.priceTicks,
            low: t.priceTicks,
            close: t.priceTicks,
            volume: BigInt(t.qtyLots),
            quoteVolume: BigInt(t.quoteQty),
            notional,
            trades: 1,
            vwapTicks: 0,
            firstTradeId: t.tradeId,
            lastTradeId: t.tradeId,
          },
          firstTsUs: t.tsUs,
          lastTsUs: t.tsUs,
        });
        continue;
      }
      const c = a.c;
      c.high = Math.max(c.high, t.priceTicks);
      c.low = Math.min(c.low, t.priceTicks);
      if (t.tsUs < a.firstTsUs || (t.tsUs === a.firstTsUs && t.tradeId < c.firstTradeId)) {
        c.open = t.priceTicks;
        a.firstTsUs = t.tsUs;
        c.firstTradeId = t.tradeId;
      }
      if (t.tsUs > a.lastTsUs || (t.tsUs === a.lastTsUs && t.tradeId > c.lastTradeId)) {
        c.close = t.priceTicks;
        a.lastTsUs = t.tsUs;
        c.lastTradeId = t.tradeId;
      }
      c.volume += BigInt(t.qtyLots);
      c.quoteVolume += BigInt(t.quoteQty);
      c.notional += notional;
      c.trades++;
    }
  }

  /** Every candle of a series, oldest first, with its VWAP rounded half up. */
  candles(symbolId: number, interval: number): ReferenceCandle[] {
    const out: ReferenceCandle[] = [];
    for (const a of this.buckets.values()) {
      if (a.c.symbolId !== symbolId || a.c.interval !== interval) continue;
      out.push({ ...a.c, vwapTicks: Number((2n * a.c.notional + a.c.volume) / (2n * a.c.volume)) });
    }
    return out.sort((x, y) => x.openTimeUs - y.openTimeUs);
  }
}
