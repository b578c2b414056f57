export { CandleAggregator, type CandleRecord, type CandleStats, NIL } from "./candles.ts";
export { type CandleLimits, candleLimitsDefault, type TickRingLimits, tickRingLimitsDefault } from "./constants.ts";
export {
  bucketOpenUs,
  intervalCount,
  intervalIndex,
  type IntervalName,
  intervalNames,
  intervalUs,
} from "./intervals.ts";
export * from "./order-rows.ts";
export { TickRing, type TickRecord } from "./tick-ring.ts";
export { newTradeRow, type TradeRow, tradeRowError } from "./trade.ts";
