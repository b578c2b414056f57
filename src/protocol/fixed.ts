// Fixed-layout ("template") writers for the hot frames: execution reports
// and OpenOrders pages (exchange to client), the input records of new orders, cancels, modifies
// and mass cancels (journal, Kafka), and a client's new orders, cancels,
// modifies and heartbeats (client to exchange). The generic Encoder runs the
// flatbuffers Builder (hundreds of ns a frame); these store each field at a
// known position (tens of ns) and allocate nothing.
//
// The code that checks and stores each frame is generated at build time
// (generated/fixed-layout.ts, made by codegen/emit.ts from the schema's
// layout.ts): one function per frame with every position a constant. These
// classes only choose where the words go. At a 4-aligned position of a
// 4-aligned buffer (the usual case: every frame is a multiple of 4 bytes, so
// frames written back to back stay aligned) they go straight into the
// caller's buffer; anywhere else into the writer's own scratch frame, then
// out with one `Uint8Array.set`. The bytes are the same: the Verifier checks
// alignment relative to the payload start, not the buffer.
//
// A frame written here decodes exactly as the Encoder's frame of the same
// values does. It can be longer: the Encoder leaves optional U53s that are 0
// out, a fixed frame always carries them.

import {
  type FixedLayout,
  checkOpenOrder,
  checkOpenOrdersPageHead,
  openOrdersPageLayout,
  storeOpenOrder,
  storeOpenOrdersPageHead,
  storeOpenOrderVtable,
  checkClientCancel,
  checkClientHeartbeat,
  checkClientModify,
  checkClientNewOrder,
  checkExecReport,
  checkRecordCancel,
  checkRecordMassCancel,
  checkRecordModify,
  checkRecordNewOrder,
  clientCancelLayout,
  clientHeartbeatLayout,
  clientModifyLayout,
  clientNewOrderLayout,
  execReportLayout,
  recordCancelLayout,
  recordMassCancelLayout,
  recordModifyLayout,
  recordNewOrderLayout,
  storeClientCancel,
  storeClientHeartbeat,
  storeClientModify,
  storeClientNewOrder,
  storeExecReport,
  storeRecordCancel,
  storeRecordMassCancel,
  storeRecordModify,
  storeRecordNewOrder,
} from "./generated/fixed-layout.ts";
import { framePrefixBytes, openOrdersPageCountMax } from "./constants.ts";
import { Body, Command } from "./generated/exchange_generated.ts";
import type { ExecReport, InputRecordView, OpenOrderInfo, OrderFields } from "./messages.ts";

export type { FixedLayout } from "./generated/fixed-layout.ts";

// Int32Array stores are in the platform's byte order; the wire's is little-endian.
if (new Uint8Array(Int32Array.of(1).buffer)[0] !== 1)
  throw new Error("fixed-layout writers need a little-endian platform");

/** The frame-relative byte position (length prefix included) of value field `Table.field` of `layout`. */
export function fieldAt(layout: FixedLayout, name: string): number {
  const f = layout.fields.find(([n]) => n === name);
  if (f === undefined) throw new Error(`${layout.name} has no value field ${name}`);
  return f[1];
}

/** Throws unless `out[at, at + frameBytes)` is a range of `out`. */
function checkRoom(out: Uint8Array, at: number, frameBytes: number): void {
  if (!(at >= 0 && at <= out.length - frameBytes && Math.floor(at) === at)) {
    throw new Error(`fixed encode: a ${frameBytes}-byte frame at ${at} does not fit a buffer of ${out.length} bytes`);
  }
}

/** A frame-sized buffer of a writer's own, for writes at unaligned positions. */
class Scratch {
  readonly bytes: Uint8Array;
  readonly words: Int32Array;

  constructor(readonly layout: FixedLayout) {
    this.bytes = new Uint8Array(layout.frameBytes);
    this.words = new Int32Array(this.bytes.buffer);
  }
}

/**
 * Where a writer stores the frame it is writing: straight into the caller's
 * buffer when the frame's position there is 4-aligned, otherwise into the
 * frame's scratch, copied out at the end. A buffer's 32-bit view is made once
 * and kept (weakly) for the next writes: the last buffer's is at hand,
 * another's is a WeakMap lookup, so writers that alternate between session
 * buffers allocate nothing either.
 */
class Target {
  /** The views to store into, and the frame's word and byte position in them. */
  words: Int32Array = new Int32Array(0);
  bytes: Uint8Array = new Uint8Array(0);
  word = 0;
  at = 0;
  private out: Uint8Array = new Uint8Array(0);
  /** A view of all of `out`, or null when `out` does not start 4-aligned in its ArrayBuffer. */
  private outWords: Int32Array | null = null;
  private readonly views = new WeakMap<Uint8Array, Int32Array | null>();
  private pending: Uint8Array | null = null;

  /** Prepares to store a frame at `out[at]`, which the caller checked it fits. */
  begin(out: Uint8Array, at: number, scratch: Scratch): void {
    if (out !== this.out) this.switchTo(out);
    const outWords = this.outWords;
    // A length-tracking view of a resizable buffer can grow past the view made earlier.
    if ((at & 3) === 0 && outWords !== null && outWords.length === out.length >> 2) {
      this.words = outWords;
      this.bytes = out;
      this.word = at >> 2;
      this.at = at;
      this.pending = null;
    } else {
      this.words = scratch.words;
      this.bytes = scratch.bytes;
      this.word = 0;
      this.at = 0;
      this.pending = scratch.bytes;
    }
  }

  private switchTo(out: Uint8Array): void {
    let words = this.views.get(out);
    if (words === undefined) {
      words = (out.byteOffset & 3) === 0 ? new Int32Array(out.buffer, out.byteOffset, out.length >> 2) : null;
      this.views.set(out, words);
    }
    this.out = out;
    this.outWords = words;
  }

  /**
   * Copies the frame (`frameBytes` of it, when shorter than its scratch) to `out[at]` if it was stored in its scratch.
   */
  end(out: Uint8Array, at: number, frameBytes = -1): void {
    const pending = this.pending;
    if (pending === null) return;
    if (frameBytes < 0) return out.set(pending, at);
    // A subarray would be an allocation per frame; frames of varying length come here only unaligned (rare).
    for (let k = 0; k < frameBytes; k++) out[at + k] = pending[k]!;
  }
}

/**
 * Writes `Message{seq, ExecutionReport}` frames of `frameBytes` bytes,
 * length prefix included. One writer serves any number of output buffers.
 */
export class ExecReportWriter {
  readonly layout: FixedLayout = execReportLayout;
  /** Bytes of every frame, length prefix included. */
  readonly frameBytes = execReportLayout.frameBytes;
  private readonly scratch = new Scratch(execReportLayout);
  private readonly target = new Target();

  /**
   * Writes the frame of report `r` with message sequence number `seq` to
   * `out[at, at + frameBytes)`; returns `frameBytes`. Throws, having written
   * nothing, when the frame does not fit or a value is outside its wire type.
   */
  write(out: Uint8Array, at: number, seq: number, r: ExecReport): number {
    checkRoom(out, at, this.frameBytes);
    checkExecReport(seq, r);
    const t = this.target;
    t.begin(out, at, this.scratch);
    storeExecReport(t.words, t.bytes, t.word, t.at, seq, r);
    t.end(out, at);
    return this.frameBytes;
  }
}

/**
 * Writes `InputRecord` frames of NewOrder, Cancel, Modify and MassCancel
 * commands, length prefix included (symbol definitions are rare: the Encoder
 * writes those). The command's fields come from any OrderFields, such as the
 * ClientMessage the gateway decoded. Each method writes to
 * `out[at, at + <command>Bytes)`, returns the bytes written, and throws,
 * having written nothing, when the frame does not fit or a value is outside
 * its wire type. One writer serves any number of output buffers.
 */
export class InputRecordWriter {
  private readonly newOrder = new Scratch(recordNewOrderLayout);
  private readonly cancel = new Scratch(recordCancelLayout);
  private readonly modify = new Scratch(recordModifyLayout);
  private readonly massCancel = new Scratch(recordMassCancelLayout);
  private readonly target = new Target();
  /** Bytes of each command's frames, length prefix included. */
  readonly newOrderBytes = recordNewOrderLayout.frameBytes;
  readonly cancelBytes = recordCancelLayout.frameBytes;
  readonly modifyBytes = recordModifyLayout.frameBytes;
  readonly massCancelBytes = recordMassCancelLayout.frameBytes;

  /** The layout of a command's frames (tests, tools). */
  layoutOf(command: number): FixedLayout {
    if (command === Command.NewOrder) return this.newOrder.layout;
    if (command === Command.Cancel) return this.cancel.layout;
    if (command === Command.Modify) return this.modify.layout;
    if (command === Command.MassCancel) return this.massCancel.layout;
    throw new Error(`fixed encode: no fixed layout for command ${command}`);
  }

  writeNewOrder(
    out: Uint8Array,
    at: number,
    engineSeq: number,
    receivedNs: number,
    userId: number,
    sessionId: number,
    sessionSeq: number,
    orderId: number,
    o: OrderFields,
  ): number {
    checkRoom(out, at, this.newOrderBytes);
    checkRecordNewOrder(engineSeq, receivedNs, userId, sessionId, sessionSeq, orderId, o);
    const t = this.target;
    t.begin(out, at, this.newOrder);
    storeRecordNewOrder(
      t.words,
      t.bytes,
      t.word,
      t.at,
      engineSeq,
      receivedNs,
      userId,
      sessionId,
      sessionSeq,
      orderId,
      o,
    );
    t.end(out, at);
    return this.newOrderBytes;
  }

  /** A Cancel: `o.clientOrderId` and `o.symbolId`. */
  writeCancel(
    out: Uint8Array,
    at: number,
    engineSeq: number,
    receivedNs: number,
    userId: number,
    sessionId: number,
    sessionSeq: number,
    orderId: number,
    o: OrderFields,
  ): number {
    checkRoom(out, at, this.cancelBytes);
    checkRecordCancel(engineSeq, receivedNs, userId, sessionId, sessionSeq, orderId, o);
    const t = this.target;
    t.begin(out, at, this.cancel);
    storeRecordCancel(t.words, t.bytes, t.word, t.at, engineSeq, receivedNs, userId, sessionId, sessionSeq, orderId, o);
    t.end(out, at);
    return this.cancelBytes;
  }

  /** A Modify: `o.clientOrderId`, `o.symbolId`, `o.priceTicks`, `o.qtyLots` (new remaining). */
  writeModify(
    out: Uint8Array,
    at: number,
    engineSeq: number,
    receivedNs: number,
    userId: number,
    sessionId: number,
    sessionSeq: number,
    orderId: number,
    o: OrderFields,
  ): number {
    checkRoom(out, at, this.modifyBytes);
    checkRecordModify(engineSeq, receivedNs, userId, sessionId, sessionSeq, orderId, o);
    const t = this.target;
    t.begin(out, at, this.modify);
    storeRecordModify(t.words, t.bytes, t.word, t.at, engineSeq, receivedNs, userId, sessionId, sessionSeq, orderId, o);
    t.end(out, at);
    return this.modifyBytes;
  }

  /** A MassCancel: `o.clientOrderId` (the request id), `o.oneSymbol`, `o.symbolId`, `o.massSide`, `o.cancelReason`. */
  writeMassCancel(
    out: Uint8Array,
    at: number,
    engineSeq: number,
    receivedNs: number,
    userId: number,
    sessionId: number,
    sessionSeq: number,
    orderId: number,
    o: OrderFields,
  ): number {
    checkRoom(out, at, this.massCancelBytes);
    checkRecordMassCancel(engineSeq, receivedNs, userId, sessionId, sessionSeq, orderId, o);
    const t = this.target;
    t.begin(out, at, this.massCancel);
    storeRecordMassCancel(
      t.words,
      t.bytes,
      t.word,
      t.at,
      engineSeq,
      receivedNs,
      userId,
      sessionId,
      sessionSeq,
      orderId,
      o,
    );
    t.end(out, at);
    return this.massCancelBytes;
  }

  /** Writes `r` by its command (the sequencer, replays, tools); a SymbolDef throws: the Encoder writes those. */
  write(out: Uint8Array, at: number, r: InputRecordView): number {
    switch (r.command) {
      case Command.NewOrder:
        return this.writeNewOrder(
          out,
          at,
          r.engineSeq,
          r.receivedNs,
          r.userId,
          r.sessionId,
          r.sessionSeq,
          r.orderId,
          r,
        );
      case Command.Cancel:
        return this.writeCancel(out, at, r.engineSeq, r.receivedNs, r.userId, r.sessionId, r.sessionSeq, r.orderId, r);
      case Command.Modify:
        return this.writeModify(out, at, r.engineSeq, r.receivedNs, r.userId, r.sessionId, r.sessionSeq, r.orderId, r);
      case Command.MassCancel:
        return this.writeMassCancel(
          out,
          at,
          r.engineSeq,
          r.receivedNs,
          r.userId,
          r.sessionId,
          r.sessionSeq,
          r.orderId,
          r,
        );
      default:
        throw new Error(`fixed encode: no fixed layout for command ${r.command}`);
    }
  }
}

/**
 * Writes a client's `Message{seq, NewOrder | Cancel | Modify | Heartbeat}`
 * frames, length prefix included (Login, Logout, MassCancel, DeadMansSwitch
 * and OpenOrdersRequest are rare: the Encoder writes those). The order fields
 * come from any OrderFields, such as the client's ClientMessage. Each method
 * writes to `out[at, at + <body>Bytes)`, returns the bytes written, and
 * throws, having written nothing, when the frame does not fit or a value is
 * outside its wire type. One writer serves any number of output buffers.
 */
export class ClientMessageWriter {
  private readonly newOrder = new Scratch(clientNewOrderLayout);
  private readonly cancel = new Scratch(clientCancelLayout);
  private readonly modify = new Scratch(clientModifyLayout);
  private readonly heartbeat = new Scratch(clientHeartbeatLayout);
  private readonly target = new Target();
  /** Bytes of each body's frames, length prefix included. */
  readonly newOrderBytes = clientNewOrderLayout.frameBytes;
  readonly cancelBytes = clientCancelLayout.frameBytes;
  readonly modifyBytes = clientModifyLayout.frameBytes;
  readonly heartbeatBytes = clientHeartbeatLayout.frameBytes;
  /** The longest of them: room for any one frame. */
  readonly frameBytesMax = Math.max(this.newOrderBytes, this.cancelBytes, this.modifyBytes, this.heartbeatBytes);

  /** The layout of a body's frames (tests, tools). */
  layoutOf(body: number): FixedLayout {
    if (body === Body.NewOrder) return this.newOrder.layout;
    if (body === Body.Cancel) return this.cancel.layout;
    if (body === Body.Modify) return this.modify.layout;
    if (body === Body.Heartbeat) return this.heartbeat.layout;
    throw new Error(`fixed encode: no fixed layout for client body ${body}`);
  }

  /** Frame bytes of `body`, or 0 when this writer has no fixed layout for it (the Encoder writes those). */
  bytesOf(body: number): number {
    if (body === Body.NewOrder) return this.newOrderBytes;
    if (body === Body.Cancel) return this.cancelBytes;
    if (body === Body.Modify) return this.modifyBytes;
    if (body === Body.Heartbeat) return this.heartbeatBytes;
    return 0;
  }

  writeNewOrder(out: Uint8Array, at: number, seq: number, o: OrderFields): number {
    checkRoom(out, at, this.newOrderBytes);
    checkClientNewOrder(seq, o);
    const t = this.target;
    t.begin(out, at, this.newOrder);
    storeClientNewOrder(t.words, t.bytes, t.word, t.at, seq, o);
    t.end(out, at);
    return this.newOrderBytes;
  }

  /** A Cancel: `o.clientOrderId` and `o.symbolId`. */
  writeCancel(out: Uint8Array, at: number, seq: number, o: OrderFields): number {
    checkRoom(out, at, this.cancelBytes);
    checkClientCancel(seq, o);
    const t = this.target;
    t.begin(out, at, this.cancel);
    storeClientCancel(t.words, t.bytes, t.word, t.at, seq, o);
    t.end(out, at);
    return this.cancelBytes;
  }

  /** A Modify: `o.clientOrderId`, `o.symbolId`, `o.priceTicks`, `o.qtyLots` (new remaining). */
  writeModify(out: Uint8Array, at: number, seq: number, o: OrderFields): number {
    checkRoom(out, at, this.modifyBytes);
    checkClientModify(seq, o);
    const t = this.target;
    t.begin(out, at, this.modify);
    storeClientModify(t.words, t.bytes, t.word, t.at, seq, o);
    t.end(out, at);
    return this.modifyBytes;
  }

  writeHeartbeat(out: Uint8Array, at: number, seq: number): number {
    checkRoom(out, at, this.heartbeatBytes);
    checkClientHeartbeat(seq);
    const t = this.target;
    t.begin(out, at, this.heartbeat);
    storeClientHeartbeat(t.words, t.bytes, t.word, t.at, seq);
    t.end(out, at);
    return this.heartbeatBytes;
  }

  /**
   * Writes `m` by its body (NewOrder, Cancel, Modify, Heartbeat) with `m.seq`; any other body
   * throws: the Encoder writes those.
   */
  write(out: Uint8Array, at: number, m: OrderFields & { seq: number; body: number }): number {
    switch (m.body) {
      case Body.NewOrder:
        return this.writeNewOrder(out, at, m.seq, m);
      case Body.Cancel:
        return this.writeCancel(out, at, m.seq, m);
      case Body.Modify:
        return this.writeModify(out, at, m.seq, m);
      case Body.Heartbeat:
        return this.writeHeartbeat(out, at, m.seq);
      default:
        throw new Error(`fixed encode: no fixed layout for client body ${m.body}`);
    }
  }
}

const page = openOrdersPageLayout;

/** Bytes of an OpenOrders page of `count` orders, length prefix included (codegen/page.ts: the layout). */
export function openOrdersPageBytes(count: number): number {
  return count === 0 ? page.headBytes : page.headBytes + 4 * count + page.vtableBytes + page.orderBytes * count;
}

/**
 * Writes `Message{seq, OpenOrders{orders, more}}` pages byte for byte as the
 * Builder lays them out (codegen/page.ts): the head, one offset per order,
 * orders count-1 .. 1, the vtable they share, order 0. A page of 32 orders
 * takes about a microsecond where the Encoder takes tens, and nothing is
 * allocated. One writer serves any number of output buffers.
 */
export class OpenOrdersPageWriter {
  private readonly scratch = new Scratch({
    name: "OpenOrdersPage",
    frameBytes: openOrdersPageBytes(openOrdersPageCountMax),
    fields: [],
  });
  private readonly target = new Target();

  /**
   * Writes the page of `orders[0, count)` with message sequence number `seq`
   * to `out[at, ...)`; returns its bytes. Throws, having written nothing, when
   * it does not fit, the count is above the protocol's limit, or a value is
   * outside its wire type.
   */
  write(
    out: Uint8Array,
    at: number,
    seq: number,
    orders: readonly OpenOrderInfo[],
    count: number,
    more: boolean,
  ): number {
    if (!(count >= 0 && count <= openOrdersPageCountMax && count <= orders.length)) {
      throw new Error(`fixed encode: a page of ${count} orders (of ${orders.length}; limit ${openOrdersPageCountMax})`);
    }
    const frameBytes = openOrdersPageBytes(count);
    checkRoom(out, at, frameBytes);
    checkOpenOrdersPageHead(frameBytes - framePrefixBytes, seq, count, +more);
    const tablesAt = page.headBytes + 4 * count;
    const vtableAt = tablesAt + (count - 1) * page.orderBytes;
    for (let k = 0; k < count; k++) checkOpenOrder(orderAt(k, count, tablesAt, vtableAt) - vtableAt, orders[k]!);
    const t = this.target;
    t.begin(out, at, this.scratch);
    const w = t.words;
    const i = t.word;
    storeOpenOrdersPageHead(w, t.bytes, i, t.at, frameBytes - framePrefixBytes, seq, count, +more);
    if (count > 0) storeOpenOrderVtable(w, i + (vtableAt >> 2));
    for (let k = 0; k < count; k++) {
      const offsetAt = page.headBytes + 4 * k;
      const tableAt = orderAt(k, count, tablesAt, vtableAt);
      w[i + (offsetAt >> 2)] = tableAt - offsetAt;
      storeOpenOrder(w, t.bytes, i + (tableAt >> 2), t.at + tableAt, tableAt - vtableAt, orders[k]!);
    }
    t.end(out, at, frameBytes);
    return frameBytes;
  }
}

/** Frame-relative position of order k's table in a page of `count` (codegen/page.ts, pagePlaces). */
function orderAt(k: number, count: number, tablesAt: number, vtableAt: number): number {
  return k === 0 ? vtableAt + page.vtableBytes : tablesAt + (count - 1 - k) * page.orderBytes;
}
