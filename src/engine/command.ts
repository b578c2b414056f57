// The engine's command struct (EngineCommand: one reused object, the
// sequencer's input-log record) and plain-object forms of commands and events
// for the edges (replay tool, tests, the reference book). The hot path never
// builds the plain objects: it reads events from the typed-array buffer.

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

/** Codes of the commands in the input log; equal to the schema's Command union codes. */
export const CommandCode = { NewOrder: 1, Cancel: 2, Modify: 3, SymbolDef: 4, MassCancel: 5 } as const;
export type CommandCode = (typeof CommandCode)[keyof typeof CommandCode];

/**
 * One command as the engine reads it. The sequencer's input-log record
 * (protocol's InputRecordView) has exactly these fields and is reused for
 * every command: the engine reads it during the call and keeps nothing.
 * Fields a command does not use are 0 (false).
 */
export interface EngineCommand {
  /** CommandCode. */
  readonly command: number;
  readonly engineSeq: number;
  /** Receive time stamped by the sequencer, ns since the Unix epoch; events carry it in µs. */
  readonly receivedNs: number;
  readonly userId: number;
  /** Exchange-wide order id: new, cancel, modify. */
  readonly orderId: number;
  /** The submitter's id for the order (mass cancel: its request id), echoed on events. */
  readonly clientOrderId: number;
  /** Book index (= symbol id). */
  readonly symbolId: number;
  readonly side: number;
  readonly type: number;
  readonly tif: number;
  readonly postOnly: boolean;
  readonly stp: number;
  readonly priceTicks: number;
  readonly qtyLots: number;
  readonly stopPriceTicks: number;
  /** Mass cancel: false covers every symbol (symbolId is ignored). */
  readonly oneSymbol: boolean;
  /** Mass cancel: MassCancelSide. */
  readonly massSide: number;
  /** Mass cancel: the CancelReason its cancels carry. */
  readonly cancelReason: number;
  /** Symbol definition. */
  readonly symbol: Readonly<SymbolSpec>;
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
