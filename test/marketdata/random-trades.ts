// Seeded random trade streams for the candle and QuestDB tests: several
// symbols, a random walk of prices, bursts and quiet gaps (whole empty
// intervals), spanning days. Deterministic per seed, so a failure reproduces.

import { Prng } from "../../bench/prng.ts";
import { newTradeRow, type TradeRow } from "../../src/marketdata/trade.ts";

export interface RandomTradeOptions {
  count: number;
  symbols: number;
  /** First trade's time, µs since the epoch. */
  startUs: number;
  /** Mean gap between trades, µs; gaps are exponential with occasional long pauses. */
  meanGapUs: number;
  /** Largest quantity; quantities are 1..qtyMax, skewed small. */
  qtyMax: number;
  /** Quote units per price unit x lot: quoteQty = price x qty x quoteScale. */
  quoteScale: number;
}

export const randomTradeDefaults: RandomTradeOptions = {
  count: 10_000,
  symbols: 3,
  startUs: Date.UTC(2026, 0, 5, 21, 17) * 1000,
  meanGapUs: 1_000_000,
  qtyMax: 5_000,
  quoteScale: 10,
};

/** Calls `each` with one reused TradeRow per trade, in trade-id order with non-decreasing time. */
export function forEachRandomTrade(
  seed: number,
  options: Partial<RandomTradeOptions>,
  each: (t: TradeRow, index: number) => void,
): void {
  const o = { ...randomTradeDefaults, ...options };
  const rng = new Prng(seed);
  const t = newTradeRow();
  const prices = Array.from({ length: o.symbols }, (_, i) => 100_000 * (i + 1));
  let tsUs = o.startUs;
  for (let i = 0; i < o.count; i++) {
    // Mostly short gaps, sometimes a pause of minutes to hours (empty candles).
    const pause = rng.chance(0.002) ? rng.range(60_000_000, 3 * 3_600_000_000) : 0;
    tsUs += Math.floor(-Math.log(1 - rng.float()) * o.meanGapUs) + pause;
    const symbolId = rng.int(o.symbols);
    const step = rng.range(-25, 25);
    prices[symbolId] = Math.min(2_000_000_000, Math.max(1, prices[symbolId]! + step));
    t.symbolId = symbolId;
    t.tsUs = tsUs;
    t.priceTicks = prices[symbolId]!;
    t.qtyLots = Math.max(1, Math.min(o.qtyMax, Math.floor(rng.pareto(1, 1.2))));
    t.quoteQty = t.priceTicks * t.qtyLots * o.quoteScale;
    t.tradeId = i + 1;
    t.seq = 1000 + i * 2;
    t.takerSide = rng.int(2);
    t.makerOrderId = rng.range(1, 1_000_000);
    t.takerOrderId = rng.range(1, 1_000_000);
    t.makerUserId = rng.range(1, 500);
    t.takerUserId = rng.range(1, 500);
    each(t, i);
  }
}
