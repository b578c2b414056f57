// Proves the verifier refuses hostile frames (offsets outside, backward offsets, bad vtables, huge lengths, missing
// fields, unknown unions, deep nesting, work amplification) with a code, and that no byte change or truncation of a
// valid frame makes a decoder throw or read outside the frame.

import { describe, expect, test } from "bun:test";
import * as flatbuffers from "flatbuffers";
import { Body, ClientDecoder, Encoder, InputRecordDecoder, ServerDecoder } from "./codec.ts";
import { ProtocolError, verifyDepthMax, verifyWorkMax } from "./constants.ts";
import {
  CheckedByteBuffer,
  clientBodies,
  commands,
  randomClient,
  randomRecord,
  randomServer,
  Rng,
  serverBodies,
} from "./fixtures.ts";
import { FieldKind, type FieldLayout, type TableLayout } from "./layout.ts";
import * as layout from "./layout.ts";
import { ClientMessage, InputRecordView, ServerMessage } from "./messages.ts";
import { Verifier } from "./verify.ts";

const seed = Number(process.env.SEED ?? 4242);
console.log(`verify.test seed=${seed}`);

/** A payload (no length prefix) with little-endian accessors for patching. */
class Payload {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u16(at: number): number {
    return this.view.getUint16(at, true);
  }
  u32(at: number): number {
    return this.view.getUint32(at, true);
  }
  i32(at: number): number {
    return this.view.getInt32(at, true);
  }
  setU16(at: number, v: number): void {
    this.view.setUint16(at, v, true);
  }
  setU32(at: number, v: number): void {
    this.view.setUint32(at, v >>> 0, true);
  }
  root(): number {
    return this.u32(0);
  }
  vtable(table: number): number {
    return table - this.i32(table);
  }
  /** Position of a field's vtable entry. */
  entry(table: number, slot: number): number {
    return this.vtable(table) + 4 + 2 * slot;
  }
  field(table: number, slot: number): number {
    return table + this.u16(this.entry(table, slot));
  }
  /** The body table of a Message root. */
  body(): number {
    const at = this.field(this.root(), 2);
    return at + this.u32(at);
  }
}

function newOrderPayload(): Payload {
  const m = new ClientMessage();
  m.body = Body.NewOrder;
  m.seq = 1;
  m.clientOrderId = 42;
  m.symbolId = 3;
  m.side = 1;
  m.priceTicks = 100;
  m.qtyLots = 5;
  const e = new Encoder();
  e.client(m);
  return new Payload(e.frame().slice(4));
}

function loginPayload(key: string): Payload {
  const m = new ClientMessage();
  m.body = Body.Login;
  m.apiKey = key;
  const e = new Encoder();
  e.client(m);
  return new Payload(e.frame().slice(4));
}

const verifier = new Verifier();
const verifyClient = (p: Payload): number => verifier.verify(p.bytes, 0, p.bytes.length, layout.ClientMessage);

describe("hostile frames are refused with a reason", () => {
  test("the unpatched frame passes", () => {
    expect(verifyClient(newOrderPayload())).toBe(ProtocolError.Ok);
    expect(verifier.reason()).toBe("ok");
  });

  test("too short to hold a table", () => {
    for (let n = 0; n < 12; n++) {
      expect(verifier.verify(new Uint8Array(n), 0, n, layout.ClientMessage)).toBe(ProtocolError.BufferTooShort);
    }
  });

  test("root offset: zero, past the end, misaligned, or 'negative' (2^32 - 4: a loop back for the runtime)", () => {
    for (const bad of [0, 0x10000, 2, 0xfffffffc, 0x80000000]) {
      const p = newOrderPayload();
      p.setU32(0, bad);
      expect(verifyClient(p)).toBe(ProtocolError.OffsetOutOfBounds);
    }
  });

  test("vtable outside the buffer or odd", () => {
    for (const soffset of [0x7fffffff, -0x7fffffff, 1, -1001]) {
      const p = newOrderPayload();
      p.setU32(p.root(), soffset);
      expect(verifyClient(p)).toBe(ProtocolError.VtableOutOfBounds);
    }
  });

  test("vtable loops onto its own table (soffset 0) or has an odd, tiny or huge size", () => {
    const loop = newOrderPayload();
    loop.setU32(loop.root(), 0);
    expect(verifyClient(loop)).toBe(ProtocolError.VtableBadSize);
    for (const size of [0, 2, 5, 0x8000, 0xfffe]) {
      const p = newOrderPayload();
      p.setU16(p.vtable(p.root()), size);
      expect(verifyClient(p)).toBe(ProtocolError.VtableBadSize);
    }
    for (const inline of [0, 3, 0x8000, 0xffff]) {
      const p = newOrderPayload();
      p.setU16(p.vtable(p.root()) + 2, inline);
      expect(verifyClient(p)).toBe(ProtocolError.VtableBadSize);
    }
  });

  test("a field offset past its table's inline size, inside the soffset, or misaligned", () => {
    const p = newOrderPayload();
    const inline = p.u16(p.vtable(p.root()) + 2);
    p.setU16(p.entry(p.root(), 0), inline - 4); // seq is 8 bytes wide
    expect(verifyClient(p)).toBe(ProtocolError.FieldOutOfBounds);
    const q = newOrderPayload();
    q.setU16(q.entry(q.root(), 0), 2);
    expect(verifyClient(q)).toBe(ProtocolError.FieldOutOfBounds);
    const r = newOrderPayload();
    r.setU16(r.entry(r.root(), 0), r.u16(r.entry(r.root(), 0)) + 1);
    expect(verifyClient(r)).toBe(ProtocolError.FieldMisaligned);
  });

  test("a body offset outside the buffer or pointing backwards (loop)", () => {
    for (const bad of [0, 0x7ffffff0, 0xfffffff8, 0xffffffff]) {
      const p = newOrderPayload();
      p.setU32(p.field(p.root(), 2), bad);
      expect(verifyClient(p)).toBe(ProtocolError.OffsetOutOfBounds);
    }
  });

  test("required fields missing", () => {
    const p = newOrderPayload();
    p.setU16(p.entry(p.body(), 0), 0); // NewOrder.client_order_id
    expect(verifyClient(p)).toBe(ProtocolError.RequiredFieldMissing);
    expect(verifier.reason()).toContain("NewOrder.client_order_id");
    const q = newOrderPayload();
    q.setU16(q.entry(q.root(), 0), 0); // Message.seq
    expect(verifyClient(q)).toBe(ProtocolError.RequiredFieldMissing);
  });

  test("union: unknown type, the other direction's type, type 0 with a value, type without a value", () => {
    // 15 is one past the last member of Body.
    for (const type of [15, 200, 255]) {
      const p = newOrderPayload();
      p.bytes[p.field(p.root(), 1)] = type;
      expect(verifyClient(p)).toBe(ProtocolError.UnknownMessageType);
    }
    for (const type of [Body.ExecutionReport, Body.DeadMansSwitchStatus, Body.LoginAccepted]) {
      const server = newOrderPayload();
      server.bytes[server.field(server.root(), 1)] = type;
      expect(verifyClient(server)).toBe(ProtocolError.UnknownMessageType);
    }
    const none = newOrderPayload();
    none.bytes[none.field(none.root(), 1)] = 0;
    expect(verifyClient(none)).toBe(ProtocolError.UnionMismatch);
    const noValue = newOrderPayload();
    noValue.setU16(noValue.entry(noValue.root(), 2), 0);
    expect(verifyClient(noValue)).toBe(ProtocolError.RequiredFieldMissing);
  });

  test("a union type naming a different table than the value holds is still bounds-safe", () => {
    // NewOrder bytes read as Cancel: both start with a required U53, so this verifies; what
    // matters is that it stays in bounds.
    const p = newOrderPayload();
    p.bytes[p.field(p.root(), 1)] = Body.Cancel;
    expect(verifyClient(p)).toBe(ProtocolError.Ok);
  });

  test("strings: huge length, length past the end, no terminator, over the field's limit", () => {
    const stringAt = (p: Payload): number => {
      const at = p.field(p.body(), 0);
      return at + p.u32(at);
    };
    const huge = loginPayload("secret");
    huge.setU32(stringAt(huge), 0xffffffff);
    expect(verifyClient(huge)).toBe(ProtocolError.LengthOutOfBounds);
    const past = loginPayload("secret");
    past.setU32(stringAt(past), 100);
    expect(verifyClient(past)).toBe(ProtocolError.LengthOutOfBounds);
    const open = loginPayload("secret");
    open.bytes[stringAt(open) + 4 + 6] = 0x41;
    expect(verifyClient(open)).toBe(ProtocolError.StringNotTerminated);
    // 129 bytes: the encoder refuses it, so build it by lengthening a 128-byte key by one (dropping its terminator).
    const long = loginPayload("k".repeat(128));
    long.setU32(stringAt(long), 129);
    expect(verifyClient(long)).toBe(ProtocolError.LengthOutOfBounds);
  });

  test("vectors: huge length and over the page limit", () => {
    const rng = new Rng(seed);
    const m = randomServer(rng, Body.OpenOrders, 0);
    m.orders = randomServer(rng, Body.OpenOrders, 3).orders;
    while (m.orders.length < 2) m.orders = randomServer(rng, Body.OpenOrders, 3).orders;
    const e = new Encoder();
    e.server(m);
    const vectorAt = (p: Payload): number => {
      const at = p.field(p.body(), 0);
      return at + p.u32(at);
    };
    for (const count of [0xffffffff, 0x40000000, 257, 1000]) {
      const p = new Payload(e.frame().slice(4));
      p.setU32(vectorAt(p), count);
      expect(verifier.verify(p.bytes, 0, p.bytes.length, layout.ServerMessage)).toBe(ProtocolError.LengthOutOfBounds);
    }
  });

  test("forward compatibility: fields from a newer schema (extra vtable slots) are ignored", () => {
    const b = new flatbuffers.Builder(256);
    const body = (() => {
      b.startObject(2);
      b.addFieldInt32(1, 7, 0);
      return b.endObject();
    })();
    b.startObject(5);
    b.prep(4, 8);
    b.writeInt32(0);
    b.writeInt32(1);
    b.addFieldStruct(0, b.offset(), 0);
    b.addFieldInt8(1, Body.Heartbeat, 0);
    b.addFieldOffset(2, body, 0);
    b.addFieldInt32(4, 99, 0); // a field this reader does not know
    b.finish(b.endObject());
    const bytes = b.asUint8Array();
    expect(verifier.verify(bytes, 0, bytes.length, layout.ClientMessage)).toBe(ProtocolError.Ok);
  });
});

describe("bounds on depth and work", () => {
  // A recursive layout the real schema does not have, to reach the depth bound.
  const node: { name: string; fields: FieldLayout[] } = { name: "Node", fields: [] };
  node.fields.push({
    name: "child",
    kind: FieldKind.Table,
    bytes: 4,
    align: 4,
    required: false,
    countMax: 0,
    table: node,
    union: null,
  });

  function chain(depth: number): Uint8Array {
    const b = new flatbuffers.Builder(1024);
    let child = 0;
    for (let i = 0; i <= depth; i++) {
      b.startObject(1);
      if (child !== 0) b.addFieldOffset(0, child, 0);
      child = b.endObject();
    }
    b.finish(child);
    return b.asUint8Array();
  }

  test("nesting deeper than verifyDepthMax is refused", () => {
    const ok = chain(verifyDepthMax);
    expect(verifier.verify(ok, 0, ok.length, node)).toBe(ProtocolError.Ok);
    const deep = chain(verifyDepthMax + 1);
    expect(verifier.verify(deep, 0, deep.length, node)).toBe(ProtocolError.DepthExceeded);
  });

  test("one table named many times (work amplification) is cut off at verifyWorkMax", () => {
    const leaf: TableLayout = { name: "Leaf", fields: [] };
    const root: TableLayout = {
      name: "Root",
      fields: [
        {
          name: "items",
          kind: FieldKind.VectorOfTables,
          bytes: 4,
          align: 4,
          required: false,
          countMax: 1 << 20,
          table: leaf,
          union: null,
        },
      ],
    };
    const b = new flatbuffers.Builder(1 << 16);
    b.startObject(0);
    const shared = b.endObject();
    const count = verifyWorkMax + 10;
    b.startVector(4, count, 4);
    for (let i = 0; i < count; i++) b.addOffset(shared);
    const items = b.endVector();
    b.startObject(1);
    b.addFieldOffset(0, items, 0);
    b.finish(b.endObject());
    const bytes = b.asUint8Array();
    expect(verifier.verify(bytes, 0, bytes.length, root)).toBe(ProtocolError.WorkExceeded);
    expect(verifier.work).toBeLessThanOrEqual(verifyWorkMax + 1);
  });
});

describe("exhaustive mutations of valid frames", () => {
  type Decode = (bb: CheckedByteBuffer, bytes: Uint8Array, start: number, end: number) => number;
  const samples: { name: string; frame: Uint8Array; decode: Decode }[] = [];
  const rng = new Rng(seed + 1);
  const e = new Encoder();
  for (const body of clientBodies) {
    e.client(randomClient(rng, body));
    samples.push({
      name: `client ${Body[body]}`,
      frame: e.frame(),
      decode: (bb, bytes, s, end) => new ClientDecoder(bb).decode(bytes, s, end, new ClientMessage()),
    });
  }
  for (const body of serverBodies) {
    e.server(randomServer(rng, body, 2));
    samples.push({
      name: `server ${Body[body]}`,
      frame: e.frame(),
      decode: (bb, bytes, s, end) => new ServerDecoder(bb).decode(bytes, s, end, new ServerMessage()),
    });
  }
  for (const command of commands) {
    e.inputRecord(randomRecord(rng, command));
    samples.push({
      name: `record ${command}`,
      frame: e.frame(),
      decode: (bb, bytes, s, end) => new InputRecordDecoder(bb).decode(bytes, s, end, new InputRecordView()),
    });
  }

  test("every byte set to every value: a code, never a throw or an out-of-bounds read", () => {
    let decoded = 0;
    let refused = 0;
    for (const { frame, decode } of samples) {
      const bytes = frame.slice(4);
      const bb = new CheckedByteBuffer(new Uint8Array(0));
      bb.window(0, bytes.length);
      for (let at = 0; at < bytes.length; at++) {
        const original = bytes[at]!;
        for (let v = 0; v < 256; v++) {
          bytes[at] = v;
          if (decode(bb, bytes, 0, bytes.length) === ProtocolError.Ok) decoded++;
          else refused++;
        }
        bytes[at] = original;
      }
    }
    console.log(`byte mutations: ${decoded} decoded, ${refused} refused, ${samples.length} samples`);
    expect(decoded).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });

  test("every truncation, and the frame at every offset of a larger buffer", () => {
    for (const { name, frame, decode } of samples) {
      const bytes = frame.slice(4);
      for (let n = 0; n < bytes.length; n++) {
        const bb = new CheckedByteBuffer(new Uint8Array(0));
        bb.window(0, n);
        const code = decode(bb, bytes, 0, n);
        // Builders write back to front, so dropping the tail loses something the root reaches,
        // unless only the alignment padding after the first-written string was dropped.
        if (code === ProtocolError.Ok && bytes.subarray(n).some((b) => b !== 0)) {
          throw new Error(`${name} truncated to ${n} of ${bytes.length} verified`);
        }
      }
      for (let shift = 0; shift < 8; shift++) {
        const big = new Uint8Array(bytes.length + 16).fill(0xa5);
        big.set(bytes, shift);
        const bb = new CheckedByteBuffer(new Uint8Array(0));
        bb.window(shift, shift + bytes.length);
        expect(decode(bb, big, shift, shift + bytes.length)).toBe(ProtocolError.Ok);
      }
    }
  });
});
