// Reads execution reports of the exchange's fixed layout without the generic
// decoder. The gateway writes every report with ExecReportWriter (src/protocol/
// fixed.ts): one template whose bytes outside the value fields (length prefix,
// root offset, vtables, union type and offset, padding) never change. A frame
// of the template's length whose every such byte equals the template's has
// exactly the template's structure, which passed the Verifier at start-up; the
// Verifier checks structure only, never values, so that frame would pass it
// too. Its values are then read at the template's positions with the decoder's
// own rules (a U53 of 2^53 or above reads as -1). Any other frame (another
// message, or a report of another layout) is not matched: the caller decodes
// it with ServerDecoder, verifier included.

import { Body, ExecReportWriter, framePrefixBytes, type ServerMessage, u32Range, u53HiLimit } from "../protocol/index.ts";

/** A U53 struct as the decoder reads it: -1 when not below 2^53. */
function u53At(v: DataView, i: number): number {
  const hi = v.getUint32(i + 4, true);
  return hi < u53HiLimit ? hi * u32Range + v.getUint32(i, true) : -1;
}

export class TemplateReportReader {
  /** Bytes of every template report frame, length prefix included. */
  readonly frameBytes: number;
  /**
   * The 32-bit words of the frame that hold a byte outside every value field:
   * frame-relative position, mask of those bytes, and their template value
   * under the mask. Compared a word at a time: half the cost of byte by byte.
   */
  private readonly wordAt: Int32Array;
  private readonly wordMask: Int32Array;
  private readonly wordValue: Int32Array;
  /** A view of the last buffer read (a chunk holds many frames: one view per chunk, none per report). */
  private bytes: Uint8Array = new Uint8Array(0);
  private view: DataView = new DataView(new ArrayBuffer(0));
  private readonly seqAt: number;
  private readonly kindAt: number;
  private readonly rejectReasonAt: number;
  private readonly cancelReasonAt: number;
  private readonly clientOrderIdAt: number;
  private readonly orderIdAt: number;
  private readonly symbolIdAt: number;
  private readonly sideAt: number;
  private readonly priceAt: number;
  private readonly qtyAt: number;
  private readonly leavesQtyAt: number;
  private readonly tradeIdAt: number;
  private readonly liquidityAt: number;
  private readonly engineSeqAt: number;
  private readonly timestampNsAt: number;

  constructor() {
    const t = new ExecReportWriter().template;
    this.frameBytes = t.frameBytes;
    const isValue = new Uint8Array(t.frameBytes);
    for (const f of t.valueFields) isValue.fill(1, f.at, f.at + f.bytes);
    const template = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.frameBytes);
    const at: number[] = [];
    const mask: number[] = [];
    const value: number[] = [];
    // Templates are a multiple of 4 bytes (FrameTemplate checks it).
    for (let w = 0; w < t.frameBytes; w += 4) {
      let m = 0;
      for (let k = 0; k < 4; k++) if (isValue[w + k] === 0) m |= 0xff << (8 * k);
      if (m === 0) continue;
      at.push(w);
      mask.push(m);
      value.push(template.getInt32(w, true) & m);
    }
    this.wordAt = Int32Array.from(at);
    this.wordMask = Int32Array.from(mask);
    this.wordValue = Int32Array.from(value);
    // Every value field is read below: a field the template gains and this reader ignores stops start-up.
    const read = ["seq", "kind", "reject_reason", "cancel_reason", "client_order_id", "order_id", "symbol_id", "side", "price", "qty", "leaves_qty", "trade_id", "liquidity", "engine_seq", "timestamp_ns"];
    const fields = t.valueFields.map((f) => f.name.slice(f.name.indexOf(".") + 1)).sort();
    if (fields.join(",") !== [...read].sort().join(",")) throw new Error(`report reader: the template's value fields are [${fields.join(", ")}], this reader reads [${read.join(", ")}]`);
    const r = (field: string) => t.at(`ExecutionReport.${field}`);
    this.seqAt = t.at("Message.seq");
    this.kindAt = r("kind");
    this.rejectReasonAt = r("reject_reason");
    this.cancelReasonAt = r("cancel_reason");
    this.clientOrderIdAt = r("client_order_id");
    this.orderIdAt = r("order_id");
    this.symbolIdAt = r("symbol_id");
    this.sideAt = r("side");
    this.priceAt = r("price");
    this.qtyAt = r("qty");
    this.leavesQtyAt = r("leaves_qty");
    this.tradeIdAt = r("trade_id");
    this.liquidityAt = r("liquidity");
    this.engineSeqAt = r("engine_seq");
    this.timestampNsAt = r("timestamp_ns");
  }

  /**
   * When the payload `bytes[start, end)` (as FrameSplitter hands it out) is a
   * template report, fills `out` exactly as ServerDecoder would and returns
   * true; otherwise returns false and leaves `out` alone.
   */
  read(bytes: Uint8Array, start: number, end: number, out: ServerMessage): boolean {
    const f = start - framePrefixBytes;
    if (end - f !== this.frameBytes || f < 0) return false;
    // A length-tracking view of a resizable buffer can outgrow the view made earlier.
    if (bytes !== this.bytes || this.view.byteLength !== bytes.byteLength) {
      this.bytes = bytes;
      this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    const v = this.view;
    const at = this.wordAt;
    const mask = this.wordMask;
    const value = this.wordValue;
    for (let i = 0; i < at.length; i++) if ((v.getInt32(f + at[i]!, true) & mask[i]!) !== value[i]) return false;
    // What ServerDecoder resets for every message; the lists are replaced, not emptied, as there.
    out.userId = 0;
    out.sessionId = 0;
    out.reason = 0;
    out.text = "";
    out.more = false;
    if (out.symbols.length !== 0) out.symbols = [];
    if (out.orders.length !== 0) out.orders = [];
    const l = out.limits;
    l.frameBytesMax = 0;
    l.openOrdersMax = 0;
    l.messagesPerSecondMax = 0;
    l.heartbeatIntervalMs = 0;
    out.seq = u53At(v, f + this.seqAt);
    out.body = Body.ExecutionReport;
    const r = out.report;
    r.kind = bytes[f + this.kindAt]!;
    r.rejectReason = bytes[f + this.rejectReasonAt]!;
    r.cancelReason = bytes[f + this.cancelReasonAt]!;
    r.clientOrderId = u53At(v, f + this.clientOrderIdAt);
    r.orderId = u53At(v, f + this.orderIdAt);
    r.symbolId = v.getUint32(f + this.symbolIdAt, true);
    r.side = bytes[f + this.sideAt]!;
    r.priceTicks = v.getInt32(f + this.priceAt, true);
    r.qtyLots = u53At(v, f + this.qtyAt);
    r.leavesQtyLots = u53At(v, f + this.leavesQtyAt);
    r.tradeId = u53At(v, f + this.tradeIdAt);
    r.liquidity = bytes[f + this.liquidityAt]!;
    r.engineSeq = u53At(v, f + this.engineSeqAt);
    r.timestampNs = v.getUint32(f + this.timestampNsAt + 4, true) * u32Range + v.getUint32(f + this.timestampNsAt, true);
    return true;
  }
}
