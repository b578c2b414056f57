// Plain-object forms of commands and events, for the edges (replay tool, tests,
// the reference book). The hot path never builds these: gateways call the
// engine's methods with primitives and read events from the typed-array buffer.

export interface SymbolSpec {
  name: string;
  /** Valid prices are multiples of tickSize (in the symbol's integer price unit). */
  tickSize: number;
  /** Valid quantities are multiples of lotSize (in the symbol's integer quantity unit). */
  lotSize: number;
  minPrice: number;
  maxPrice: number;
  maxQty: number;
}

export interface SymbolCommand {
  op: "symbol";
  seq: number;
  ts: number;
  spec: SymbolSpec;
}

export interface NewOrderCommand {
  op: "new";
  seq: number;
  ts: number;
  /** Book index from the symbol registry; -1 when the symbol is unknown. */
  book: number;
  id: number;
  user: number;
  side: number;
  type: number;
  tif: number;
  postOnly: boolean;
  stp: number;
  /** Limit price; for market and stop-market orders 0 (no protection) or a protection limit. */
  price: number;
  qty: number;
  /** Stop price for stop orders; 0 otherwise. */
  stop: number;
}

export interface CancelCommand {
  op: "cancel";
  seq: number;
  ts: number;
  book: number;
  id: number;
  user: number;
}

export interface ModifyCommand {
  op: "modify";
  seq: number;
  ts: number;
  book: number;
  id: number;
  user: number;
  price: number;
  qty: number;
}

export type Command = SymbolCommand | NewOrderCommand | CancelCommand | ModifyCommand;

/**
 * One engine event as a plain object. Fields a kind does not use are 0.
 * - accepted:  id, user, code=side, price (limit or protection price, 0 if none), qty (order quantity)
 * - rejected:  id, user, code=reject reason
 * - trade:     id/user=taker, otherId/otherUser=maker, price, qty, tradeId, code=taker side,
 *              leaves=taker remaining after the trade, otherLeaves=maker remaining after the trade
 * - cancelled: id, user, qty=quantity cancelled, code=cancel reason
 * - reduced:   id, user, qty=quantity removed, leaves=remaining (still live), code=cancel reason
 * - modified:  id, user, price, qty=new remaining quantity
 * - triggered: id, user, price=stop price, qty=remaining quantity
 */
export interface EventRecord {
  kind: number;
  seq: number;
  ts: number;
  book: number;
  id: number;
  user: number;
  price: number;
  qty: number;
  leaves: number;
  otherId: number;
  otherUser: number;
  otherLeaves: number;
  tradeId: number;
  code: number;
}

export function emptyEvent(): EventRecord {
  return {
    kind: 0,
    seq: 0,
    ts: 0,
    book: 0,
    id: 0,
    user: 0,
    price: 0,
    qty: 0,
    leaves: 0,
    otherId: 0,
    otherUser: 0,
    otherLeaves: 0,
    tradeId: 0,
    code: 0,
  };
}
