// Fast decoding of frames laid out exactly like the fixed-layout templates
// (fixed.ts): the exchange's own journal records and the frames of clients
// that use our writers. A frame matches when its length and every structural
// word (root offset, vtables, table offsets, union type and offset, padding)
// equal the template's; its fields then lie at the template's positions, so
// they are read there directly, with no verifier walk and no table objects.
// A frame that does not match goes to the verifying decoder, so this changes
// speed, never what is accepted.
//
// Why it is safe: a FlatBuffer's layout is determined by exactly the words
// compared here. Value bytes (the fields) cannot move a field or lead outside
// the frame, and the template itself passed the verifier at start-up.

import { u32Range, u53HiLimit } from "./constants.ts";
import { Command, ClientDecoder, InputRecordDecoder, validateCancel, validateModify, validateNewOrder } from "./codec.ts";
import { clientMessageTemplate, type FrameTemplate, inputRecordTemplate } from "./fixed.ts";
import * as wire from "./generated/exchange_generated.ts";
import type { ClientMessage, InputRecordView, OrderFields } from "./messages.ts";

/** A template's structural words, and field positions relative to the payload (frame minus its length prefix). */
class Shape {
  readonly payloadBytes: number;
  /** Payload-relative byte offsets and int32 values of the words no field touches. */
  private readonly wordAt: Int32Array;
  private readonly wordValue: Int32Array;
  private readonly template: FrameTemplate;

  constructor(template: FrameTemplate) {
    this.template = template;
    this.payloadBytes = template.frameBytes - 4;
    const touched = new Set<number>();
    for (const f of template.valueFields) for (let b = f.at; b < f.at + f.bytes; b++) touched.add(b >> 2);
    const at: number[] = [];
    const value: number[] = [];
    const view = new DataView(template.bytes.buffer, template.bytes.byteOffset, template.bytes.byteLength);
    // Word 0 is the length prefix, which is not part of the payload; the length is compared separately.
    for (let w = 1; w < template.frameBytes >> 2; w++) {
      if (touched.has(w)) continue;
      at.push(4 * w - 4);
      value.push(view.getInt32(4 * w, true));
    }
    this.wordAt = Int32Array.from(at);
    this.wordValue = Int32Array.from(value);
  }

  /** Payload-relative position of `Table.field`. */
  at(name: string): number {
    return this.template.at(name) - 4;
  }

  matches(b: Uint8Array, start: number, end: number): boolean {
    if (end - start !== this.payloadBytes) return false;
    const at = this.wordAt;
    const value = this.wordValue;
    for (let i = 0; i < at.length; i++) {
      if (i32(b, start + at[i]!) !== value[i]) return false;
    }
    return true;
  }
}

function i32(b: Uint8Array, p: number): number {
  return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
}

function u32(b: Uint8Array, p: number): number {
  return i32(b, p) >>> 0;
}

/** A U53 struct (lo, hi): -1 when not below 2^53, as the verifying decoder reads it. */
function u53(b: Uint8Array, p: number): number {
  const hi = u32(b, p + 4);
  return hi < u53HiLimit ? hi * u32Range + u32(b, p) : -1;
}

function u64(b: Uint8Array, p: number): number {
  return u32(b, p + 4) * u32Range + u32(b, p);
}

/** Field positions of the order fields shared by NewOrder, Cancel and Modify. */
interface OrderPositions {
  clientOrderId: number;
  symbolId: number;
  side: number;
  type: number;
  tif: number;
  postOnly: number;
  stp: number;
  price: number;
  qty: number;
  stopPrice: number;
}

const NONE = -1;

function orderPositions(s: Shape, table: "NewOrder" | "Cancel" | "Modify"): OrderPositions {
  const has = (f: string) => table === "NewOrder" || (table === "Modify" && (f === "price" || f === "qty"));
  const pos = (f: string) => (f === "client_order_id" || f === "symbol_id" || has(camel(f)) ? s.at(`${table}.${f}`) : NONE);
  return {
    clientOrderId: pos("client_order_id"),
    symbolId: pos("symbol_id"),
    side: pos("side"),
    type: pos("type"),
    tif: pos("tif"),
    postOnly: pos("post_only"),
    stp: pos("stp"),
    price: pos("price"),
    qty: pos("qty"),
    stopPrice: pos("stop_price"),
  };
}

function camel(f: string): string {
  return f.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

function readOrder(b: Uint8Array, base: number, p: OrderPositions, o: OrderFields): void {
  o.clearOrder();
  o.clientOrderId = u53(b, base + p.clientOrderId);
  o.symbolId = u32(b, base + p.symbolId);
  if (p.side !== NONE) {
    o.side = b[base + p.side]!;
    o.type = b[base + p.type]!;
    o.tif = b[base + p.tif]!;
    o.postOnly = b[base + p.postOnly] !== 0;
    o.stp = b[base + p.stp]!;
    o.stopPriceTicks = i32(b, base + p.stopPrice);
  }
  if (p.price !== NONE) {
    o.priceTicks = i32(b, base + p.price);
    o.qtyLots = u53(b, base + p.qty);
  }
}

/** InputRecordDecoder with the fast path for the sequencer's own records. */
export class FastInputRecordDecoder {
  private readonly slow = new InputRecordDecoder();
  private readonly shapes: Shape[];
  private readonly orders: OrderPositions[];
  private readonly commands: number[];
  private readonly stamp: { engineSeq: number; receivedNs: number; userId: number; sessionId: number; sessionSeq: number; orderId: number }[];
  /** Records decoded by the fast path and by the verifying decoder (tests, stats). */
  fastCount = 0;
  slowCount = 0;

  constructor() {
    this.commands = [Command.NewOrder, Command.Cancel, Command.Modify];
    const tables = ["NewOrder", "Cancel", "Modify"] as const;
    this.shapes = this.commands.map((c) => new Shape(inputRecordTemplate(c)));
    this.orders = this.shapes.map((s, i) => orderPositions(s, tables[i]!));
    this.stamp = this.shapes.map((s) => ({
      engineSeq: s.at("InputRecord.engine_seq"),
      receivedNs: s.at("InputRecord.received_ns"),
      userId: s.at("InputRecord.user_id"),
      sessionId: s.at("InputRecord.session_id"),
      sessionSeq: s.at("InputRecord.session_seq"),
      orderId: s.at("InputRecord.order_id"),
    }));
  }

  /** As InputRecordDecoder.decode: fills `out` from the payload `bytes[start, end)`; returns a ProtocolError code. */
  decode(bytes: Uint8Array, start: number, end: number, out: InputRecordView): number {
    for (let k = 0; k < this.shapes.length; k++) {
      if (!this.shapes[k]!.matches(bytes, start, end)) continue;
      const s = this.stamp[k]!;
      readOrder(bytes, start, this.orders[k]!, out);
      out.command = this.commands[k]!;
      out.engineSeq = u53(bytes, start + s.engineSeq);
      out.receivedNs = u64(bytes, start + s.receivedNs);
      out.userId = u53(bytes, start + s.userId);
      out.sessionId = u53(bytes, start + s.sessionId);
      out.sessionSeq = u53(bytes, start + s.sessionSeq);
      out.orderId = u53(bytes, start + s.orderId);
      this.fastCount++;
      return 0;
    }
    this.slowCount++;
    return this.slow.decode(bytes, start, end, out);
  }
}

/** ClientDecoder with the fast path for frames our client library writes. */
export class FastClientDecoder {
  private readonly slow = new ClientDecoder();
  private readonly shapes: Shape[];
  private readonly orders: OrderPositions[];
  private readonly bodies: number[];
  private readonly seqAt: number[];
  fastCount = 0;
  slowCount = 0;

  constructor() {
    this.bodies = [wire.Body.NewOrder, wire.Body.Cancel, wire.Body.Modify];
    const tables = ["NewOrder", "Cancel", "Modify"] as const;
    this.shapes = this.bodies.map((b) => new Shape(clientMessageTemplate(b)));
    this.orders = this.shapes.map((s, i) => orderPositions(s, tables[i]!));
    this.seqAt = this.shapes.map((s) => s.at("Message.seq"));
  }

  /** As ClientDecoder.decode. */
  decode(bytes: Uint8Array, start: number, end: number, out: ClientMessage): number {
    for (let k = 0; k < this.shapes.length; k++) {
      if (!this.shapes[k]!.matches(bytes, start, end)) continue;
      readOrder(bytes, start, this.orders[k]!, out);
      out.apiKey = "";
      out.cancelOnDisconnect = false;
      out.cancelOnDisconnectGraceMs = 0;
      out.timeoutMs = 0;
      out.logoutReason = 0;
      out.text = "";
      out.seq = u53(bytes, start + this.seqAt[k]!);
      const body = this.bodies[k]!;
      out.body = body;
      out.reject = body === wire.Body.NewOrder ? validateNewOrder(out) : body === wire.Body.Cancel ? validateCancel(out) : validateModify(out);
      this.fastCount++;
      return 0;
    }
    this.slowCount++;
    return this.slow.decode(bytes, start, end, out);
  }
}
