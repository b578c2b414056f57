// One trade (tick) as the market-data stream carries it. The stream reuses one
// mutable TradeRow for every trade, so passing a trade allocates nothing; a
// consumer that keeps a trade copies the fields it needs.

import { PRICE_MAX, Side } from "../engine/constants.ts";

export interface TradeRow {
  symbolId: number;
  /** Engine timestamp of the command that traded, microseconds since the Unix epoch (never a writer's clock). */
  tsUs: number;
  /** Trade price in the symbol's integer price unit, in [1, 2^31). */
  priceTicks: number;
  /** Quantity in the symbol's integer quantity unit, a safe integer >= 1. */
  qtyLots: number;
  /**
   * Notional in integer quote units (the caller's scale: price x quantity x tick and lot sizes), a safe integer >= 0.
   */
  quoteQty: number;
  /** Engine trade id: counts from 1 over the whole engine, so it orders trades. */
  tradeId: number;
  /** Engine sequence number of the command that traded. */
  seq: number;
  /** Side of the taker (the engine's Side: 0 buy, 1 sell). */
  takerSide: number;
  makerOrderId: number;
  takerOrderId: number;
  makerUserId: number;
  takerUserId: number;
}

export function newTradeRow(): TradeRow {
  return {
    symbolId: 0,
    tsUs: 0,
    priceTicks: 0,
    qtyLots: 0,
    quoteQty: 0,
    tradeId: 0,
    seq: 0,
    takerSide: 0,
    makerOrderId: 0,
    takerOrderId: 0,
    makerUserId: 0,
    takerUserId: 0,
  };
}

/**
 * Why a trade's fields are unusable, or null. The engine only produces valid
 * trades, so a non-null answer is a programmer error upstream; the aggregator
 * and the writers check it anyway, because a bad value would otherwise poison
 * a candle or a whole ILP batch.
 */
export function tradeRowError(t: TradeRow): string | null {
  if (!(Number.isSafeInteger(t.tsUs) && t.tsUs >= 0)) return `tsUs ${t.tsUs} is not a non-negative safe integer`;
  if (!(Number.isInteger(t.priceTicks) && t.priceTicks >= 1 && t.priceTicks <= PRICE_MAX))
    return `priceTicks ${t.priceTicks} is not an integer in [1, ${PRICE_MAX}]`;
  if (!(Number.isSafeInteger(t.qtyLots) && t.qtyLots >= 1)) return `qtyLots ${t.qtyLots} is not a safe integer >= 1`;
  if (!(Number.isSafeInteger(t.quoteQty) && t.quoteQty >= 0))
    return `quoteQty ${t.quoteQty} is not a safe integer >= 0`;
  if (!(Number.isSafeInteger(t.tradeId) && t.tradeId >= 0)) return `tradeId ${t.tradeId} is not a safe integer >= 0`;
  if (!(Number.isSafeInteger(t.seq) && t.seq >= 0)) return `seq ${t.seq} is not a safe integer >= 0`;
  if (t.takerSide !== Side.Buy && t.takerSide !== Side.Sell)
    return `takerSide ${t.takerSide} is not 0 (buy) or 1 (sell)`;
  if (!isId(t.makerOrderId)) return `makerOrderId ${t.makerOrderId} is not a safe integer >= 0`;
  if (!isId(t.takerOrderId)) return `takerOrderId ${t.takerOrderId} is not a safe integer >= 0`;
  if (!isId(t.makerUserId)) return `makerUserId ${t.makerUserId} is not a safe integer >= 0`;
  if (!isId(t.takerUserId)) return `takerUserId ${t.takerUserId} is not a safe integer >= 0`;
  return null;
}

function isId(v: number): boolean {
  return Number.isSafeInteger(v) && v >= 0;
}
