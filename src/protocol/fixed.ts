// Fixed-layout ("template") encoders for the hot frames: execution reports
// (exchange to client), the input records of new orders, cancels and
// modifies (journal, Kafka), and a client's new orders, cancels, modifies and
// heartbeats (client to exchange). The generic Encoder runs the flatbuffers
// Builder (hundreds of ns a frame); these store each field at a known
// position (tens of ns) and allocate nothing.
//
// At construction each template is built once by the real Builder with
// `forceDefaults(true)`, so every field is present, and the position of every
// field is read from the template's vtables. Start-up checks prove that the
// template matches the schema: the generated `start<Table>` opens as many
// slots as layout.ts lists, the fields this file writes are exactly those
// (names, widths, slot order), each is present, inside its table, aligned and
// apart from the others, and the template passes the Verifier. A schema that
// gains a field stops the process at start-up instead of emitting frames of
// an old layout.
//
// A frame is stored as 32-bit words by a function compiled at start-up from
// its template (compileStore), every position a constant: the template's
// constant words (length prefix, root offset, vtables, union offsets,
// padding, the words that hold 1-byte fields), the 4- and 8-byte fields, then
// the 1-byte fields over their words. That is about half the cost of copying
// the template with `Uint8Array.set` and storing the fields after it. At a
// 4-aligned position of a 4-aligned buffer (the usual case: every template is
// a multiple of 4 bytes, so frames written back to back stay aligned) the
// words go straight into the caller's buffer; anywhere else into the
// writer's own copy of the template, then out with one `Uint8Array.set`. The
// bytes are the same: the Verifier checks alignment relative to the payload
// start, not the buffer.
//
// A frame written here decodes exactly as the Encoder's frame of the same
// values does. It can be longer: the Encoder leaves optional U53s that are 0
// out, a template always carries them.

import * as flatbuffers from "flatbuffers";
import { clientFrameBytesMax, framePrefixBytes, inputRecordBytesMax, ProtocolError, serverFrameBytesMax, u32Range } from "./constants.ts";
import * as wire from "./generated/exchange_generated.ts";
// flatc re-exports only what the root type (Message) reaches; the input-log root comes on its own.
import { InputRecord } from "./generated/wire/input-record.ts";
import * as layout from "./layout.ts";
import { type ExecReport, type InputRecordView, OrderFields } from "./messages.ts";
import { Verifier } from "./verify.ts";

/** 2^-32: `v * u32Inverse` is exact (see compileStore). */
const u32Inverse = 1 / u32Range;
const u53Max = 2 ** 53 - 1;
const u64Limit = 2 ** 64;

/** A caller bug: a value outside its wire type. The text is built only when failing. */
function fail(what: string, value: number): never {
  throw new Error(`fixed encode: ${what} ${value} does not fit its wire type`);
}

/** A start-up check failed: the template and the schema disagree. */
function assert(condition: boolean, fact: string): asserts condition {
  if (!condition) throw new Error(`fixed-layout template: ${fact}`);
}

// Int32Array stores are in the platform's byte order; the wire's is little-endian.
assert(new Uint8Array(Int32Array.of(1).buffer)[0] === 1, "the platform is little-endian");

// Range checks: compares and a floor, no allocation, and no `>>> 0` of a
// double beyond int32 (the JIT takes a slow path for that conversion).

function isU53(v: number): boolean {
  return v >= 0 && v <= u53Max && Math.floor(v) === v;
}

/** Timestamps: every integer-valued double below 2^64 is exact in two halves. */
function isU64(v: number): boolean {
  return v >= 0 && v < u64Limit && Math.floor(v) === v;
}

function isU32(v: number): boolean {
  return v >= 0 && v <= 0xffffffff && Math.floor(v) === v;
}

function isI32(v: number): boolean {
  return (v | 0) === v;
}

function isByte(v: number): boolean {
  return (v & 0xff) === v;
}

/** Throws unless `out[at, at + frameBytes)` is a range of `out`. */
function checkRoom(out: Uint8Array, at: number, frameBytes: number): void {
  if (!(at >= 0 && at <= out.length - frameBytes && Math.floor(at) === at)) {
    throw new Error(`fixed encode: a ${frameBytes}-byte frame at ${at} does not fit a buffer of ${out.length} bytes`);
  }
}

// ---- Templates ----------------------------------------------------------

/** The Builder's count of slots the current table opened. */
interface BuilderInternals {
  vtable_in_use: number;
}

/** Runs a generated `start<Table>` and checks it opens one slot per field of the table in layout.ts. */
function startTable(b: flatbuffers.Builder, table: layout.TableLayout, start: (b: flatbuffers.Builder) => void): void {
  start(b);
  const slots = (b as unknown as BuilderInternals).vtable_in_use;
  assert(typeof slots === "number", "flatbuffers Builder has no vtable_in_use: the runtime changed");
  assert(slots === table.fields.length, `generated start${table.name} opens ${slots} slots, layout.ts lists ${table.fields.length}`);
}

/** A U53 (or U64: same shape) of zeros, created inline as structs must be. */
function zeros(b: flatbuffers.Builder): number {
  return wire.U53.createU53(b, 0, 0);
}

/** A template frame (length prefix included) and the frame-relative byte position of each field, by `Table.field`. */
export class FrameTemplate {
  /** The frame, in a buffer of its own (4-aligned). */
  readonly bytes: Uint8Array;
  readonly frameBytes: number;
  private readonly view: DataView;
  private readonly positions = new Map<string, number>();
  /** The fields that carry values (not a union's type and offset: those are constant), in the order located. */
  readonly valueFields: { name: string; at: number; bytes: number }[] = [];

  constructor(frame: Uint8Array, root: layout.TableLayout, frameBytesMax: number) {
    this.frameBytes = frame.length;
    this.bytes = new Uint8Array(this.frameBytes);
    this.bytes.set(frame);
    this.view = new DataView(this.bytes.buffer);
    assert(this.frameBytes % 4 === 0, `${root.name} template of ${this.frameBytes} bytes is not a multiple of 4`);
    assert(this.frameBytes <= frameBytesMax, `${root.name} template of ${this.frameBytes} bytes is above the limit ${frameBytesMax}`);
    assert(this.view.getUint32(0, true) === this.frameBytes - framePrefixBytes, "the length prefix counts the payload");
    const verifier = new Verifier();
    const code = verifier.verify(this.bytes, framePrefixBytes, this.frameBytes, root);
    assert(code === ProtocolError.Ok, `${root.name} template fails verification: ${verifier.reason()}`);
  }

  /** Position of the root table. */
  root(): number {
    return framePrefixBytes + this.view.getUint32(framePrefixBytes, true);
  }

  /** Position of the table that the offset field `name` leads to. */
  follow(name: string): number {
    const at = this.at(name);
    return at + this.view.getUint32(at, true);
  }

  /** Reads the vtable of the table at `tableAt` and records where each field lies. */
  locate(tableAt: number, table: layout.TableLayout): void {
    const view = this.view;
    const vtable = tableAt - view.getInt32(tableAt, true);
    const slots = (view.getUint16(vtable, true) - 4) >> 1;
    const inlineBytes = view.getUint16(vtable + 2, true);
    assert(slots === table.fields.length, `${table.name} template has ${slots} slots, the schema ${table.fields.length}`);
    const spans: { from: number; to: number; name: string }[] = [];
    table.fields.forEach((f, slot) => {
      const offset = view.getUint16(vtable + 4 + 2 * slot, true);
      assert(offset !== 0, `${table.name}.${f.name} is absent from the template`);
      assert(offset >= 4 && offset + f.bytes <= inlineBytes, `${table.name}.${f.name} lies outside its table`);
      const at = tableAt + offset;
      // Relative to the frame start, which is 4-aligned like the payload start.
      assert(at % f.align === 0, `${table.name}.${f.name} at ${at} is not ${f.align}-aligned`);
      this.positions.set(`${table.name}.${f.name}`, at);
      if (f.kind === layout.FieldKind.Scalar || f.kind === layout.FieldKind.Struct) {
        assert(f.bytes === 1 || f.bytes === 4 || f.bytes === 8, `${table.name}.${f.name} is ${f.bytes} bytes wide`);
        this.valueFields.push({ name: `${table.name}.${f.name}`, at, bytes: f.bytes });
      }
      spans.push({ from: at, to: at + f.bytes, name: f.name });
    });
    spans.sort((a, b) => a.from - b.from);
    for (let i = 1; i < spans.length; i++) {
      assert(spans[i - 1]!.to <= spans[i]!.from, `${table.name}.${spans[i - 1]!.name} overlaps ${spans[i]!.name}`);
    }
  }

  /** The frame-relative byte position of `Table.field`. */
  at(name: string): number {
    const at = this.positions.get(name);
    assert(at !== undefined, `no field ${name} in the template`);
    return at;
  }

  /**
   * The words that hold no 4- or 8-byte value field, with their template
   * values: the same in every frame (a word holding 1-byte fields among them).
   */
  constantWords(): { word: number; value: number }[] {
    const fieldWords = new Set<number>();
    for (const f of this.valueFields) {
      if (f.bytes === 1) continue;
      for (let w = f.at >> 2; w < (f.at + f.bytes) >> 2; w++) fieldWords.add(w);
    }
    const words: { word: number; value: number }[] = [];
    for (let w = 0; w < this.frameBytes >> 2; w++) {
      if (!fieldWords.has(w)) words.push({ word: w, value: this.view.getInt32(4 * w, true) });
    }
    return words;
  }
}

/** Builds `Message{seq, ExecutionReport}` with every field present. */
export function execReportTemplate(): FrameTemplate {
  const b = new flatbuffers.Builder(1024);
  b.forceDefaults(true);
  const R = wire.ExecutionReport;
  startTable(b, layout.ExecutionReport, R.startExecutionReport);
  // Structs, then 4-byte, then 1-byte fields: the least padding.
  R.addClientOrderId(b, zeros(b));
  R.addOrderId(b, zeros(b));
  R.addQty(b, zeros(b));
  R.addLeavesQty(b, zeros(b));
  R.addTradeId(b, zeros(b));
  R.addEngineSeq(b, zeros(b));
  R.addTimestampNs(b, zeros(b));
  R.addSymbolId(b, 0);
  R.addPrice(b, 0);
  R.addKind(b, 0);
  R.addRejectReason(b, 0);
  R.addCancelReason(b, 0);
  R.addSide(b, 0);
  R.addLiquidity(b, 0);
  const body = R.endExecutionReport(b);
  startTable(b, layout.AnyMessage, wire.Message.startMessage);
  wire.Message.addSeq(b, zeros(b));
  wire.Message.addBody(b, body);
  wire.Message.addBodyType(b, wire.Body.ExecutionReport);
  b.finish(wire.Message.endMessage(b), undefined, true);
  const t = new FrameTemplate(b.asUint8Array(), layout.ServerMessage, serverFrameBytesMax);
  t.locate(t.root(), layout.AnyMessage);
  t.locate(t.follow("Message.body"), layout.ExecutionReport);
  return t;
}

/** The command's table with every field present; returns its offset. */
function commandTable(b: flatbuffers.Builder, command: number): number {
  if (command === wire.Command.NewOrder) {
    const T = wire.NewOrder;
    startTable(b, layout.NewOrder, T.startNewOrder);
    T.addClientOrderId(b, zeros(b));
    T.addQty(b, zeros(b));
    T.addSymbolId(b, 0);
    T.addPrice(b, 0);
    T.addStopPrice(b, 0);
    T.addSide(b, 0);
    T.addType(b, 0);
    T.addTif(b, 0);
    T.addPostOnly(b, false);
    T.addStp(b, 0);
    return T.endNewOrder(b);
  }
  if (command === wire.Command.Cancel) {
    startTable(b, layout.Cancel, wire.Cancel.startCancel);
    wire.Cancel.addClientOrderId(b, zeros(b));
    wire.Cancel.addSymbolId(b, 0);
    return wire.Cancel.endCancel(b);
  }
  if (command === wire.Command.MassCancel) {
    const M = wire.MassCancel;
    startTable(b, layout.MassCancel, M.startMassCancel);
    M.addRequestId(b, zeros(b));
    M.addSymbolId(b, 0);
    M.addOneSymbol(b, false);
    M.addSide(b, 0);
    M.addReason(b, 0);
    return M.endMassCancel(b);
  }
  assert(command === wire.Command.Modify, `no template for command ${command}`);
  const T = wire.Modify;
  startTable(b, layout.Modify, T.startModify);
  T.addClientOrderId(b, zeros(b));
  T.addQty(b, zeros(b));
  T.addSymbolId(b, 0);
  T.addPrice(b, 0);
  return T.endModify(b);
}

/** Builds an `InputRecord` of a NewOrder, Cancel, Modify or MassCancel command with every field present. */
export function inputRecordTemplate(command: number): FrameTemplate {
  const b = new flatbuffers.Builder(1024);
  b.forceDefaults(true);
  const body = commandTable(b, command);
  startTable(b, layout.InputRecord, InputRecord.startInputRecord);
  InputRecord.addEngineSeq(b, zeros(b));
  InputRecord.addReceivedNs(b, zeros(b));
  InputRecord.addUserId(b, zeros(b));
  InputRecord.addSessionId(b, zeros(b));
  InputRecord.addSessionSeq(b, zeros(b));
  InputRecord.addOrderId(b, zeros(b));
  InputRecord.addCommand(b, body);
  InputRecord.addCommandType(b, command);
  b.finish(InputRecord.endInputRecord(b), undefined, true);
  const t = new FrameTemplate(b.asUint8Array(), layout.InputRecord, inputRecordBytesMax);
  t.locate(t.root(), layout.InputRecord);
  const table = layout.CommandUnion.members[command];
  assert(table !== null && table !== undefined, `command ${command} has no layout`);
  t.locate(t.follow("InputRecord.command"), table);
  return t;
}

/** Client bodies with a fixed layout: no string, no vector. */
const clientTemplateBodies: readonly number[] = [wire.Body.NewOrder, wire.Body.Cancel, wire.Body.Modify, wire.Body.Heartbeat];

/** Builds a client's `Message{seq, NewOrder | Cancel | Modify | Heartbeat}` with every field present. */
export function clientMessageTemplate(body: number): FrameTemplate {
  assert(clientTemplateBodies.includes(body), `no client template for body ${body}`);
  const b = new flatbuffers.Builder(1024);
  b.forceDefaults(true);
  let table: number;
  if (body === wire.Body.Heartbeat) {
    startTable(b, layout.Heartbeat, wire.Heartbeat.startHeartbeat);
    table = wire.Heartbeat.endHeartbeat(b);
  } else {
    // NewOrder, Cancel and Modify are the same tables as the input record's commands.
    const command = body === wire.Body.NewOrder ? wire.Command.NewOrder : body === wire.Body.Cancel ? wire.Command.Cancel : wire.Command.Modify;
    table = commandTable(b, command);
  }
  startTable(b, layout.AnyMessage, wire.Message.startMessage);
  wire.Message.addSeq(b, zeros(b));
  wire.Message.addBody(b, table);
  wire.Message.addBodyType(b, body);
  b.finish(wire.Message.endMessage(b), undefined, true);
  const t = new FrameTemplate(b.asUint8Array(), layout.ClientMessage, clientFrameBytesMax);
  t.locate(t.root(), layout.AnyMessage);
  const bodyLayout = layout.ClientBody.members[body];
  assert(bodyLayout !== null && bodyLayout !== undefined, `body ${body} is not a client message`);
  t.locate(t.follow("Message.body"), bodyLayout);
  return t;
}

// ---- Stores -------------------------------------------------------------

/**
 * Stores a whole frame at word `word` (byte `at`, 4-aligned) of `words` /
 * `bytes`, two views of one buffer: every constant word of the template,
 * then each value field from its source: one of the `args`, or a property of
 * `o`. Values are checked beforehand.
 */
type Store<T> = (words: Int32Array, bytes: Uint8Array, word: number, at: number, ...argsThenObject: [...number[], T]) => void;

/** Where a value field's value comes from: an argument of the store, or a property of its object. */
type Source<T> = { arg: string } | { property: keyof T & string };

/** A value field the writer stores: `Table.field`, its width in bytes (what the writer checks for), and its source. */
type Sourced<T> = readonly [name: string, bytes: 1 | 4 | 8, source: Source<T>];

/**
 * Compiles a frame's stores into straight-line code; `sources` gives, for
 * each of `t.valueFields` in order, where its value comes from. A loop over a
 * table of positions costs about twice as much per frame; here every position
 * is a constant. The source text holds only numbers from the template and
 * identifiers checked against /^[A-Za-z]+$/.
 *
 * A U53 or U64 `v` is stored as `w[i] = v; w[i + 1] = v * 2^-32`: an
 * Int32Array store truncates a double to an integer and keeps its low 32
 * bits, so the first store keeps v's low half and the second, whose product
 * is exact (a power of two), its high half. A 1-byte field is stored last:
 * it shares its word with constant bytes. A bool stores as 1 or 0.
 */
function compileStore<T>(t: FrameTemplate, args: readonly string[], sources: readonly Sourced<T>[]): Store<T> {
  const fields = t.valueFields;
  const ours = sources.map(([name, bytes]) => `${name}:${bytes}`).join(", ");
  const schema = fields.map((f) => `${f.name}:${f.bytes}`).join(", ");
  assert(ours === schema, `the schema's value fields are [${schema}] but src/protocol/fixed.ts writes [${ours}]`);
  for (const a of args) assert(/^[A-Za-z]+$/.test(a) && !["w", "f", "b", "p", "o"].includes(a), `argument name ${a}`);
  const words: string[] = [];
  for (const c of t.constantWords()) words.push(`w[b + ${c.word}] = ${c.value};`);
  const bytes: string[] = [];
  fields.forEach((f, k) => {
    const source = sources[k]![2];
    const v = "arg" in source ? source.arg : `o.${source.property}`;
    assert("arg" in source ? args.includes(source.arg) : /^[A-Za-z]+$/.test(source.property), `source of ${f.name}`);
    const i = f.at >> 2;
    if (f.bytes === 8) words.push(`w[b + ${i}] = ${v};`, `w[b + ${i + 1}] = ${v} * ${u32Inverse};`);
    else if (f.bytes === 4) words.push(`w[b + ${i}] = ${v};`);
    else bytes.push(`f[p + ${f.at}] = ${v};`);
  });
  const body = `"use strict";\n${words.join("\n")}\n${bytes.join("\n")}`;
  return new Function("w", "f", "b", "p", ...args, "o", body) as Store<T>;
}

/** A template ready to write: its compiled stores and a copy of it for writes at unaligned positions. */
class FixedFrame<T> {
  readonly template: FrameTemplate;
  readonly frameBytes: number;
  readonly store: Store<T>;
  /** The template in a buffer of its own; an unaligned write stores the frame here, then copies it out. */
  readonly copy: Uint8Array;
  readonly copyWords: Int32Array;

  constructor(template: FrameTemplate, args: readonly string[], sources: readonly Sourced<T>[]) {
    this.template = template;
    this.frameBytes = template.frameBytes;
    this.store = compileStore(template, args, sources);
    this.copy = template.bytes.slice();
    this.copyWords = new Int32Array(this.copy.buffer);
  }
}

/**
 * Where a writer stores the frame it is writing: straight into the caller's
 * buffer when the frame's position there is 4-aligned, otherwise into the
 * frame's own copy, copied out at the end. A buffer's 32-bit view is made
 * once and kept (weakly) for the next writes: the last buffer's is at hand,
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

  /** Prepares to store `frame` at `out[at]`, which the caller checked it fits. */
  begin<T>(out: Uint8Array, at: number, frame: FixedFrame<T>): void {
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
      this.words = frame.copyWords;
      this.bytes = frame.copy;
      this.word = 0;
      this.at = 0;
      this.pending = frame.copy;
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

  /** Copies the frame to `out[at]` if it was stored in its copy. */
  end(out: Uint8Array, at: number): void {
    if (this.pending !== null) out.set(this.pending, at);
  }
}

// ---- Execution reports --------------------------------------------------

const of = <T>(property: keyof T & string): Source<T> => ({ property });
const arg = (name: string): { arg: string } => ({ arg: name });

/** Where each value field of a report frame comes from, in slot order. */
const reportSources: readonly Sourced<ExecReport>[] = [
  ["Message.seq", 8, arg("seq")],
  ["ExecutionReport.kind", 1, of("kind")],
  ["ExecutionReport.reject_reason", 1, of("rejectReason")],
  ["ExecutionReport.cancel_reason", 1, of("cancelReason")],
  ["ExecutionReport.client_order_id", 8, of("clientOrderId")],
  ["ExecutionReport.order_id", 8, of("orderId")],
  ["ExecutionReport.symbol_id", 4, of("symbolId")],
  ["ExecutionReport.side", 1, of("side")],
  ["ExecutionReport.price", 4, of("priceTicks")],
  ["ExecutionReport.qty", 8, of("qtyLots")],
  ["ExecutionReport.leaves_qty", 8, of("leavesQtyLots")],
  ["ExecutionReport.trade_id", 8, of("tradeId")],
  ["ExecutionReport.liquidity", 1, of("liquidity")],
  ["ExecutionReport.engine_seq", 8, of("engineSeq")],
  ["ExecutionReport.timestamp_ns", 8, of("timestampNs")],
];

/**
 * Writes `Message{seq, ExecutionReport}` frames of `frameBytes` bytes,
 * length prefix included. One writer serves any number of output buffers.
 */
export class ExecReportWriter {
  readonly template: FrameTemplate;
  /** Bytes of every frame, length prefix included. */
  readonly frameBytes: number;
  private readonly frame: FixedFrame<ExecReport>;
  private readonly target = new Target();

  constructor() {
    this.frame = new FixedFrame(execReportTemplate(), ["seq"], reportSources);
    this.template = this.frame.template;
    this.frameBytes = this.frame.frameBytes;
  }

  /**
   * Writes the frame of report `r` with message sequence number `seq` to
   * `out[at, at + frameBytes)`; returns `frameBytes`. Throws, having written
   * nothing, when the frame does not fit or a value is outside its wire type.
   */
  write(out: Uint8Array, at: number, seq: number, r: ExecReport): number {
    checkRoom(out, at, this.frameBytes);
    this.check(seq, r);
    const t = this.target;
    t.begin(out, at, this.frame);
    this.frame.store(t.words, t.bytes, t.word, t.at, seq, r);
    t.end(out, at);
    return this.frameBytes;
  }

  private check(seq: number, r: ExecReport): void {
    if (!isU53(seq)) fail("seq", seq);
    if (!isByte(r.kind)) fail("kind", r.kind);
    if (!isByte(r.rejectReason)) fail("reject_reason", r.rejectReason);
    if (!isByte(r.cancelReason)) fail("cancel_reason", r.cancelReason);
    if (!isU53(r.clientOrderId)) fail("client_order_id", r.clientOrderId);
    if (!isU53(r.orderId)) fail("order_id", r.orderId);
    if (!isU32(r.symbolId)) fail("symbol_id", r.symbolId);
    if (!isByte(r.side)) fail("side", r.side);
    if (!isI32(r.priceTicks)) fail("price", r.priceTicks);
    if (!isU53(r.qtyLots)) fail("qty", r.qtyLots);
    if (!isU53(r.leavesQtyLots)) fail("leaves_qty", r.leavesQtyLots);
    if (!isU53(r.tradeId)) fail("trade_id", r.tradeId);
    if (!isByte(r.liquidity)) fail("liquidity", r.liquidity);
    if (!isU53(r.engineSeq)) fail("engine_seq", r.engineSeq);
    if (!isU64(r.timestampNs)) fail("timestamp_ns", r.timestampNs);
  }
}

// ---- Input records ------------------------------------------------------

/** The sequencer's stamp: arguments of every record writer, in this order. */
const stampArgs = ["engineSeq", "receivedNs", "userId", "sessionId", "sessionSeq", "orderId"] as const;

const stampSources: readonly Sourced<OrderFields>[] = [
  ["InputRecord.engine_seq", 8, arg("engineSeq")],
  ["InputRecord.received_ns", 8, arg("receivedNs")],
  ["InputRecord.user_id", 8, arg("userId")],
  ["InputRecord.session_id", 8, arg("sessionId")],
  ["InputRecord.session_seq", 8, arg("sessionSeq")],
  ["InputRecord.order_id", 8, arg("orderId")],
];

const newOrderSources: readonly Sourced<OrderFields>[] = [
  ...stampSources,
  ["NewOrder.client_order_id", 8, of("clientOrderId")],
  ["NewOrder.symbol_id", 4, of("symbolId")],
  ["NewOrder.side", 1, of("side")],
  ["NewOrder.type", 1, of("type")],
  ["NewOrder.tif", 1, of("tif")],
  ["NewOrder.post_only", 1, of("postOnly")],
  ["NewOrder.stp", 1, of("stp")],
  ["NewOrder.price", 4, of("priceTicks")],
  ["NewOrder.qty", 8, of("qtyLots")],
  ["NewOrder.stop_price", 4, of("stopPriceTicks")],
];

const cancelSources: readonly Sourced<OrderFields>[] = [
  ...stampSources,
  ["Cancel.client_order_id", 8, of("clientOrderId")],
  ["Cancel.symbol_id", 4, of("symbolId")],
];

const modifySources: readonly Sourced<OrderFields>[] = [
  ...stampSources,
  ["Modify.client_order_id", 8, of("clientOrderId")],
  ["Modify.symbol_id", 4, of("symbolId")],
  ["Modify.price", 4, of("priceTicks")],
  ["Modify.qty", 8, of("qtyLots")],
];

const massCancelSources: readonly Sourced<OrderFields>[] = [
  ...stampSources,
  ["MassCancel.request_id", 8, of("clientOrderId")],
  ["MassCancel.one_symbol", 1, of("oneSymbol")],
  ["MassCancel.symbol_id", 4, of("symbolId")],
  ["MassCancel.side", 1, of("massSide")],
  ["MassCancel.reason", 1, of("cancelReason")],
];

/** Wire-type checks of a NewOrder's fields (a value the wire cannot carry is a caller bug). */
function checkNewOrder(o: OrderFields): void {
  checkCancel(o);
  if (!isByte(o.side)) fail("side", o.side);
  if (!isByte(o.type)) fail("type", o.type);
  if (!isByte(o.tif)) fail("tif", o.tif);
  if (!isByte(o.stp)) fail("stp", o.stp);
  if (!isI32(o.priceTicks)) fail("price", o.priceTicks);
  if (!isU53(o.qtyLots)) fail("qty", o.qtyLots);
  if (!isI32(o.stopPriceTicks)) fail("stop_price", o.stopPriceTicks);
}

function checkCancel(o: OrderFields): void {
  if (!isU53(o.clientOrderId)) fail("client_order_id", o.clientOrderId);
  if (!isU32(o.symbolId)) fail("symbol_id", o.symbolId);
}

function checkModify(o: OrderFields): void {
  checkCancel(o);
  if (!isI32(o.priceTicks)) fail("price", o.priceTicks);
  if (!isU53(o.qtyLots)) fail("qty", o.qtyLots);
}

function checkMassCancel(o: OrderFields): void {
  if (!isU53(o.clientOrderId)) fail("request_id", o.clientOrderId);
  if (!isU32(o.symbolId)) fail("symbol_id", o.symbolId);
  if (!isByte(o.massSide)) fail("side", o.massSide);
  if (!isByte(o.cancelReason)) fail("reason", o.cancelReason);
}

function checkStamp(engineSeq: number, receivedNs: number, userId: number, sessionId: number, sessionSeq: number, orderId: number): void {
  if (!isU53(engineSeq)) fail("engine_seq", engineSeq);
  if (!isU64(receivedNs)) fail("received_ns", receivedNs);
  if (!isU53(userId)) fail("user_id", userId);
  if (!isU53(sessionId)) fail("session_id", sessionId);
  if (!isU53(sessionSeq)) fail("session_seq", sessionSeq);
  if (!isU53(orderId)) fail("order_id", orderId);
}

/**
 * Writes `InputRecord` frames of NewOrder, Cancel, Modify and MassCancel commands, length
 * prefix included (symbol definitions are rare: the Encoder writes those).
 * The order fields come from any OrderFields, such as the ClientMessage the
 * gateway decoded. Each method writes to `out[at, at + <command>Bytes)`,
 * returns the bytes written, and throws, having written nothing, when the
 * frame does not fit or a value is outside its wire type. One writer serves
 * any number of output buffers.
 */
export class InputRecordWriter {
  private readonly newOrder = new FixedFrame(inputRecordTemplate(wire.Command.NewOrder), stampArgs, newOrderSources);
  private readonly cancel = new FixedFrame(inputRecordTemplate(wire.Command.Cancel), stampArgs, cancelSources);
  private readonly modify = new FixedFrame(inputRecordTemplate(wire.Command.Modify), stampArgs, modifySources);
  private readonly massCancel = new FixedFrame(inputRecordTemplate(wire.Command.MassCancel), stampArgs, massCancelSources);
  private readonly target = new Target();
  /** Bytes of each command's frames, length prefix included. */
  readonly newOrderBytes = this.newOrder.frameBytes;
  readonly cancelBytes = this.cancel.frameBytes;
  readonly modifyBytes = this.modify.frameBytes;
  readonly massCancelBytes = this.massCancel.frameBytes;

  /** The template of a command's frames (tests, tools). */
  templateOf(command: number): FrameTemplate {
    if (command === wire.Command.NewOrder) return this.newOrder.template;
    if (command === wire.Command.Cancel) return this.cancel.template;
    if (command === wire.Command.Modify) return this.modify.template;
    if (command === wire.Command.MassCancel) return this.massCancel.template;
    throw new Error(`fixed encode: no template for command ${command}`);
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
    const frame = this.newOrder;
    checkRoom(out, at, frame.frameBytes);
    checkStamp(engineSeq, receivedNs, userId, sessionId, sessionSeq, orderId);
    checkNewOrder(o);
    const t = this.target;
    t.begin(out, at, frame);
    frame.store(t.words, t.bytes, t.word, t.at, engineSeq, receivedNs, userId, sessionId, sessionSeq, orderId, o);
    t.end(out, at);
    return frame.frameBytes;
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
    const frame = this.cancel;
    checkRoom(out, at, frame.frameBytes);
    checkStamp(engineSeq, receivedNs, userId, sessionId, sessionSeq, orderId);
    checkCancel(o);
    const t = this.target;
    t.begin(out, at, frame);
    frame.store(t.words, t.bytes, t.word, t.at, engineSeq, receivedNs, userId, sessionId, sessionSeq, orderId, o);
    t.end(out, at);
    return frame.frameBytes;
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
    const frame = this.modify;
    checkRoom(out, at, frame.frameBytes);
    checkStamp(engineSeq, receivedNs, userId, sessionId, sessionSeq, orderId);
    checkModify(o);
    const t = this.target;
    t.begin(out, at, frame);
    frame.store(t.words, t.bytes, t.word, t.at, engineSeq, receivedNs, userId, sessionId, sessionSeq, orderId, o);
    t.end(out, at);
    return frame.frameBytes;
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
    const frame = this.massCancel;
    checkRoom(out, at, frame.frameBytes);
    checkStamp(engineSeq, receivedNs, userId, sessionId, sessionSeq, orderId);
    checkMassCancel(o);
    const t = this.target;
    t.begin(out, at, frame);
    frame.store(t.words, t.bytes, t.word, t.at, engineSeq, receivedNs, userId, sessionId, sessionSeq, orderId, o);
    t.end(out, at);
    return frame.frameBytes;
  }

  /** Writes `r` by its command (the sequencer, replays, tools); a SymbolDef throws: the Encoder writes those. */
  write(out: Uint8Array, at: number, r: InputRecordView): number {
    switch (r.command) {
      case wire.Command.NewOrder:
        return this.writeNewOrder(out, at, r.engineSeq, r.receivedNs, r.userId, r.sessionId, r.sessionSeq, r.orderId, r);
      case wire.Command.Cancel:
        return this.writeCancel(out, at, r.engineSeq, r.receivedNs, r.userId, r.sessionId, r.sessionSeq, r.orderId, r);
      case wire.Command.Modify:
        return this.writeModify(out, at, r.engineSeq, r.receivedNs, r.userId, r.sessionId, r.sessionSeq, r.orderId, r);
      case wire.Command.MassCancel:
        return this.writeMassCancel(out, at, r.engineSeq, r.receivedNs, r.userId, r.sessionId, r.sessionSeq, r.orderId, r);
      default:
        throw new Error(`fixed encode: no template for command ${r.command}`);
    }
  }
}

// ---- Client messages ----------------------------------------------------

const seqSource: Sourced<OrderFields> = ["Message.seq", 8, arg("seq")];

const clientNewOrderSources: readonly Sourced<OrderFields>[] = [seqSource, ...newOrderSources.slice(stampSources.length)];
const clientCancelSources: readonly Sourced<OrderFields>[] = [seqSource, ...cancelSources.slice(stampSources.length)];
const clientModifySources: readonly Sourced<OrderFields>[] = [seqSource, ...modifySources.slice(stampSources.length)];

/**
 * Writes a client's `Message{seq, NewOrder | Cancel | Modify | Heartbeat}`
 * frames, length prefix included (Login, Logout and OpenOrdersRequest are
 * rare: the Encoder writes those). The order fields come from any
 * OrderFields, such as the client's ClientMessage. Each method writes to
 * `out[at, at + <body>Bytes)`, returns the bytes written, and throws, having
 * written nothing, when the frame does not fit or a value is outside its wire
 * type. One writer serves any number of output buffers.
 */
export class ClientMessageWriter {
  private readonly newOrder = new FixedFrame(clientMessageTemplate(wire.Body.NewOrder), ["seq"], clientNewOrderSources);
  private readonly cancel = new FixedFrame(clientMessageTemplate(wire.Body.Cancel), ["seq"], clientCancelSources);
  private readonly modify = new FixedFrame(clientMessageTemplate(wire.Body.Modify), ["seq"], clientModifySources);
  private readonly heartbeat = new FixedFrame(clientMessageTemplate(wire.Body.Heartbeat), ["seq"], [seqSource]);
  private readonly target = new Target();
  /** The heartbeat's store reads no order field; it is handed this one. */
  private readonly noFields = new OrderFields();
  /** Bytes of each body's frames, length prefix included. */
  readonly newOrderBytes = this.newOrder.frameBytes;
  readonly cancelBytes = this.cancel.frameBytes;
  readonly modifyBytes = this.modify.frameBytes;
  readonly heartbeatBytes = this.heartbeat.frameBytes;
  /** The longest of them: room for any one frame. */
  readonly frameBytesMax = Math.max(this.newOrderBytes, this.cancelBytes, this.modifyBytes, this.heartbeatBytes);

  /** The template of a body's frames (tests, tools). */
  templateOf(body: number): FrameTemplate {
    if (body === wire.Body.NewOrder) return this.newOrder.template;
    if (body === wire.Body.Cancel) return this.cancel.template;
    if (body === wire.Body.Modify) return this.modify.template;
    if (body === wire.Body.Heartbeat) return this.heartbeat.template;
    throw new Error(`fixed encode: no client template for body ${body}`);
  }

  /** Frame bytes of `body`, or 0 when this writer has no template for it (the Encoder writes those). */
  bytesOf(body: number): number {
    if (body === wire.Body.NewOrder) return this.newOrderBytes;
    if (body === wire.Body.Cancel) return this.cancelBytes;
    if (body === wire.Body.Modify) return this.modifyBytes;
    if (body === wire.Body.Heartbeat) return this.heartbeatBytes;
    return 0;
  }

  writeNewOrder(out: Uint8Array, at: number, seq: number, o: OrderFields): number {
    const frame = this.newOrder;
    checkRoom(out, at, frame.frameBytes);
    if (!isU53(seq)) fail("seq", seq);
    checkNewOrder(o);
    const t = this.target;
    t.begin(out, at, frame);
    frame.store(t.words, t.bytes, t.word, t.at, seq, o);
    t.end(out, at);
    return frame.frameBytes;
  }

  /** A Cancel: `o.clientOrderId` and `o.symbolId`. */
  writeCancel(out: Uint8Array, at: number, seq: number, o: OrderFields): number {
    const frame = this.cancel;
    checkRoom(out, at, frame.frameBytes);
    if (!isU53(seq)) fail("seq", seq);
    checkCancel(o);
    const t = this.target;
    t.begin(out, at, frame);
    frame.store(t.words, t.bytes, t.word, t.at, seq, o);
    t.end(out, at);
    return frame.frameBytes;
  }

  /** A Modify: `o.clientOrderId`, `o.symbolId`, `o.priceTicks`, `o.qtyLots` (new remaining). */
  writeModify(out: Uint8Array, at: number, seq: number, o: OrderFields): number {
    const frame = this.modify;
    checkRoom(out, at, frame.frameBytes);
    if (!isU53(seq)) fail("seq", seq);
    checkModify(o);
    const t = this.target;
    t.begin(out, at, frame);
    frame.store(t.words, t.bytes, t.word, t.at, seq, o);
    t.end(out, at);
    return frame.frameBytes;
  }

  writeHeartbeat(out: Uint8Array, at: number, seq: number): number {
    const frame = this.heartbeat;
    checkRoom(out, at, frame.frameBytes);
    if (!isU53(seq)) fail("seq", seq);
    const t = this.target;
    t.begin(out, at, frame);
    frame.store(t.words, t.bytes, t.word, t.at, seq, this.noFields);
    t.end(out, at);
    return frame.frameBytes;
  }

  /** Writes `m` by its body (NewOrder, Cancel, Modify, Heartbeat) with `m.seq`; any other body throws: the Encoder writes those. */
  write(out: Uint8Array, at: number, m: OrderFields & { seq: number; body: number }): number {
    switch (m.body) {
      case wire.Body.NewOrder:
        return this.writeNewOrder(out, at, m.seq, m);
      case wire.Body.Cancel:
        return this.writeCancel(out, at, m.seq, m);
      case wire.Body.Modify:
        return this.writeModify(out, at, m.seq, m);
      case wire.Body.Heartbeat:
        return this.writeHeartbeat(out, at, m.seq);
      default:
        throw new Error(`fixed encode: no client template for body ${m.body}`);
    }
  }
}
