// Template frames of the fixed layouts, built at code-generation time (and in
// tests) by the real flatbuffers Builder from the tables of layout.ts, with
// `forceDefaults(true)` so every field is present. Fields are added widest
// first (structs, then 4-byte fields, then bytes: the least padding), in
// declaration order within a width, as hand-written builders do.
//
// A template is checked before anything is generated from it: the length
// prefix counts the payload, the frame is a multiple of 4 bytes and within its
// limit, it passes the Verifier, every field of its tables is present, inside
// its table, aligned and apart from the others. layout.ts itself is checked
// slot by slot against flatc's output by schema.test.ts, so a template built
// here has the schema's layout.

import * as flatbuffers from "flatbuffers";
import {
  clientFrameBytesMax,
  framePrefixBytes,
  inputRecordBytesMax,
  ProtocolError,
  serverFrameBytesMax,
} from "../constants.ts";
import * as layout from "../layout.ts";
import { Verifier } from "../verify.ts";

/** Generation stops when a template and the schema disagree. */
export function assert(condition: boolean, fact: string): asserts condition {
  if (!condition) throw new Error(`fixed-layout template: ${fact}`);
}

/** A field that carries a value (not a union's type or offset: those are constant in a template). */
export interface ValueField {
  /** `Table.field`. */
  readonly name: string;
  /** Frame-relative byte position (length prefix included). */
  readonly at: number;
  readonly bytes: number;
}

/** A template frame (length prefix included) and where each field lies. */
export class FrameTemplate {
  /** The frame, in a buffer of its own (4-aligned). */
  readonly bytes: Uint8Array;
  readonly frameBytes: number;
  /** Value fields in the order located: the root's in slot order, then the member's. */
  readonly valueFields: ValueField[] = [];
  private readonly view: DataView;
  private readonly positions = new Map<string, number>();

  constructor(frame: Uint8Array, verifyRoot: layout.TableLayout, frameBytesMax: number) {
    this.frameBytes = frame.length;
    this.bytes = new Uint8Array(this.frameBytes);
    this.bytes.set(frame);
    this.view = new DataView(this.bytes.buffer);
    assert(this.frameBytes % 4 === 0, `${verifyRoot.name} template of ${this.frameBytes} bytes is not a multiple of 4`);
    assert(
      this.frameBytes <= frameBytesMax,
      `${verifyRoot.name} template of ${this.frameBytes} bytes is above the limit ${frameBytesMax}`,
    );
    assert(this.view.getUint32(0, true) === this.frameBytes - framePrefixBytes, "the length prefix counts the payload");
    const verifier = new Verifier();
    const code = verifier.verify(this.bytes, framePrefixBytes, this.frameBytes, verifyRoot);
    assert(code === ProtocolError.Ok, `${verifyRoot.name} template fails verification: ${verifier.reason()}`);
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

  /** The frame-relative byte position of `Table.field`. */
  at(name: string): number {
    const at = this.positions.get(name);
    assert(at !== undefined, `no field ${name} in the template`);
    return at;
  }

  /** Reads the vtable of the table at `tableAt` and records where each field of `table` lies. */
  locate(tableAt: number, table: layout.TableLayout): void {
    const view = this.view;
    const vtable = tableAt - view.getInt32(tableAt, true);
    const slots = (view.getUint16(vtable, true) - 4) >> 1;
    const inlineBytes = view.getUint16(vtable + 2, true);
    assert(
      slots === table.fields.length,
      `${table.name} template has ${slots} slots, the schema ${table.fields.length}`,
    );
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
}

/** Which envelope a fixed frame travels in. */
export type Envelope = "client" | "server" | "record";

interface EnvelopeLayout {
  /** The root table as built (every union member allowed). */
  readonly root: layout.TableLayout;
  /** The root the frame is verified as: what its reader accepts. */
  readonly verifyRoot: layout.TableLayout;
  readonly union: layout.UnionLayout;
  /** The union's value slot in the root, e.g. `Message.body`. */
  readonly unionField: string;
  readonly frameBytesMax: number;
}

export const envelopes: Readonly<Record<Envelope, EnvelopeLayout>> = {
  client: {
    root: layout.AnyMessage,
    verifyRoot: layout.ClientMessage,
    union: layout.ClientBody,
    unionField: "Message.body",
    frameBytesMax: clientFrameBytesMax,
  },
  server: {
    root: layout.AnyMessage,
    verifyRoot: layout.ServerMessage,
    union: layout.ServerBody,
    unionField: "Message.body",
    frameBytesMax: serverFrameBytesMax,
  },
  record: {
    root: layout.InputRecord,
    verifyRoot: layout.InputRecord,
    union: layout.CommandUnion,
    unionField: "InputRecord.command",
    frameBytesMax: inputRecordBytesMax,
  },
};

/**
 * Adds `table` with every field present, the union (if any) set to `memberCode` / `member`,
 * a vector of tables (if any) to `vector`, each sub-table field to its offset in `tables`
 * (by field name); returns its offset.
 */
export function addTable(
  b: flatbuffers.Builder,
  table: layout.TableLayout,
  memberCode: number,
  member: number,
  vector = 0,
  tables: ReadonlyMap<string, number> = new Map(),
): number {
  const widestFirst = table.fields.map((f, slot) => ({ f, slot })).sort((x, y) => y.f.bytes - x.f.bytes);
  b.startObject(table.fields.length);
  for (const { f, slot } of widestFirst) {
    if (f.kind === layout.FieldKind.Struct) {
      // A U53 / U64 of zeros, created inline as structs must be.
      b.prep(4, 8);
      b.writeInt32(0);
      b.writeInt32(0);
      b.addFieldStruct(slot, b.offset(), 0);
    } else if (f.kind === layout.FieldKind.Scalar && f.bytes === 4) {
      b.addFieldInt32(slot, 0, 0);
    } else if (f.kind === layout.FieldKind.Scalar && f.bytes === 1) {
      b.addFieldInt8(slot, 0, 0);
    } else if (f.kind === layout.FieldKind.UnionType) {
      b.addFieldInt8(slot, memberCode, 0);
    } else if (f.kind === layout.FieldKind.UnionValue) {
      b.addFieldOffset(slot, member, 0);
    } else if (f.kind === layout.FieldKind.VectorOfTables) {
      b.addFieldOffset(slot, vector, 0);
    } else if (f.kind === layout.FieldKind.Table && tables.has(f.name)) {
      b.addFieldOffset(slot, tables.get(f.name)!, 0);
    } else {
      throw new Error(`fixed-layout template: ${table.name}.${f.name} (kind ${f.kind}) has no fixed layout`);
    }
  }
  return b.endObject();
}

/** Builds and checks the template of `envelope` carrying union member `memberCode`. */
export function buildTemplate(envelope: Envelope, memberCode: number): FrameTemplate {
  const e = envelopes[envelope];
  const member = e.union.members[memberCode];
  assert(
    member !== null && member !== undefined,
    `${e.union.name} member ${memberCode} is not one a ${envelope} frame carries`,
  );
  const b = new flatbuffers.Builder(1024);
  b.forceDefaults(true);
  const body = addTable(b, member, 0, 0);
  b.finish(addTable(b, e.root, memberCode, body), undefined, true);
  const t = new FrameTemplate(b.asUint8Array(), e.verifyRoot, e.frameBytesMax);
  t.locate(t.root(), e.root);
  t.locate(t.follow(e.unionField), member);
  return t;
}

/** An OpenOrders page as the Builder lays it out: the frame, and where its vector and each order's table lie. */
export interface PageTemplate {
  readonly t: FrameTemplate;
  /** Frame-relative position of the vector's length word. */
  readonly vectorAt: number;
  /** Frame-relative position of each order's table, in vector order. */
  readonly orderAt: readonly number[];
}

/**
 * Builds and checks the template of `Message{seq, OpenOrders{orders, more}}`
 * with `count` orders, each table with every field present, made in vector
 * order and then vectored, as the Encoder does.
 */
export function buildPageTemplate(count: number): PageTemplate {
  const e = envelopes.server;
  const memberCode = e.union.members.indexOf(layout.OpenOrders);
  assert(memberCode > 0, "OpenOrders is a body the exchange sends");
  const b = new flatbuffers.Builder(1024);
  b.forceDefaults(true);
  const orders: number[] = [];
  for (let k = 0; k < count; k++) orders.push(addTable(b, layout.OpenOrder, 0, 0));
  b.startVector(4, count, 4);
  for (let k = count - 1; k >= 0; k--) b.addOffset(orders[k]!);
  const body = addTable(b, layout.OpenOrders, 0, 0, b.endVector());
  b.finish(addTable(b, e.root, memberCode, body), undefined, true);
  const t = new FrameTemplate(b.asUint8Array(), e.verifyRoot, e.frameBytesMax);
  t.locate(t.root(), e.root);
  t.locate(t.follow(e.unionField), layout.OpenOrders);
  const vectorAt = t.follow("OpenOrders.orders");
  const view = new DataView(t.bytes.buffer);
  assert(view.getUint32(vectorAt, true) === count, `the vector of a ${count}-order page holds ${count}`);
  const offsetAt = (k: number) => vectorAt + 4 + 4 * k;
  const orderAt = Array.from({ length: count }, (_, k) => offsetAt(k) + view.getUint32(offsetAt(k), true));
  // Every order's table has the same layout (one shared vtable): the first one's positions stand for all.
  if (count > 0) t.locate(orderAt[0]!, layout.OpenOrder);
  return { t, vectorAt, orderAt };
}
