// The engine's command struct (EngineCommand: one reused object, the
// sequencer's input-log record), plain-object forms of commands and events
// for the edges (replay tool, tests), and the exact use of every event field.
// The hot path never builds the plain objects: it reads one reused command
// and writes events into the typed-array buffer (events.ts).

export interface SymbolSpec {
  name: string;
  /** Valid prices are multiples of tickSize (in the symbol's integer price unit, "ticks"). */
  tickSize: number;
  /** Valid quantities are multiples of lotSize (in the symbol's integer quantity unit, "lots"). */
  lotSize: number;
  minPrice: number;
  maxPrice: number;
  maxQty: number;
}

/** Codes of the commands in the input log; equal to the schema's Command union codes. */
export const CommandCode = { NewOrder: 1, Cancel: 2, Modify: 3, SymbolDef: 4, MassCancel: 5, SymbolStatus: 6 } as const;
export type CommandCode = (typeof CommandCode)[keyof typeof CommandCode];

/**
 * One command as the engine reads it. The sequencer's input-log record
 * (protocol's InputRecordView) has exactly these fields and is reused for
 * every command: the engine reads it during the call and keeps nothing.
 * Fields a command does not use are 0 (false), and the engine never reads them.
 */
export interface EngineCommand {
  /** CommandCode. */
  readonly command: number;
  readonly engineSeq: number;
  /** Receive time stamped by the sequencer, ns since the Unix epoch; events carry it in µs (floor). */
  readonly receivedNs: number;
  readonly userId: number;
  /** Exchange-wide order id: new, cancel, modify. */
  readonly orderId: number;
  /** The submitter's id for the order (mass cancel, symbol status: the request id), echoed on events. */
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
  /** Mass cancel with reason Admin: every user's orders in scope, not only `userId`'s. */
  readonly allUsers: boolean;
  /** Symbol status: TradingStatus (open, halted) for book `symbolId`. */
  readonly tradingStatus: number;
  /** Symbol definition. */
  readonly symbol: Readonly<SymbolSpec>;
}

/**
 * A mutable EngineCommand for callers that are not the sequencer (the replay
 * tool, snapshot restore, tests, benchmarks). Reuse one per caller: every
 * engine entry point then sees objects of a single shape.
 */
export class CommandStruct implements EngineCommand {
  command = 0;
  engineSeq = 0;
  receivedNs = 0;
  userId = 0;
  orderId = 0;
  clientOrderId = 0;
  symbolId = 0;
  side = 0;
  type = 0;
  tif = 0;
  postOnly = false;
  stp = 0;
  priceTicks = 0;
  qtyLots = 0;
  stopPriceTicks = 0;
  oneSymbol = false;
  massSide = 0;
  cancelReason = 0;
  allUsers = false;
  tradingStatus = 0;
  readonly symbol: SymbolSpec = { name: "", tickSize: 0, lotSize: 0, minPrice: 0, maxPrice: 0, maxQty: 0 };

  /** Zeroes every field but the symbol (which only SymbolDef reads). */
  clear(): this {
    this.command = 0;
    this.engineSeq = 0;
    this.receivedNs = 0;
    this.userId = 0;
    this.orderId = 0;
    this.clientOrderId = 0;
    this.symbolId = 0;
    this.side = 0;
    this.type = 0;
    this.tif = 0;
    this.postOnly = false;
    this.stp = 0;
    this.priceTicks = 0;
    this.qtyLots = 0;
    this.stopPriceTicks = 0;
    this.oneSymbol = false;
    this.massSide = 0;
    this.cancelReason = 0;
    this.allUsers = false;
    this.tradingStatus = 0;
    return this;
  }
}

// ---- Plain commands (edges and tests) ---------------------------------------

export interface SymbolCommand {
  op: "symbol";
  seq: number;
  tsUs: number;
  spec: SymbolSpec;
}

export interface NewOrderCommand {
  op: "new";
  seq: number;
  tsUs: number;
  /** Book index from the symbol registry; -1 when the symbol is unknown. */
  book: number;
  id: number;
  user: number;
  clientOrderId: number;
  side: number;
  type: number;
  tif: number;
  postOnly: boolean;
  stp: number;
  /** Limit price; for market and stop-market orders 0 (no protection) or a protection limit. */
  priceTicks: number;
  qtyLots: number;
  /** Stop price for stop orders; 0 otherwise. */
  stopPriceTicks: number;
}

export interface CancelCommand {
  op: "cancel";
  seq: number;
  tsUs: number;
  book: number;
  id: number;
  user: number;
  clientOrderId: number;
}

export interface ModifyCommand {
  op: "modify";
  seq: number;
  tsUs: number;
  book: number;
  id: number;
  user: number;
  clientOrderId: number;
  priceTicks: number;
  qtyLots: number;
}

export interface MassCancelCommand {
  op: "mass_cancel";
  seq: number;
  tsUs: number;
  user: number;
  /** The request id, echoed on the summary event. */
  clientOrderId: number;
  /** False: every book (`book` is ignored). */
  oneSymbol: boolean;
  book: number;
  /** MassCancelSide. */
  massSide: number;
  /** CancelReason: MassCancel, Disconnect, DeadMansSwitch or Admin. */
  cancelReason: number;
  /** Every user's orders (reason Admin only); absent is false. */
  allUsers?: boolean;
}

export interface SymbolStatusCommand {
  op: "symbol_status";
  seq: number;
  tsUs: number;
  book: number;
  /** TradingStatus: open 0, halted 1. */
  status: number;
  /** The request id. */
  clientOrderId: number;
}

export type Command =
  SymbolCommand | NewOrderCommand | CancelCommand | ModifyCommand | MassCancelCommand | SymbolStatusCommand;

/**
 * One engine event as a plain object (EventBuffer.record). Every event has
 * kind, seq (of the command that caused it), tsUs (that command's receive
 * time), book, id, user, side and clientId of the order it is about, and code.
 * The other fields are 0 unless the kind uses them:
 * - accepted:  code=side, priceTicks=limit or protection price (0: none), qtyLots=order quantity
 * - rejected:  id, user, clientId and side echo the command (side 0 unless it is buy or sell),
 *              code=reject reason; book=-1 for unknown_symbol and for an all-symbol mass cancel
 * - trade:     id/user/clientId/side=taker, code=taker side, priceTicks, qtyLots, tradeId,
 *              leavesQtyLots=taker remaining after the trade,
 *              otherId/otherUser/otherClientId=maker (resting on the opposite side at priceTicks),
 *              otherLeavesQtyLots=maker remaining after the trade (0: it left the book)
 * - cancelled: code=cancel reason, qtyLots=quantity cancelled, priceTicks=price of the level
 *              the quantity left (0 when it was not in the book: a taker's remainder, a stop)
 * - modified:  priceTicks/qtyLots=new price and remaining quantity,
 *              oldPriceTicks/oldQtyLots=price and remaining quantity before
 * - triggered: priceTicks=stop price, qtyLots=remaining quantity
 * - reduced:   code=cancel reason, qtyLots=quantity removed, leavesQtyLots=remaining (still live),
 *              priceTicks=price of its level (0 for a taker)
 * - mass_cancelled: user, clientId=request id, code=cancel reason, qtyLots=orders cancelled,
 *              book=the symbol, or -1 for every symbol; id=the command's order id, side 0;
 *              user=the command's user (0 for an operator's cancel of every user)
 * - booked:    priceTicks=price of the level, qtyLots=quantity that joined its tail
 */
export interface EventRecord {
  kind: number;
  seq: number;
  tsUs: number;
  book: number;
  id: number;
  user: number;
  side: number;
  clientId: number;
  code: number;
  priceTicks: number;
  qtyLots: number;
  leavesQtyLots: number;
  otherId: number;
  otherUser: number;
  otherClientId: number;
  otherLeavesQtyLots: number;
  tradeId: number;
  oldPriceTicks: number;
  oldQtyLots: number;
}

export function emptyEvent(): EventRecord {
  return {
    kind: 0,
    seq: 0,
    tsUs: 0,
    book: 0,
    id: 0,
    user: 0,
    side: 0,
    clientId: 0,
    code: 0,
    priceTicks: 0,
    qtyLots: 0,
    leavesQtyLots: 0,
    otherId: 0,
    otherUser: 0,
    otherClientId: 0,
    otherLeavesQtyLots: 0,
    tradeId: 0,
    oldPriceTicks: 0,
    oldQtyLots: 0,
  };
}
