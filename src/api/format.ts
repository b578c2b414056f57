// JSON shapes of the API's rows. One rule for numbers: prices and quantities
// (which sum past 2^53 in volumes) are decimal strings of integers in the
// symbol's price and quantity units; ids, counts and times are JSON numbers
// (all below 2^53 by construction: the engine's ids and counters are safe
// integers, times are ms or µs since the Unix epoch).

import { cancelReasonNames, orderTypeNames, rejectNames, sideNames, tifNames } from "../engine/constants.ts";
import type { CandleRecord } from "../marketdata/candles.ts";
import { intervalUs } from "../marketdata/intervals.ts";
import { OrderEvent, orderEventNames, orderStatusNames } from "../marketdata/order-rows.ts";
import type { OrderEventRecord, OrderRecord } from "../marketdata/order-store.ts";
import type { TickRecord } from "../marketdata/tick-ring.ts";

export function msOf(us: number): number {
  return Math.floor(us / 1000);
}

export interface TickJson {
  tradeId: number;
  time: number;
  timeUs: number;
  price: string;
  qty: string;
  quoteQty: string;
  takerSide: string;
}

export function tickJson(t: TickRecord): TickJson {
  return {
    tradeId: t.tradeId,
    time: msOf(t.tsUs),
    timeUs: t.tsUs,
    price: String(t.priceTicks),
    qty: String(t.qtyLots),
    quoteQty: String(t.quoteQty),
    takerSide: sideNames[t.takerSide] ?? "unknown",
  };
}

/**
 * A candle as a klines row: positions 0..8 as the widely used klines shape
 * (open time, open, high, low, close, volume, close time, quote volume,
 * trades), then VWAP, first and last trade id, and whether it is final.
 */
export type KlineRow = [
  number,
  string,
  string,
  string,
  string,
  string,
  number,
  string,
  number,
  string,
  number,
  number,
  boolean,
];

export function klineRow(c: CandleRecord): KlineRow {
  const openMs = msOf(c.openTimeUs);
  return [
    openMs,
    String(c.open),
    String(c.high),
    String(c.low),
    String(c.close),
    c.volume.toString(),
    openMs + intervalUs[c.interval]! / 1000 - 1,
    c.quoteVolume.toString(),
    c.trades,
    String(c.vwapTicks),
    c.firstTradeId,
    c.lastTradeId,
    c.final,
  ];
}

export interface OrderJson {
  orderId: number;
  clientOrderId: number;
  symbol: string | null;
  side: string;
  type: string;
  tif: string;
  status: string;
  price: string;
  stopPrice: string;
  qty: string;
  filled: string;
  leaves: string;
  createdTime: number;
  createdTimeUs: number;
  updatedTime: number;
  updatedTimeUs: number;
  createdSeq: number;
  seq: number;
}

export function orderJson(o: OrderRecord, symbol: string | null): OrderJson {
  return {
    orderId: o.orderId,
    clientOrderId: o.clientOrderId,
    symbol,
    side: sideNames[o.side] ?? "unknown",
    type: orderTypeNames[o.type] ?? "unknown",
    tif: tifNames[o.tif] ?? "unknown",
    status: orderStatusNames[o.status] ?? "unknown",
    price: String(o.priceTicks),
    stopPrice: String(o.stopPriceTicks),
    qty: String(o.qtyLots),
    filled: String(o.filledLots),
    leaves: String(o.leavesLots),
    createdTime: msOf(o.createdUs),
    createdTimeUs: o.createdUs,
    updatedTime: msOf(o.updatedUs),
    updatedTimeUs: o.updatedUs,
    createdSeq: o.createdSeq,
    seq: o.seq,
  };
}

export interface OrderEventJson {
  orderId: number;
  symbol: string | null;
  event: string;
  reason: string | null;
  time: number;
  timeUs: number;
  seq: number;
  eventIndex: number;
  price: string;
  qty: string;
  leaves: string;
  tradeId: number | null;
}

/** The reason's name: a reject code for `rejected`, a cancel reason for cancelled/expired/reduced, null otherwise. */
export function reasonName(event: number, reason: number): string | null {
  if (reason === 0) return null;
  if (event === OrderEvent.Rejected) return rejectNames[reason] ?? null;
  if (event === OrderEvent.Cancelled || event === OrderEvent.Expired || event === OrderEvent.Reduced)
    return cancelReasonNames[reason] ?? null;
  return null;
}

export function orderEventJson(e: OrderEventRecord, symbol: string | null): OrderEventJson {
  return {
    orderId: e.orderId,
    symbol,
    event: orderEventNames[e.event] ?? "unknown",
    reason: reasonName(e.event, e.reason),
    time: msOf(e.tsUs),
    timeUs: e.tsUs,
    seq: e.seq,
    eventIndex: e.eventIndex,
    price: String(e.priceTicks),
    qty: String(e.qtyLots),
    leaves: String(e.leavesLots),
    tradeId: e.event === OrderEvent.Filled ? e.tradeId : null,
  };
}
