// Encoding of frames: one reused flatbuffers Builder (sized so it never grows)
// writes a whole frame, length prefix included, into
// `encoder.bytes[encoder.start, encoder.end)`, valid until the next encode.

import * as flatbuffers from "flatbuffers";
import {
  clientFrameBytesMax,
  inputRecordBytesMax,
  loginSymbolsCountMax,
  openOrdersPageCountMax,
  serverFrameBytesMax,
  u32Range,
} from "./constants.ts";
import * as wire from "./generated/exchange_generated.ts";
// flatc re-exports only what the root type (Message) reaches; the input-log root comes on its own.
import { InputRecord } from "./generated/wire/input-record.ts";
import * as layout from "./layout.ts";
import type {
  ClientMessage,
  InputRecordView,
  OpenOrderInfo,
  OrderFields,
  ServerMessage,
  WireSymbol,
} from "./messages.ts";
import { isByte, isI32, isU32, isU53, isU64 } from "./ranges.ts";

/** Builder fields reused across messages instead of reallocated by `clear`. */
interface BuilderInternals {
  vtables: number[];
  vtable: number[] | null;
}

/** A Builder whose `clear` keeps its two bookkeeping arrays (the runtime's allocates new ones). */
export class ReusableBuilder extends flatbuffers.Builder {
  override clear(): void {
    const self = this as unknown as BuilderInternals;
    const vtables = self.vtables;
    const vtable = self.vtable;
    super.clear();
    if (Array.isArray(vtables)) {
      vtables.length = 0;
      self.vtables = vtables;
    }
    if (Array.isArray(vtable)) self.vtable = vtable;
  }
}

/** A caller bug: the message text is built only here, so the checks cost no allocation. */
function fail(fact: string): never {
  throw new Error(`encode: ${fact}`);
}

/**
 * Encodes frames. Encoding values outside their wire type (a qty of 2^53, a
 * price above 2^31, a side of 256) or a frame above its limit is a caller bug
 * and throws; the exchange only encodes values it produced itself.
 */
export class Encoder {
  private readonly builder: ReusableBuilder;
  /** The last frame, length prefix included, is `bytes[start, end)`. */
  bytes: Uint8Array = new Uint8Array(0);
  start = 0;
  end = 0;

  constructor() {
    // Twice the largest frame: the builder never grows, so it never reallocates.
    this.builder = new ReusableBuilder(2 * serverFrameBytesMax);
  }

  /** A copy of the last frame (tests and tools; the hot path writes `bytes[start, end)`). */
  frame(): Uint8Array {
    return this.bytes.slice(this.start, this.end);
  }

  private u53(v: number, name: string): number {
    if (!isU53(v)) fail(`${name} ${v} is not an integer in [0, 2^53)`);
    return wire.U53.createU53(this.builder, v >>> 0, Math.floor(v / u32Range));
  }

  private u64(v: number, name: string): number {
    if (!isU64(v)) fail(`${name} ${v} is not an integer in [0, 2^64)`);
    const hi = Math.floor(v / u32Range);
    return wire.U64.createU64(this.builder, v - hi * u32Range, hi);
  }

  private string(s: string, bytesMax: number, name: string): number {
    const offset = this.builder.createString(s);
    // createString wrote the UTF-8 length just before the bytes.
    const length = this.builder.dataBuffer().readUint32(this.builder.dataBuffer().capacity() - offset);
    if (!(length <= bytesMax)) fail(`${name} is ${length} bytes, limit ${bytesMax}`);
    return offset;
  }

  private finish(root: number, bytesMax: number): number {
    const b = this.builder;
    b.finish(root, undefined, true);
    const data = b.dataBuffer();
    this.bytes = data.bytes();
    this.start = data.position();
    this.end = this.start + b.offset();
    const frameBytes = this.end - this.start;
    if (!(frameBytes <= bytesMax)) fail(`frame of ${frameBytes} bytes above the limit ${bytesMax}`);
    return frameBytes;
  }

  private message(seq: number, bodyType: number, body: number, bytesMax: number): number {
    const b = this.builder;
    wire.Message.startMessage(b);
    wire.Message.addSeq(b, this.u53(seq, "seq"));
    wire.Message.addBodyType(b, bodyType);
    wire.Message.addBody(b, body);
    return this.finish(wire.Message.endMessage(b), bytesMax);
  }

  /** Encodes a client message (by `msg.body`); returns the frame's byte count. */
  client(msg: ClientMessage): number {
    const b = this.builder;
    b.clear();
    let body: number;
    switch (msg.body) {
      case wire.Body.Login: {
        const key = this.string(msg.apiKey, layout.Login.fields[0]!.countMax, "api_key");
        if (!isU32(msg.cancelOnDisconnectGraceMs))
          fail(`cancel_on_disconnect_grace_ms ${msg.cancelOnDisconnectGraceMs}`);
        body = wire.Login.createLogin(b, key, msg.cancelOnDisconnect, msg.cancelOnDisconnectGraceMs);
        break;
      }
      case wire.Body.NewOrder:
        body = this.newOrder(msg);
        break;
      case wire.Body.Cancel:
        body = this.cancel(msg);
        break;
      case wire.Body.Modify:
        body = this.modify(msg);
        break;
      case wire.Body.MassCancel:
        body = this.massCancel(msg);
        break;
      case wire.Body.DeadMansSwitch:
        if (!isU32(msg.timeoutMs)) fail(`timeout_ms ${msg.timeoutMs}`);
        body = wire.DeadMansSwitch.createDeadMansSwitch(b, msg.timeoutMs);
        break;
      case wire.Body.Heartbeat:
        wire.Heartbeat.startHeartbeat(b);
        body = wire.Heartbeat.endHeartbeat(b);
        break;
      case wire.Body.OpenOrdersRequest:
        wire.OpenOrdersRequest.startOpenOrdersRequest(b);
        body = wire.OpenOrdersRequest.endOpenOrdersRequest(b);
        break;
      case wire.Body.Logout:
        body = this.logout(msg.logoutReason, msg.text);
        break;
      default:
        throw new Error(`encode: body ${msg.body} is not a client message`);
    }
    return this.message(msg.seq, msg.body, body, clientFrameBytesMax);
  }

  private checkOrder(o: OrderFields): void {
    if (!isU32(o.symbolId)) fail(`symbol_id ${o.symbolId}`);
    if (!(isByte(o.side) && isByte(o.type) && isByte(o.tif) && isByte(o.stp))) fail("side, type, tif, stp are bytes");
    if (!(isI32(o.priceTicks) && isI32(o.stopPriceTicks)))
      fail(`price ${o.priceTicks} / stop ${o.stopPriceTicks} fit int32`);
  }

  private newOrder(o: OrderFields): number {
    this.checkOrder(o);
    const b = this.builder;
    wire.NewOrder.startNewOrder(b);
    wire.NewOrder.addClientOrderId(b, this.u53(o.clientOrderId, "client_order_id"));
    wire.NewOrder.addQty(b, this.u53(o.qtyLots, "qty"));
    wire.NewOrder.addSymbolId(b, o.symbolId);
    wire.NewOrder.addPrice(b, o.priceTicks);
    wire.NewOrder.addStopPrice(b, o.stopPriceTicks);
    wire.NewOrder.addSide(b, o.side);
    wire.NewOrder.addType(b, o.type);
    wire.NewOrder.addTif(b, o.tif);
    wire.NewOrder.addPostOnly(b, o.postOnly);
    wire.NewOrder.addStp(b, o.stp);
    return wire.NewOrder.endNewOrder(b);
  }

  private cancel(o: OrderFields): number {
    if (!isU32(o.symbolId)) fail(`symbol_id ${o.symbolId}`);
    const b = this.builder;
    wire.Cancel.startCancel(b);
    wire.Cancel.addClientOrderId(b, this.u53(o.clientOrderId, "client_order_id"));
    wire.Cancel.addSymbolId(b, o.symbolId);
    return wire.Cancel.endCancel(b);
  }

  private modify(o: OrderFields): number {
    if (!(isU32(o.symbolId) && isI32(o.priceTicks))) fail(`symbol_id ${o.symbolId}, price ${o.priceTicks}`);
    const b = this.builder;
    wire.Modify.startModify(b);
    wire.Modify.addClientOrderId(b, this.u53(o.clientOrderId, "client_order_id"));
    wire.Modify.addQty(b, this.u53(o.qtyLots, "qty"));
    wire.Modify.addSymbolId(b, o.symbolId);
    wire.Modify.addPrice(b, o.priceTicks);
    return wire.Modify.endModify(b);
  }

  private logout(reason: number, text: string): number {
    if (!isByte(reason)) fail(`logout reason ${reason}`);
    const t = text === "" ? 0 : this.string(text, layout.Logout.fields[1]!.countMax, "text");
    return wire.Logout.createLogout(this.builder, reason, t);
  }

  /** Encodes an exchange message (by `msg.body`); returns the frame's byte count. */
  server(msg: ServerMessage): number {
    const b = this.builder;
    b.clear();
    let body: number;
    switch (msg.body) {
      case wire.Body.LoginAccepted:
        body = this.loginAccepted(msg);
        break;
      case wire.Body.LoginRejected: {
        if (!isByte(msg.reason)) fail(`login reject reason ${msg.reason}`);
        const t = msg.text === "" ? 0 : this.string(msg.text, layout.LoginRejected.fields[1]!.countMax, "text");
        body = wire.LoginRejected.createLoginRejected(b, msg.reason, t);
        break;
      }
      case wire.Body.ExecutionReport:
        body = this.report(msg);
        break;
      case wire.Body.Heartbeat:
        wire.Heartbeat.startHeartbeat(b);
        body = wire.Heartbeat.endHeartbeat(b);
        break;
      case wire.Body.OpenOrders:
        body = this.openOrders(msg);
        break;
      case wire.Body.DeadMansSwitchStatus:
        if (!isU32(msg.timeoutMs)) fail(`timeout_ms ${msg.timeoutMs}`);
        body = wire.DeadMansSwitchStatus.createDeadMansSwitchStatus(b, msg.timeoutMs);
        break;
      case wire.Body.Logout:
        body = this.logout(msg.reason, msg.text);
        break;
      default:
        throw new Error(`encode: body ${msg.body} is not an exchange message`);
    }
    return this.message(msg.seq, msg.body, body, serverFrameBytesMax);
  }

  private massCancel(o: OrderFields): number {
    if (!isU32(o.symbolId)) fail(`symbol_id ${o.symbolId}`);
    if (!(isByte(o.massSide) && isByte(o.cancelReason)))
      fail(`mass cancel side ${o.massSide} reason ${o.cancelReason}`);
    const b = this.builder;
    wire.MassCancel.startMassCancel(b);
    wire.MassCancel.addRequestId(b, this.u53(o.clientOrderId, "request_id"));
    wire.MassCancel.addSymbolId(b, o.symbolId);
    wire.MassCancel.addOneSymbol(b, o.oneSymbol);
    wire.MassCancel.addSide(b, o.massSide);
    wire.MassCancel.addReason(b, o.cancelReason);
    wire.MassCancel.addAllUsers(b, o.allUsers);
    return wire.MassCancel.endMassCancel(b);
  }

  private symbolStatus(r: InputRecordView): number {
    if (!isU32(r.symbolId)) fail(`symbol_id ${r.symbolId}`);
    if (!isByte(r.tradingStatus)) fail(`status ${r.tradingStatus}`);
    const b = this.builder;
    const reason =
      r.statusReason === "" ? 0 : this.string(r.statusReason, layout.SymbolStatus.fields[3]!.countMax, "reason");
    wire.SymbolStatus.startSymbolStatus(b);
    wire.SymbolStatus.addRequestId(b, this.u53(r.clientOrderId, "request_id"));
    wire.SymbolStatus.addSymbolId(b, r.symbolId);
    wire.SymbolStatus.addStatus(b, r.tradingStatus);
    if (reason !== 0) wire.SymbolStatus.addReason(b, reason);
    return wire.SymbolStatus.endSymbolStatus(b);
  }

  private symbolDef(s: WireSymbol): number {
    if (!isU32(s.symbolId)) fail(`symbol_id ${s.symbolId}`);
    if (!(isI32(s.tickSize) && isI32(s.minPrice) && isI32(s.maxPrice))) fail(`symbol ${s.name} prices fit int32`);
    const b = this.builder;
    const name = this.string(s.name, layout.SymbolDef.fields[1]!.countMax, "name");
    wire.SymbolDef.startSymbolDef(b);
    wire.SymbolDef.addLotSize(b, this.u53(s.lotSize, "lot_size"));
    wire.SymbolDef.addMaxQty(b, this.u53(s.maxQty, "max_qty"));
    wire.SymbolDef.addSymbolId(b, s.symbolId);
    wire.SymbolDef.addName(b, name);
    wire.SymbolDef.addTickSize(b, s.tickSize);
    wire.SymbolDef.addMinPrice(b, s.minPrice);
    wire.SymbolDef.addMaxPrice(b, s.maxPrice);
    return wire.SymbolDef.endSymbolDef(b);
  }

  private loginAccepted(msg: ServerMessage): number {
    const b = this.builder;
    const count = msg.symbols.length;
    if (!(count <= loginSymbolsCountMax)) fail(`${count} symbols above ${loginSymbolsCountMax}`);
    const offsets = new Array<number>(count);
    for (let i = 0; i < count; i++) offsets[i] = this.symbolDef(msg.symbols[i]!);
    const symbols = wire.LoginAccepted.createSymbolsVector(b, offsets);
    const l = msg.limits;
    if (!(
      isU32(l.frameBytesMax) &&
      isU32(l.openOrdersMax) &&
      isU32(l.messagesPerSecondMax) &&
      isU32(l.heartbeatIntervalMs)
    ))
      fail("limits fit uint32");
    const limits = wire.SessionLimits.createSessionLimits(
      b,
      l.frameBytesMax,
      l.openOrdersMax,
      l.messagesPerSecondMax,
      l.heartbeatIntervalMs,
    );
    wire.LoginAccepted.startLoginAccepted(b);
    wire.LoginAccepted.addUserId(b, this.u53(msg.userId, "user_id"));
    wire.LoginAccepted.addSessionId(b, this.u53(msg.sessionId, "session_id"));
    wire.LoginAccepted.addSymbols(b, symbols);
    wire.LoginAccepted.addLimits(b, limits);
    return wire.LoginAccepted.endLoginAccepted(b);
  }

  private report(msg: ServerMessage): number {
    const r = msg.report;
    const b = this.builder;
    if (!(isByte(r.kind) && isByte(r.rejectReason) && isByte(r.cancelReason) && isByte(r.side) && isByte(r.liquidity)))
      fail("report codes are bytes");
    if (!(isU32(r.symbolId) && isI32(r.priceTicks))) fail(`symbol_id ${r.symbolId}, price ${r.priceTicks}`);
    wire.ExecutionReport.startExecutionReport(b);
    // Optional wide fields that are 0 are left out (8 bytes each); they read back as 0.
    wire.ExecutionReport.addClientOrderId(b, this.u53(r.clientOrderId, "client_order_id"));
    if (r.orderId !== 0) wire.ExecutionReport.addOrderId(b, this.u53(r.orderId, "order_id"));
    if (r.qtyLots !== 0) wire.ExecutionReport.addQty(b, this.u53(r.qtyLots, "qty"));
    if (r.leavesQtyLots !== 0) wire.ExecutionReport.addLeavesQty(b, this.u53(r.leavesQtyLots, "leaves_qty"));
    if (r.tradeId !== 0) wire.ExecutionReport.addTradeId(b, this.u53(r.tradeId, "trade_id"));
    wire.ExecutionReport.addEngineSeq(b, this.u53(r.engineSeq, "engine_seq"));
    if (r.timestampNs !== 0) wire.ExecutionReport.addTimestampNs(b, this.u64(r.timestampNs, "timestamp_ns"));
    wire.ExecutionReport.addSymbolId(b, r.symbolId);
    wire.ExecutionReport.addPrice(b, r.priceTicks);
    wire.ExecutionReport.addKind(b, r.kind);
    wire.ExecutionReport.addRejectReason(b, r.rejectReason);
    wire.ExecutionReport.addCancelReason(b, r.cancelReason);
    wire.ExecutionReport.addSide(b, r.side);
    wire.ExecutionReport.addLiquidity(b, r.liquidity);
    return wire.ExecutionReport.endExecutionReport(b);
  }

  private openOrder(o: OpenOrderInfo): number {
    this.checkOrder(o);
    const b = this.builder;
    wire.OpenOrder.startOpenOrder(b);
    wire.OpenOrder.addClientOrderId(b, this.u53(o.clientOrderId, "client_order_id"));
    if (o.orderId !== 0) wire.OpenOrder.addOrderId(b, this.u53(o.orderId, "order_id"));
    if (o.qtyLots !== 0) wire.OpenOrder.addQty(b, this.u53(o.qtyLots, "qty"));
    if (o.leavesQtyLots !== 0) wire.OpenOrder.addLeavesQty(b, this.u53(o.leavesQtyLots, "leaves_qty"));
    wire.OpenOrder.addSymbolId(b, o.symbolId);
    wire.OpenOrder.addPrice(b, o.priceTicks);
    wire.OpenOrder.addStopPrice(b, o.stopPriceTicks);
    wire.OpenOrder.addSide(b, o.side);
    wire.OpenOrder.addType(b, o.type);
    wire.OpenOrder.addTif(b, o.tif);
    wire.OpenOrder.addPostOnly(b, o.postOnly);
    wire.OpenOrder.addStp(b, o.stp);
    return wire.OpenOrder.endOpenOrder(b);
  }

  private openOrders(msg: ServerMessage): number {
    const b = this.builder;
    const count = msg.orders.length;
    if (!(count <= openOrdersPageCountMax)) fail(`${count} orders above the page limit ${openOrdersPageCountMax}`);
    const offsets = new Array<number>(count);
    for (let i = 0; i < count; i++) offsets[i] = this.openOrder(msg.orders[i]!);
    const orders = wire.OpenOrders.createOrdersVector(b, offsets);
    return wire.OpenOrders.createOpenOrders(b, orders, msg.more);
  }

  /** Encodes an input-log record; returns the frame's byte count. */
  inputRecord(r: InputRecordView): number {
    const b = this.builder;
    b.clear();
    let command: number;
    switch (r.command) {
      case wire.Command.NewOrder:
        command = this.newOrder(r);
        break;
      case wire.Command.Cancel:
        command = this.cancel(r);
        break;
      case wire.Command.Modify:
        command = this.modify(r);
        break;
      case wire.Command.SymbolDef:
        command = this.symbolDef(r.symbol);
        break;
      case wire.Command.MassCancel:
        command = this.massCancel(r);
        break;
      case wire.Command.SymbolStatus:
        command = this.symbolStatus(r);
        break;
      default:
        throw new Error(`encode: command ${r.command} unknown`);
    }
    InputRecord.startInputRecord(b);
    InputRecord.addEngineSeq(b, this.u53(r.engineSeq, "engine_seq"));
    InputRecord.addReceivedNs(b, this.u64(r.receivedNs, "received_ns"));
    // Optional wide fields that are 0 (a symbol definition has no user) are left out.
    if (r.userId !== 0) InputRecord.addUserId(b, this.u53(r.userId, "user_id"));
    if (r.sessionId !== 0) InputRecord.addSessionId(b, this.u53(r.sessionId, "session_id"));
    if (r.sessionSeq !== 0) InputRecord.addSessionSeq(b, this.u53(r.sessionSeq, "session_seq"));
    if (r.orderId !== 0) InputRecord.addOrderId(b, this.u53(r.orderId, "order_id"));
    InputRecord.addCommandType(b, r.command);
    InputRecord.addCommand(b, command);
    return this.finish(InputRecord.endInputRecord(b), inputRecordBytesMax);
  }
}
