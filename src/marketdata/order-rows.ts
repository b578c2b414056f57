// Order state and order events as the market-data stream carries them to the
// `orders` and `order_events` tables. Like TradeRow, one mutable row is reused
// per kind, so passing a row allocates nothing. Codes are small integers; the
// names below are what QuestDB stores (SYMBOL columns) and the API prints.

import { orderTypeNames, sideNames, tifNames } from "../engine/constants.ts";

/** An order's state in its latest row. */
export const OrderStatus = {
  New: 0,
  PartiallyFilled: 1,
  Filled: 2,
  Cancelled: 3,
  Expired: 4,
  Rejected: 5,
  PendingTrigger: 6,
} as const;
export const orderStatusNames = [
  "new",
  "partially_filled",
  "filled",
  "cancelled",
  "expired",
  "rejected",
  "pending_trigger",
] as const;

/**
 * What happened to an order. `reason` is a reject code for `rejected`, a cancel reason for
 * `cancelled`, `expired` and `reduced`.
 */
export const OrderEvent = {
  Placed: 0,
  Modified: 1,
  Cancelled: 2,
  Filled: 3,
  Expired: 4,
  Triggered: 5,
  Rejected: 6,
  Reduced: 7,
} as const;
export const orderEventNames = [
  "placed",
  "modified",
  "cancelled",
  "filled",
  "expired",
  "triggered",
  "rejected",
  "reduced",
] as const;

export interface OrderRow {
  symbolId: number;
  orderId: number;
  userId: number;
  /** The submitter's own id for the order (0 when none). */
  clientOrderId: number;
  side: number;
  /** The engine's OrderType. */
  type: number;
  /** The engine's Tif. */
  tif: number;
  /** Limit or protection price; 0 for none. */
  priceTicks: number;
  /** Stop price for stop orders; 0 otherwise. */
  stopPriceTicks: number;
  /** The order's quantity: as placed, or after a modify the filled quantity plus the new remaining one. */
  qtyLots: number;
  filledLots: number;
  /** Open quantity still working (0 once the order is done); below qty - filled after a self-trade reduction. */
  leavesLots: number;
  status: number;
  /** Engine time of the command that placed the order, µs: with createdSeq, the row's identity. */
  createdUs: number;
  /** Engine sequence number of the command that placed the order. */
  createdSeq: number;
  /** Engine time and sequence number of the latest change. */
  updatedUs: number;
  seq: number;
}

export interface OrderEventRow {
  /** -1 when the command named an unknown symbol (stored with a null symbol). */
  symbolId: number;
  tsUs: number;
  /** Engine sequence number of the command, and the event's position among that command's events. */
  seq: number;
  eventIndex: number;
  orderId: number;
  userId: number;
  event: number;
  /** Reject code or cancel reason (the engine's codes), 0 for none. */
  reason: number;
  priceTicks: number;
  qtyLots: number;
  /** Remaining open quantity after the event. */
  leavesLots: number;
  /** The trade of a `filled` event; 0 otherwise. */
  tradeId: number;
}

export function newOrderRow(): OrderRow {
  return {
    symbolId: 0,
    orderId: 0,
    userId: 0,
    clientOrderId: 0,
    side: 0,
    type: 0,
    tif: 0,
    priceTicks: 0,
    stopPriceTicks: 0,
    qtyLots: 0,
    filledLots: 0,
    leavesLots: 0,
    status: 0,
    createdUs: 0,
    createdSeq: 0,
    updatedUs: 0,
    seq: 0,
  };
}

export function newOrderEventRow(): OrderEventRow {
  return {
    symbolId: 0,
    tsUs: 0,
    seq: 0,
    eventIndex: 0,
    orderId: 0,
    userId: 0,
    event: 0,
    reason: 0,
    priceTicks: 0,
    qtyLots: 0,
    leavesLots: 0,
    tradeId: 0,
  };
}

function isCount(v: number): boolean {
  return Number.isSafeInteger(v) && v >= 0;
}

function isCode(v: number, names: readonly string[]): boolean {
  return Number.isInteger(v) && v >= 0 && v < names.length;
}

/** Why an order row is unusable, or null (see tradeRowError for why the writers check). */
export function orderRowError(o: OrderRow): string | null {
  if (!isCode(o.side, sideNames)) return `side ${o.side} is not 0 or 1`;
  if (!isCode(o.type, orderTypeNames)) return `type ${o.type} is not a known order type`;
  if (!isCode(o.tif, tifNames)) return `tif ${o.tif} is not a known time in force`;
  if (!isCode(o.status, orderStatusNames)) return `status ${o.status} is not a known order status`;
  if (!isCount(o.orderId)) return `orderId ${o.orderId} is not a safe integer >= 0`;
  if (!isCount(o.userId)) return `userId ${o.userId} is not a safe integer >= 0`;
  if (!isCount(o.clientOrderId)) return `clientOrderId ${o.clientOrderId} is not a safe integer >= 0`;
  if (!isCount(o.priceTicks)) return `priceTicks ${o.priceTicks} is not a safe integer >= 0`;
  if (!isCount(o.stopPriceTicks)) return `stopPriceTicks ${o.stopPriceTicks} is not a safe integer >= 0`;
  if (!isCount(o.qtyLots)) return `qtyLots ${o.qtyLots} is not a safe integer >= 0`;
  if (!(isCount(o.filledLots) && o.filledLots <= o.qtyLots)) return `filledLots ${o.filledLots} is not in [0, qtyLots]`;
  if (!(isCount(o.leavesLots) && o.leavesLots <= o.qtyLots - o.filledLots))
    return `leavesLots ${o.leavesLots} is not in [0, qtyLots - filledLots]`;
  if (!isCount(o.createdUs)) return `createdUs ${o.createdUs} is not a safe integer >= 0`;
  if (!isCount(o.createdSeq)) return `createdSeq ${o.createdSeq} is not a safe integer >= 0`;
  if (!(isCount(o.updatedUs) && o.updatedUs >= o.createdUs)) return `updatedUs ${o.updatedUs} is before createdUs`;
  if (!(isCount(o.seq) && o.seq >= o.createdSeq)) return `seq ${o.seq} is before createdSeq`;
  return null;
}

/** Why an order event row is unusable, or null. `reasonNamesFor` gives the reason vocabulary of an event. */
export function orderEventRowError(
  e: OrderEventRow,
  reasonNamesFor: (event: number) => readonly string[],
): string | null {
  if (!isCode(e.event, orderEventNames)) return `event ${e.event} is not a known order event`;
  if (!isCode(e.reason, reasonNamesFor(e.event)))
    return `reason ${e.reason} is not a known reason for ${orderEventNames[e.event]}`;
  if (!isCount(e.tsUs)) return `tsUs ${e.tsUs} is not a safe integer >= 0`;
  if (!isCount(e.seq)) return `seq ${e.seq} is not a safe integer >= 0`;
  if (!isCount(e.eventIndex)) return `eventIndex ${e.eventIndex} is not a safe integer >= 0`;
  if (!isCount(e.orderId)) return `orderId ${e.orderId} is not a safe integer >= 0`;
  if (!isCount(e.userId)) return `userId ${e.userId} is not a safe integer >= 0`;
  if (!isCount(e.priceTicks)) return `priceTicks ${e.priceTicks} is not a safe integer >= 0`;
  if (!isCount(e.qtyLots)) return `qtyLots ${e.qtyLots} is not a safe integer >= 0`;
  if (!isCount(e.leavesLots)) return `leavesLots ${e.leavesLots} is not a safe integer >= 0`;
  if (!isCount(e.tradeId)) return `tradeId ${e.tradeId} is not a safe integer >= 0`;
  return null;
}
