// Plain, preallocated forms of the wire messages. A decoder fills one of these
// in place (no allocation per frame on the hot path) and an encoder reads one.
// Fields a message type does not use are 0 (or "" / empty). U53 values are
// JS numbers; a value that does not fit below 2^53 decodes as -1, which every
// range check (and the engine's own validation) refuses.
// After a decode error only `body` (or `command`) is meaningful: it is 0.

import type { EngineCommand, SymbolSpec } from "../engine/command.ts";

/** Fields shared by NewOrder, Cancel, Modify, MassCancel and SymbolStatus. */
export class OrderFields {
  /** The client's order id (MassCancel: its request id); -1 when the wire value is 2^53 or above. */
  clientOrderId = 0;
  symbolId = 0;
  side = 0;
  type = 0;
  tif = 0;
  postOnly = false;
  stp = 0;
  priceTicks = 0;
  /** -1 when the wire value is 2^53 or above. */
  qtyLots = 0;
  stopPriceTicks = 0;
  /** MassCancel: false covers every symbol (symbolId is ignored). */
  oneSymbol = false;
  /** MassCancel: MassCancelSide (0 both, 1 buy, 2 sell). */
  massSide = 0;
  /** MassCancel: the CancelReason it carries (set by the exchange, not the client). */
  cancelReason = 0;
  /** MassCancel, input log only (reason Admin): every user's orders, not only the record's user's. */
  allUsers = false;
  /** SymbolStatus: SymbolTradingStatus (0 open, 1 halted). */
  tradingStatus = 0;

  clearOrder(): void {
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
  }
}

/**
 * A message from a client: Login, NewOrder, Cancel, Modify, MassCancel,
 * DeadMansSwitch, Heartbeat, OpenOrdersRequest, Logout. A MassCancel's
 * request id is in `clientOrderId`, its side in `massSide`, its reason in
 * `cancelReason` (clients send 0).
 */
export class ClientMessage extends OrderFields {
  /** Per-session sequence number; -1 when 2^53 or above. */
  seq = 0;
  /** The Body union type code. */
  body = 0;
  /** 0, or the engine Reject code for a value outside its domain (the message is otherwise well formed). */
  reject = 0;
  /** Login: the API key (a string is built: once per session). */
  apiKey = "";
  /** Login: cancel the user's orders when the session ends and no new one logs in within the grace period. */
  cancelOnDisconnect = false;
  cancelOnDisconnectGraceMs = 0;
  /** DeadMansSwitch: the timeout to arm (0 disarms). */
  timeoutMs = 0;
  /** Logout: LogoutReason code and text. */
  logoutReason = 0;
  text = "";

  /** Zeroes every field but `seq` and `body`: what a decoder does before it reads a message. */
  clearMessage(): void {
    this.clearOrder();
    this.reject = 0;
    this.apiKey = "";
    this.cancelOnDisconnect = false;
    this.cancelOnDisconnectGraceMs = 0;
    this.timeoutMs = 0;
    this.logoutReason = 0;
    this.text = "";
  }
}

/** A symbol as the wire lists it: the engine's spec plus its id. */
export interface WireSymbol extends SymbolSpec {
  symbolId: number;
}

export function emptySymbol(): WireSymbol {
  return { symbolId: 0, name: "", tickSize: 0, lotSize: 0, minPrice: 0, maxPrice: 0, maxQty: 0 };
}

export function clearSymbol(s: WireSymbol): void {
  s.symbolId = 0;
  s.name = "";
  s.tickSize = 0;
  s.lotSize = 0;
  s.minPrice = 0;
  s.maxPrice = 0;
  s.maxQty = 0;
}

/** One entry of an OpenOrders page. */
export class OpenOrderInfo extends OrderFields {
  orderId = 0;
  leavesQtyLots = 0;
}

/** ExecutionReport fields. */
export class ExecReport {
  kind = 0;
  rejectReason = 0;
  cancelReason = 0;
  clientOrderId = 0;
  orderId = 0;
  symbolId = 0;
  side = 0;
  priceTicks = 0;
  qtyLots = 0;
  leavesQtyLots = 0;
  tradeId = 0;
  liquidity = 0;
  engineSeq = 0;
  /** Nanoseconds since the Unix epoch. Above 2^53 a JS number is rounded; the wire keeps 64 bits. */
  timestampNs = 0;

  clear(): void {
    this.kind = 0;
    this.rejectReason = 0;
    this.cancelReason = 0;
    this.clientOrderId = 0;
    this.orderId = 0;
    this.symbolId = 0;
    this.side = 0;
    this.priceTicks = 0;
    this.qtyLots = 0;
    this.leavesQtyLots = 0;
    this.tradeId = 0;
    this.liquidity = 0;
    this.engineSeq = 0;
    this.timestampNs = 0;
  }
}

/** Limits told to a client at login. */
export class SessionLimitsInfo {
  frameBytesMax = 0;
  openOrdersMax = 0;
  messagesPerSecondMax = 0;
  heartbeatIntervalMs = 0;
}

/** A message from the exchange. Lists (symbols, orders) are edge data: decoding them allocates. */
export class ServerMessage {
  seq = 0;
  body = 0;
  /** LoginAccepted. */
  userId = 0;
  sessionId = 0;
  symbols: WireSymbol[] = [];
  readonly limits = new SessionLimitsInfo();
  /** LoginRejected (LoginRejectReason) or Logout (LogoutReason). */
  reason = 0;
  text = "";
  /** ExecutionReport. */
  readonly report = new ExecReport();
  /** OpenOrders page; `more` is true when more pages follow. */
  orders: OpenOrderInfo[] = [];
  more = false;
  /** DeadMansSwitchStatus: the timeout now in force, ms (0 = disarmed). */
  timeoutMs = 0;

  /**
   * Zeroes every field but `seq`, `body` and `report` (a decoder clears or
   * fills the report itself). Lists are replaced, not emptied: the caller may
   * still hold the previous ones.
   */
  clearAllButReport(): void {
    this.userId = 0;
    this.sessionId = 0;
    this.reason = 0;
    this.text = "";
    this.more = false;
    this.timeoutMs = 0;
    if (this.symbols.length !== 0) this.symbols = [];
    if (this.orders.length !== 0) this.orders = [];
    const l = this.limits;
    l.frameBytesMax = 0;
    l.openOrdersMax = 0;
    l.messagesPerSecondMax = 0;
    l.heartbeatIntervalMs = 0;
  }
}

/** One input-log record: a command stamped by the sequencer. */
export class InputRecordView extends OrderFields implements EngineCommand {
  engineSeq = 0;
  /** Receive time, nanoseconds since the Unix epoch (a JS number rounds above 2^53). */
  receivedNs = 0;
  userId = 0;
  sessionId = 0;
  sessionSeq = 0;
  /** The exchange-wide order id (new, cancel, modify). */
  orderId = 0;
  /** The Command union type code. */
  command = 0;
  /** SymbolDef (the name is a string built per record: symbol definitions are rare). */
  readonly symbol: WireSymbol = emptySymbol();
  /** SymbolStatus: the operator's reason (a string built per record: status changes are rare). */
  statusReason = "";
}
