// Rows of the `orders` and `order_events` tables (schema.ts):
//   orders,symbol=BTC-USD,side=buy,type=limit,tif=gtc,status=partially_filled order_id=5i,client_order_id=9i,
//     user_id=2i,price=100i,stop_price=0i,qty=10i,filled=4i,leaves=6i,created_seq=40i,updated=1767571200000100t,seq=44i
//     1767571200000000
//   order_events,symbol=BTC-USD,event=cancelled,reason=user order_id=5i,user_id=2i,price=100i,qty=6i,leaves=0i,
//     trade_id=0i,seq=51i,event_index=0i 1767571200000500
// An order row's timestamp is its creation time, so each upsert replaces the
// previous state of the same order. An event for an unknown symbol (a reject)
// has no symbol tag: a null symbol. A reason of 0 writes no reason tag.

import { cancelReasonNames, orderTypeNames, rejectNames, sideNames, tifNames } from "../engine/constants.ts";
import {
  OrderEvent,
  type OrderEventRow,
  orderEventNames,
  orderEventRowError,
  type OrderRow,
  orderRowError,
  orderStatusNames,
} from "../marketdata/order-rows.ts";
import { ascii, checkLineBound } from "./ilp-buffer.ts";
import type { SymbolNames } from "./symbols.ts";
import type { IlpHttpWriter } from "./writer.ts";

const ordersHead = ascii("orders,symbol=");
const sides = sideNames.map((s) => ascii(`,side=${s}`));
const types = orderTypeNames.map((s) => ascii(`,type=${s}`));
const tifs = tifNames.map((s) => ascii(`,tif=${s}`));
const statuses = orderStatusNames.map((s) => ascii(`,status=${s} order_id=`));
const clientOrderId = ascii("i,client_order_id=");
const userId = ascii("i,user_id=");
const price = ascii("i,price=");
const stopPrice = ascii("i,stop_price=");
const qty = ascii("i,qty=");
const filled = ascii("i,filled=");
const leaves = ascii("i,leaves=");
const createdSeq = ascii("i,created_seq=");
const updated = ascii("i,updated=");
const seqAfterTimestamp = ascii("t,seq=");
const beforeTs = ascii("i ");
// Longest order row: its fixed pieces, four tag values, one symbol, eleven numbers.
checkLineBound(
  "orders",
  [
    ordersHead,
    ...sides,
    ...types,
    ...tifs,
    ...statuses,
    clientOrderId,
    userId,
    price,
    stopPrice,
    qty,
    filled,
    leaves,
    createdSeq,
    updated,
    seqAfterTimestamp,
    beforeTs,
  ],
  1,
  12,
);

const eventsHead = ascii("order_events");
const eventsSymbol = ascii(",symbol=");
const events = orderEventNames.map((s) => ascii(`,event=${s}`));
const reasonTags = (names: readonly string[]) => names.map((s) => (s === "" ? ascii("") : ascii(`,reason=${s}`)));
const rejectReasons = reasonTags(rejectNames);
const cancelReasons = reasonTags(cancelReasonNames);
const noReasons: readonly string[] = [""];
const eventOrderId = ascii(" order_id=");
const tradeId = ascii("i,trade_id=");
const seq = ascii("i,seq=");
const eventIndex = ascii("i,event_index=");
checkLineBound(
  "order_events",
  [
    eventsHead,
    eventsSymbol,
    ...events,
    ...rejectReasons,
    eventOrderId,
    userId,
    price,
    qty,
    leaves,
    tradeId,
    seq,
    eventIndex,
    beforeTs,
  ],
  1,
  9,
);

/** Reject codes for `rejected`, cancel reasons for `cancelled`, `expired` and `reduced`, none otherwise. */
export function reasonNamesFor(event: number): readonly string[] {
  if (event === OrderEvent.Rejected) return rejectNames;
  if (event === OrderEvent.Cancelled || event === OrderEvent.Expired || event === OrderEvent.Reduced)
    return cancelReasonNames;
  return noReasons;
}

export class OrdersIlp {
  rowsRefused = 0;

  constructor(
    readonly writer: IlpHttpWriter,
    private readonly symbols: SymbolNames,
  ) {}

  /** Appends (upserts) an order's latest state; returns why it was refused, or null. */
  append(o: OrderRow): string | null {
    if (!this.symbols.has(o.symbolId)) return this.refuse(`symbol id ${o.symbolId} is not registered`);
    const error = orderRowError(o);
    if (error !== null) return this.refuse(error);
    const b = this.writer.beginLine();
    b.copy(ordersHead);
    b.copy(this.symbols.bytes(o.symbolId));
    b.copy(sides[o.side]!);
    b.copy(types[o.type]!);
    b.copy(tifs[o.tif]!);
    b.copy(statuses[o.status]!);
    b.int(o.orderId);
    b.copy(clientOrderId);
    b.int(o.clientOrderId);
    b.copy(userId);
    b.int(o.userId);
    b.copy(price);
    b.int(o.priceTicks);
    b.copy(stopPrice);
    b.int(o.stopPriceTicks);
    b.copy(qty);
    b.int(o.qtyLots);
    b.copy(filled);
    b.int(o.filledLots);
    b.copy(leaves);
    b.int(o.leavesLots);
    b.copy(createdSeq);
    b.int(o.createdSeq);
    b.copy(updated);
    b.int(o.updatedUs);
    b.copy(seqAfterTimestamp);
    b.int(o.seq);
    b.copy(beforeTs);
    b.int(o.createdUs);
    b.byte(10);
    this.writer.endLine();
    return null;
  }

  private refuse(reason: string): string {
    this.rowsRefused++;
    return `orders: ${reason}`;
  }
}

export class OrderEventsIlp {
  rowsRefused = 0;

  constructor(
    readonly writer: IlpHttpWriter,
    private readonly symbols: SymbolNames,
  ) {}

  /** Appends one order event; returns why it was refused, or null. */
  append(e: OrderEventRow): string | null {
    if (e.symbolId !== -1 && !this.symbols.has(e.symbolId))
      return this.refuse(`symbol id ${e.symbolId} is not registered`);
    const error = orderEventRowError(e, reasonNamesFor);
    if (error !== null) return this.refuse(error);
    const b = this.writer.beginLine();
    b.copy(eventsHead);
    if (e.symbolId !== -1) {
      b.copy(eventsSymbol);
      b.copy(this.symbols.bytes(e.symbolId));
    }
    b.copy(events[e.event]!);
    if (e.reason !== 0) b.copy(e.event === OrderEvent.Rejected ? rejectReasons[e.reason]! : cancelReasons[e.reason]!);
    b.copy(eventOrderId);
    b.int(e.orderId);
    b.copy(userId);
    b.int(e.userId);
    b.copy(price);
    b.int(e.priceTicks);
    b.copy(qty);
    b.int(e.qtyLots);
    b.copy(leaves);
    b.int(e.leavesLots);
    b.copy(tradeId);
    b.int(e.tradeId);
    b.copy(seq);
    b.int(e.seq);
    b.copy(eventIndex);
    b.int(e.eventIndex);
    b.copy(beforeTs);
    b.int(e.tsUs);
    b.byte(10);
    this.writer.endLine();
    return null;
  }

  private refuse(reason: string): string {
    this.rowsRefused++;
    return `order_events: ${reason}`;
  }
}
