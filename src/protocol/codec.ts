// Decoding of frames and the value checks of client messages. A decoder
// verifies a payload first (verify.ts), then reads it through the generated
// table classes, re-pointed (`__init`) at each frame, into a preallocated
// plain struct (messages.ts): no allocation per order message. Decoders take
// the payload range `bytes[start, end)` that FrameSplitter hands out.
// Encoding lives in encode.ts and is re-exported here.

import * as flatbuffers from "flatbuffers";
import { MassCancelSide, OrderType, Reject, Side, Stp, Tif } from "../engine/constants.ts";
import { ProtocolError, u32Range } from "./constants.ts";
import * as wire from "./generated/exchange_generated.ts";
// flatc re-exports only what the root type (Message) reaches; the input-log root comes on its own.
import { InputRecord } from "./generated/wire/input-record.ts";
import * as layout from "./layout.ts";
import {
  type ClientMessage,
  clearSymbol,
  emptySymbol,
  type InputRecordView,
  OpenOrderInfo,
  type OrderFields,
  type ServerMessage,
  type WireSymbol,
} from "./messages.ts";
import { Verifier } from "./verify.ts";
import { joinU53 } from "./wire-read.ts";

export const Body = wire.Body;
export const Command = wire.Command;

// ---- Values ---------------------------------------------------------------

/** A U53 struct as a number; 0 when absent, -1 when not below 2^53. */
function u53Value(s: wire.U53 | null): number {
  return s === null ? 0 : joinU53(s.lo(), s.hi());
}

/** A U64 struct as a number (rounded above 2^53); 0 when absent. */
function u64Value(s: wire.U64 | null): number {
  return s === null ? 0 : s.hi() * u32Range + s.lo();
}

const sideMax = Side.Sell;
const orderTypeMax = OrderType.StopMarket;
const tifMax = Tif.Fok;
const stpMax = Stp.Decrement;

/**
 * Domain checks a new order gets before it reaches the engine: what the
 * engine's columns cannot hold. Symbol rules (tick, lot, band) stay the
 * engine's. Same order as src/engine/RULES.md; returns 0 or a Reject code.
 */
export function validateNewOrder(o: OrderFields): number {
  if (o.clientOrderId < 0) return Reject.BadField;
  if (o.side > sideMax || o.type > orderTypeMax || o.tif > tifMax || o.stp > stpMax) return Reject.BadField;
  if (o.qtyLots <= 0) return Reject.BadQuantity;
  if (o.priceTicks < 0 || o.stopPriceTicks < 0) return Reject.PriceOutOfBand;
  return 0;
}

export function validateCancel(o: OrderFields): number {
  return o.clientOrderId < 0 ? Reject.BadField : 0;
}

export function validateModify(o: OrderFields): number {
  if (o.clientOrderId < 0) return Reject.BadField;
  if (o.qtyLots <= 0) return Reject.BadQuantity;
  if (o.priceTicks < 0) return Reject.PriceOutOfBand;
  return 0;
}

const massSideMax = MassCancelSide.Sell;

/**
 * A client's MassCancel: the request id must be a U53, the side a
 * MassCancelSide, the reason None (the exchange, not the client, says why
 * orders are cancelled) and all_users unset (only an operator cancels other
 * users' orders). The symbol is the engine's to check.
 */
export function validateMassCancel(o: OrderFields): number {
  if (o.clientOrderId < 0 || o.massSide > massSideMax || o.cancelReason !== 0 || o.allUsers) return Reject.BadField;
  return 0;
}

// ---- Decoding -------------------------------------------------------------

/**
 * The runtime's ByteBuffer keeps its array in `bytes_`; re-pointing it avoids a ByteBuffer
 * (and a TextDecoder) per chunk.
 */
interface ByteBufferInternals {
  bytes_: Uint8Array;
}

/** Verifies a payload and points the shared ByteBuffer at it. */
class FrameReader {
  readonly verifier = new Verifier();
  protected readonly bb: flatbuffers.ByteBuffer;
  protected readonly u53 = new wire.U53();
  protected readonly u64 = new wire.U64();

  /** `byteBuffer` lets tests pass an instrumented ByteBuffer. */
  constructor(byteBuffer?: flatbuffers.ByteBuffer) {
    this.bb = byteBuffer ?? new flatbuffers.ByteBuffer(new Uint8Array(0));
    if (!("bytes_" in this.bb)) throw new Error("flatbuffers ByteBuffer has no bytes_ field: runtime changed");
  }

  /** The root table's position, or -1 with `verifier.error` set. */
  protected open(bytes: Uint8Array, start: number, end: number, root: layout.TableLayout): number {
    if (this.verifier.verify(bytes, start, end, root) !== ProtocolError.Ok) return -1;
    if (this.bb.bytes() !== bytes) (this.bb as unknown as ByteBufferInternals).bytes_ = bytes;
    return start + this.bb.readUint32(start);
  }

  protected readOrder(o: OrderFields, t: wire.NewOrder): void {
    o.clientOrderId = u53Value(t.clientOrderId(this.u53));
    o.symbolId = t.symbolId();
    o.side = t.side();
    o.type = t.type();
    o.tif = t.tif();
    o.postOnly = t.postOnly();
    o.stp = t.stp();
    o.priceTicks = t.price();
    o.qtyLots = u53Value(t.qty(this.u53));
    o.stopPriceTicks = t.stopPrice();
  }

  protected readCancel(o: OrderFields, t: wire.Cancel): void {
    o.clientOrderId = u53Value(t.clientOrderId(this.u53));
    o.symbolId = t.symbolId();
  }

  protected readModify(o: OrderFields, t: wire.Modify): void {
    o.clientOrderId = u53Value(t.clientOrderId(this.u53));
    o.symbolId = t.symbolId();
    o.priceTicks = t.price();
    o.qtyLots = u53Value(t.qty(this.u53));
  }

  protected readMassCancel(o: OrderFields, t: wire.MassCancel): void {
    o.clientOrderId = u53Value(t.requestId(this.u53));
    o.oneSymbol = t.oneSymbol();
    o.symbolId = t.symbolId();
    o.massSide = t.side();
    o.cancelReason = t.reason();
    o.allUsers = t.allUsers();
  }

  protected readSymbol(s: WireSymbol, t: wire.SymbolDef): void {
    s.symbolId = t.symbolId();
    s.name = t.name() ?? "";
    s.tickSize = t.tickSize();
    s.lotSize = u53Value(t.lotSize(this.u53));
    s.minPrice = t.minPrice();
    s.maxPrice = t.maxPrice();
    s.maxQty = u53Value(t.maxQty(this.u53));
  }
}

/** Decodes frames a client sends. */
export class ClientDecoder extends FrameReader {
  private readonly message = new wire.Message();
  private readonly login = new wire.Login();
  private readonly newOrder = new wire.NewOrder();
  private readonly cancel = new wire.Cancel();
  private readonly modify = new wire.Modify();
  private readonly massCancel = new wire.MassCancel();
  private readonly deadMansSwitch = new wire.DeadMansSwitch();
  private readonly logout = new wire.Logout();

  /**
   * Fills `out` from the payload `bytes[start, end)`. Returns a ProtocolError
   * code: non-zero means the frame is unusable and the session should end
   * (`logoutReasonOf`). On Ok, `out.reject` is 0 or the Reject code for a
   * value outside its domain.
   */
  decode(bytes: Uint8Array, start: number, end: number, out: ClientMessage): number {
    out.clearMessage();
    const root = this.open(bytes, start, end, layout.ClientMessage);
    if (root < 0) {
      out.body = 0;
      return this.verifier.error;
    }
    const m = this.message.__init(root, this.bb);
    out.seq = u53Value(m.seq(this.u53));
    out.body = m.bodyType();
    switch (out.body) {
      case wire.Body.Login: {
        const login = m.body(this.login) as wire.Login;
        out.apiKey = login.apiKey() ?? "";
        out.cancelOnDisconnect = login.cancelOnDisconnect();
        out.cancelOnDisconnectGraceMs = login.cancelOnDisconnectGraceMs();
        break;
      }
      case wire.Body.NewOrder:
        this.readOrder(out, m.body(this.newOrder) as wire.NewOrder);
        out.reject = validateNewOrder(out);
        break;
      case wire.Body.Cancel:
        this.readCancel(out, m.body(this.cancel) as wire.Cancel);
        out.reject = validateCancel(out);
        break;
      case wire.Body.Modify:
        this.readModify(out, m.body(this.modify) as wire.Modify);
        out.reject = validateModify(out);
        break;
      case wire.Body.MassCancel:
        this.readMassCancel(out, m.body(this.massCancel) as wire.MassCancel);
        out.reject = validateMassCancel(out);
        break;
      case wire.Body.DeadMansSwitch:
        out.timeoutMs = (m.body(this.deadMansSwitch) as wire.DeadMansSwitch).timeoutMs();
        break;
      case wire.Body.Logout: {
        const t = m.body(this.logout) as wire.Logout;
        out.logoutReason = t.reason();
        out.text = t.text() ?? "";
        break;
      }
      default:
        // Heartbeat and OpenOrdersRequest carry nothing; the verifier refused every other type.
        break;
    }
    return ProtocolError.Ok;
  }
}

/** Decodes frames the exchange sends (client libraries, tests, tools). */
export class ServerDecoder extends FrameReader {
  private readonly message = new wire.Message();
  private readonly loginAccepted = new wire.LoginAccepted();
  private readonly loginRejected = new wire.LoginRejected();
  private readonly report = new wire.ExecutionReport();
  private readonly openOrders = new wire.OpenOrders();
  private readonly logout = new wire.Logout();
  private readonly deadMansSwitchStatus = new wire.DeadMansSwitchStatus();
  private readonly symbol = new wire.SymbolDef();
  private readonly limits = new wire.SessionLimits();
  private readonly order = new wire.OpenOrder();

  /** Fills `out`; returns a ProtocolError code (0 = Ok). */
  decode(bytes: Uint8Array, start: number, end: number, out: ServerMessage): number {
    out.clearAllButReport();
    out.report.clear();
    const root = this.open(bytes, start, end, layout.ServerMessage);
    if (root < 0) {
      out.body = 0;
      return this.verifier.error;
    }
    const m = this.message.__init(root, this.bb);
    out.seq = u53Value(m.seq(this.u53));
    out.body = m.bodyType();
    switch (out.body) {
      case wire.Body.LoginAccepted:
        this.readLoginAccepted(out, m.body(this.loginAccepted) as wire.LoginAccepted);
        break;
      case wire.Body.LoginRejected: {
        const t = m.body(this.loginRejected) as wire.LoginRejected;
        out.reason = t.reason();
        out.text = t.text() ?? "";
        break;
      }
      case wire.Body.ExecutionReport:
        this.readReport(out, m.body(this.report) as wire.ExecutionReport);
        break;
      case wire.Body.OpenOrders:
        this.readOpenOrders(out, m.body(this.openOrders) as wire.OpenOrders);
        break;
      case wire.Body.DeadMansSwitchStatus:
        out.timeoutMs = (m.body(this.deadMansSwitchStatus) as wire.DeadMansSwitchStatus).timeoutMs();
        break;
      case wire.Body.Logout: {
        const t = m.body(this.logout) as wire.Logout;
        out.reason = t.reason();
        out.text = t.text() ?? "";
        break;
      }
      default:
        break;
    }
    return ProtocolError.Ok;
  }

  private readLoginAccepted(out: ServerMessage, t: wire.LoginAccepted): void {
    out.userId = u53Value(t.userId(this.u53));
    out.sessionId = u53Value(t.sessionId(this.u53));
    const count = t.symbolsLength();
    out.symbols = new Array<WireSymbol>(count);
    for (let i = 0; i < count; i++) {
      const s = emptySymbol();
      this.readSymbol(s, t.symbols(i, this.symbol)!);
      out.symbols[i] = s;
    }
    const l = t.limits(this.limits);
    out.limits.frameBytesMax = l === null ? 0 : l.frameBytesMax();
    out.limits.openOrdersMax = l === null ? 0 : l.openOrdersMax();
    out.limits.messagesPerSecondMax = l === null ? 0 : l.messagesPerSecondMax();
    out.limits.heartbeatIntervalMs = l === null ? 0 : l.heartbeatIntervalMs();
  }

  private readReport(out: ServerMessage, t: wire.ExecutionReport): void {
    const r = out.report;
    r.kind = t.kind();
    r.rejectReason = t.rejectReason();
    r.cancelReason = t.cancelReason();
    r.clientOrderId = u53Value(t.clientOrderId(this.u53));
    r.orderId = u53Value(t.orderId(this.u53));
    r.symbolId = t.symbolId();
    r.side = t.side();
    r.priceTicks = t.price();
    r.qtyLots = u53Value(t.qty(this.u53));
    r.leavesQtyLots = u53Value(t.leavesQty(this.u53));
    r.tradeId = u53Value(t.tradeId(this.u53));
    r.liquidity = t.liquidity();
    r.engineSeq = u53Value(t.engineSeq(this.u53));
    r.timestampNs = u64Value(t.timestampNs(this.u64));
  }

  private readOpenOrders(out: ServerMessage, t: wire.OpenOrders): void {
    const count = t.ordersLength();
    out.orders = new Array<OpenOrderInfo>(count);
    for (let i = 0; i < count; i++) {
      const w = t.orders(i, this.order)!;
      const o = new OpenOrderInfo();
      o.clientOrderId = u53Value(w.clientOrderId(this.u53));
      o.orderId = u53Value(w.orderId(this.u53));
      o.symbolId = w.symbolId();
      o.side = w.side();
      o.type = w.type();
      o.tif = w.tif();
      o.postOnly = w.postOnly();
      o.stp = w.stp();
      o.priceTicks = w.price();
      o.stopPriceTicks = w.stopPrice();
      o.qtyLots = u53Value(w.qty(this.u53));
      o.leavesQtyLots = u53Value(w.leavesQty(this.u53));
      out.orders[i] = o;
    }
    out.more = t.more();
  }
}

/**
 * Decodes input-log records (journal, Kafka). Values are not range-checked here: the engine validates commands itself.
 */
export class InputRecordDecoder extends FrameReader {
  private readonly record = new InputRecord();
  private readonly newOrder = new wire.NewOrder();
  private readonly cancel = new wire.Cancel();
  private readonly modify = new wire.Modify();
  private readonly symbolDef = new wire.SymbolDef();
  private readonly massCancel = new wire.MassCancel();
  private readonly symbolStatus = new wire.SymbolStatus();

  /** Fills `out`; returns a ProtocolError code (0 = Ok). */
  decode(bytes: Uint8Array, start: number, end: number, out: InputRecordView): number {
    out.clearOrder();
    clearSymbol(out.symbol);
    out.statusReason = "";
    const root = this.open(bytes, start, end, layout.InputRecord);
    if (root < 0) {
      out.command = 0;
      return this.verifier.error;
    }
    const r = this.record.__init(root, this.bb);
    out.engineSeq = u53Value(r.engineSeq(this.u53));
    out.receivedNs = u64Value(r.receivedNs(this.u64));
    out.userId = u53Value(r.userId(this.u53));
    out.sessionId = u53Value(r.sessionId(this.u53));
    out.sessionSeq = u53Value(r.sessionSeq(this.u53));
    out.orderId = u53Value(r.orderId(this.u53));
    out.command = r.commandType();
    switch (out.command) {
      case wire.Command.NewOrder:
        this.readOrder(out, r.command(this.newOrder) as wire.NewOrder);
        break;
      case wire.Command.Cancel:
        this.readCancel(out, r.command(this.cancel) as wire.Cancel);
        break;
      case wire.Command.Modify:
        this.readModify(out, r.command(this.modify) as wire.Modify);
        break;
      case wire.Command.MassCancel:
        this.readMassCancel(out, r.command(this.massCancel) as wire.MassCancel);
        break;
      case wire.Command.SymbolStatus: {
        const t = r.command(this.symbolStatus) as wire.SymbolStatus;
        out.clientOrderId = u53Value(t.requestId(this.u53));
        out.symbolId = t.symbolId();
        out.tradingStatus = t.status();
        out.statusReason = t.reason() ?? "";
        break;
      }
      default:
        // The verifier admits only the members of the union; this is SymbolDef.
        this.readSymbol(out.symbol, r.command(this.symbolDef) as wire.SymbolDef);
        break;
    }
    return ProtocolError.Ok;
  }
}

export { Encoder } from "./encode.ts";
