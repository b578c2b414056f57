// Keeps the recent trades (TickRing) and candles (CandleAggregator) of the
// market-data stream in memory: the feed's Trades and Candles subscriptions
// start from them, and so can charts and the query API. The owner may pass
// rings it already has, so one process keeps one copy.

import { CandleAggregator } from "./candles.ts";
import { IgnoringSink } from "./stream.ts";
import { TickRing } from "./tick-ring.ts";
import type { TradeRow } from "./trade.ts";

export class RecentMarketData extends IgnoringSink {
  readonly ticks: TickRing;
  readonly candles: CandleAggregator;

  constructor(symbolsMax: number, ticks?: TickRing, candles?: CandleAggregator) {
    super();
    this.ticks = ticks ?? new TickRing({ symbolsMax });
    this.candles = candles ?? new CandleAggregator({ symbolsMax });
  }

  override onTrade(t: TradeRow): void {
    this.ticks.push(t);
    this.candles.onTrade(t);
  }
}
