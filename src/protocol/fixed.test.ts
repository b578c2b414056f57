// Proves the fixed-layout writers' frames (execution reports, input records of every fixed command, client orders and
// heartbeats) verify and decode to exactly the values the generic Encoder's frames decode to (random and extreme
// values, back to back at every alignment), that a bad value or a short buffer throws with nothing written, that no
// byte of a frame depends on what the buffer held, and that writing allocates nothing.

import { describe, expect, test } from "bun:test";
import { Body, ClientDecoder, Command, Encoder, InputRecordDecoder, ServerDecoder } from "./codec.ts";
import {
  clientFrameBytesMax,
  framePrefixBytes,
  inputRecordBytesMax,
  ProtocolError,
  serverFrameBytesMax,
} from "./constants.ts";
import { ClientMessageWriter, ExecReportWriter, fieldAt, InputRecordWriter } from "./fixed.ts";
import { CheckedByteBuffer, fieldsOf, randomClient, randomRecord, randomServer, Rng } from "./fixtures.ts";
import { FrameSplitter, FrameStatus } from "./frame.ts";
import { ClientMessage, ExecReport, InputRecordView, OrderFields, ServerMessage } from "./messages.ts";
import { cellsAllocated } from "../../test/support/allocation.ts";

const seed = Number(process.env.SEED ?? 31337);
console.log(`fixed.test seed=${seed}`);

const recordCommands = [Command.NewOrder, Command.Cancel, Command.Modify, Command.MassCancel] as const;
const clientBodies = [Body.NewOrder, Body.Cancel, Body.Modify, Body.Heartbeat] as const;

/** Decoders reading through a ByteBuffer that throws on any read outside the frame. */
class Decode {
  private readonly bb = new CheckedByteBuffer(new Uint8Array(0));
  private readonly server = new ServerDecoder(this.bb);
  private readonly record = new InputRecordDecoder(this.bb);
  private readonly clientDecoder = new ClientDecoder(this.bb);

  /** Decodes the frame (prefix included) at `bytes[at, at + frameBytes)`. */
  report(bytes: Uint8Array, at: number, frameBytes: number): Record<string, unknown> {
    const out = new ServerMessage();
    this.bb.window(at + framePrefixBytes, at + frameBytes);
    const code = this.server.decode(bytes, at + framePrefixBytes, at + frameBytes, out);
    if (code !== ProtocolError.Ok) throw new Error(`report frame at ${at}: ${this.server.verifier.reason()}`);
    expect(out.body).toBe(Body.ExecutionReport);
    return fieldsOf(out);
  }

  client(bytes: Uint8Array, at: number, frameBytes: number): Record<string, unknown> {
    const out = new ClientMessage();
    this.bb.window(at + framePrefixBytes, at + frameBytes);
    const code = this.clientDecoder.decode(bytes, at + framePrefixBytes, at + frameBytes, out);
    if (code !== ProtocolError.Ok) throw new Error(`client frame at ${at}: ${this.clientDecoder.verifier.reason()}`);
    return fieldsOf(out);
  }

  inputRecord(bytes: Uint8Array, at: number, frameBytes: number): Record<string, unknown> {
    const out = new InputRecordView();
    this.bb.window(at + framePrefixBytes, at + frameBytes);
    const code = this.record.decode(bytes, at + framePrefixBytes, at + frameBytes, out);
    if (code !== ProtocolError.Ok) throw new Error(`record frame at ${at}: ${this.record.verifier.reason()}`);
    return fieldsOf(out);
  }
}

function reportMessage(seq: number, r: ExecReport): ServerMessage {
  const m = new ServerMessage();
  m.body = Body.ExecutionReport;
  m.seq = seq;
  Object.assign(m.report, r);
  return m;
}

/** What the generic Encoder's frame of `m` decodes to. */
function genericReport(encoder: Encoder, decode: Decode, m: ServerMessage): Record<string, unknown> {
  encoder.server(m);
  const f = encoder.frame();
  return decode.report(f, 0, f.length);
}

function genericRecord(encoder: Encoder, decode: Decode, r: InputRecordView): Record<string, unknown> {
  encoder.inputRecord(r);
  const f = encoder.frame();
  return decode.inputRecord(f, 0, f.length);
}

function genericClient(encoder: Encoder, decode: Decode, m: ClientMessage): Record<string, unknown> {
  encoder.client(m);
  const f = encoder.frame();
  return decode.client(f, 0, f.length);
}

/** The order fields, seq and body of a client message: what its frame carries. */
function clientFields(m: ClientMessage): Record<string, unknown> {
  const { reject: _reject, apiKey: _apiKey, logoutReason: _logoutReason, text: _text, ...carried } = fieldsOf(m);
  return carried;
}

/** The length prefix says `frameBytes - 4`. */
function prefixOf(bytes: Uint8Array, at: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(at, true);
}

describe("fixed frames decode as the Encoder's do", () => {
  test("3000 random execution reports, each at a random position (any alignment)", () => {
    const rng = new Rng(seed);
    const writer = new ExecReportWriter();
    const encoder = new Encoder();
    const decode = new Decode();
    const out = new Uint8Array(4096);
    for (let i = 0; i < 3000; i++) {
      const m = randomServer(rng, Body.ExecutionReport);
      const at = rng.below(out.length - writer.frameBytes + 1);
      expect(writer.write(out, at, m.seq, m.report)).toBe(writer.frameBytes);
      expect(prefixOf(out, at)).toBe(writer.frameBytes - framePrefixBytes);
      const fixed = decode.report(out, at, writer.frameBytes);
      expect(fixed).toEqual(genericReport(encoder, decode, m));
      expect(fixed.report).toEqual(fieldsOf(m.report));
      expect(fixed.seq).toBe(m.seq);
    }
  });

  test("3000 random input records of each command, each at a random position", () => {
    const rng = new Rng(seed + 1);
    const writer = new InputRecordWriter();
    const encoder = new Encoder();
    const decode = new Decode();
    const out = new Uint8Array(4096);
    for (const command of recordCommands) {
      for (let i = 0; i < 3000; i++) {
        const r = randomRecord(rng, command);
        const at = rng.below(out.length - inputRecordBytesMax + 1);
        const frameBytes = writer.write(out, at, r);
        expect(frameBytes).toBe(writer.layoutOf(command).frameBytes);
        expect(prefixOf(out, at)).toBe(frameBytes - framePrefixBytes);
        const fixed = decode.inputRecord(out, at, frameBytes);
        expect(fixed).toEqual(genericRecord(encoder, decode, r));
        expect(fixed).toEqual(fieldsOf(r));
      }
    }
  });

  test("the positional methods write what write(view) writes", () => {
    const rng = new Rng(seed + 2);
    const writer = new InputRecordWriter();
    const a = new Uint8Array(256);
    const b = new Uint8Array(256);
    const methods = {
      [Command.NewOrder]: writer.writeNewOrder,
      [Command.Cancel]: writer.writeCancel,
      [Command.Modify]: writer.writeModify,
      [Command.MassCancel]: writer.writeMassCancel,
    };
    for (const command of recordCommands) {
      for (let i = 0; i < 100; i++) {
        const r = randomRecord(rng, command);
        const o = new OrderFields();
        Object.assign(o, {
          clientOrderId: r.clientOrderId,
          symbolId: r.symbolId,
          side: r.side,
          type: r.type,
          tif: r.tif,
          postOnly: r.postOnly,
          stp: r.stp,
          priceTicks: r.priceTicks,
          qtyLots: r.qtyLots,
          stopPriceTicks: r.stopPriceTicks,
          oneSymbol: r.oneSymbol,
          massSide: r.massSide,
          cancelReason: r.cancelReason,
          allUsers: r.allUsers,
        });
        const n = methods[command].call(
          writer,
          a,
          0,
          r.engineSeq,
          r.receivedNs,
          r.userId,
          r.sessionId,
          r.sessionSeq,
          r.orderId,
          o,
        );
        expect(writer.write(b, 0, r)).toBe(n);
        expect(a.subarray(0, n)).toEqual(b.subarray(0, n));
      }
    }
  });
});

describe("frames back to back", () => {
  /**
   * Mixed frames written one after another from `start` in a buffer whose byteOffset is `shift`; returns the stream.
   */
  function stream(shift: number, start: number, count: number, rng: Rng) {
    const reports = new ExecReportWriter();
    const records = new InputRecordWriter();
    const backing = new Uint8Array(shift + start + count * 256);
    const out = backing.subarray(shift);
    const expected: { kind: "report" | "record"; fields: Record<string, unknown>; at: number; bytes: number }[] = [];
    let at = start;
    for (let i = 0; i < count; i++) {
      let n: number;
      if (rng.chance(0.5)) {
        const m = randomServer(rng, Body.ExecutionReport);
        n = reports.write(out, at, m.seq, m.report);
        expected.push({ kind: "report", fields: fieldsOf(m.report), at, bytes: n });
      } else {
        const r = randomRecord(rng, rng.pick(recordCommands));
        n = records.write(out, at, r);
        expected.push({ kind: "record", fields: fieldsOf(r), at, bytes: n });
      }
      at += n;
    }
    return { out: out.subarray(start, at), expected };
  }

  test(
    "aligned and unaligned starts, in aligned and unaligned buffers: split, verified, decoded, " + "byte-identical",
    () => {
      const decode = new Decode();
      let reference: Uint8Array<ArrayBuffer> | null = null;
      for (const shift of [0, 1, 2, 3, 4]) {
        for (const start of [0, 1, 2, 3, 8, 13]) {
          const { out, expected } = stream(shift, start, 400, new Rng(seed + 3));
          // The same values give the same bytes wherever they are written.
          if (reference === null) reference = out.slice();
          else expect(out).toEqual(reference);
          const splitter = new FrameSplitter(serverFrameBytesMax);
          splitter.push(out);
          for (const e of expected) {
            expect(splitter.next()).toBe(FrameStatus.Frame);
            expect(splitter.end - splitter.start).toBe(e.bytes - framePrefixBytes);
            const at = splitter.start - framePrefixBytes;
            if (e.kind === "report") expect(decode.report(out, at, e.bytes).report).toEqual(e.fields);
            else expect(decode.inputRecord(out, at, e.bytes)).toEqual(e.fields);
          }
          expect(splitter.next()).toBe(FrameStatus.NeedMore);
        }
      }
    },
  );

  test("one writer alternating between buffers (aligned and not) writes each correctly", () => {
    const rng = new Rng(seed + 6);
    const decode = new Decode();
    const reports = new ExecReportWriter();
    const records = new InputRecordWriter();
    const backing = new Uint8Array(5 * 16384);
    // byteOffsets 0, 16385, 32770, 49155, 65536: two 4-aligned buffers, three not.
    const outs = [0, 1, 2, 3, 4].map((k) => backing.subarray(k * 16385, k * 16385 + 16000));
    const ats = [0, 0, 0, 0, 0];
    const expected: { k: number; at: number; bytes: number; fields: Record<string, unknown>; report: boolean }[] = [];
    for (let i = 0; i < 300; i++) {
      const k = rng.below(outs.length);
      const at = ats[k]!;
      if (rng.chance(0.5)) {
        const m = randomServer(rng, Body.ExecutionReport);
        const n = reports.write(outs[k]!, at, m.seq, m.report);
        expected.push({ k, at, bytes: n, fields: fieldsOf(m.report), report: true });
        ats[k] = at + n;
      } else {
        const r = randomRecord(rng, rng.pick(recordCommands));
        const n = records.write(outs[k]!, at, r);
        expected.push({ k, at, bytes: n, fields: fieldsOf(r), report: false });
        ats[k] = at + n;
      }
    }
    for (const e of expected) {
      const out = outs[e.k]!;
      if (e.report) expect(decode.report(out, e.at, e.bytes).report).toEqual(e.fields);
      else expect(decode.inputRecord(out, e.at, e.bytes)).toEqual(e.fields);
    }
  });

  test("no byte of a frame depends on what the buffer held before", () => {
    const rng = new Rng(seed + 4);
    const reports = new ExecReportWriter();
    const records = new InputRecordWriter();
    const zeros = new Uint8Array(512);
    const ones = new Uint8Array(512);
    for (let i = 0; i < 200; i++) {
      const at = rng.below(64);
      zeros.fill(0);
      ones.fill(0xff);
      const m = randomServer(rng, Body.ExecutionReport);
      const n = reports.write(zeros, at, m.seq, m.report);
      reports.write(ones, at, m.seq, m.report);
      expect(ones.subarray(at, at + n)).toEqual(zeros.subarray(at, at + n));
      // Bytes outside the frame are untouched.
      expect(zeros.subarray(at + n).every((b) => b === 0)).toBe(true);
      expect(ones.subarray(0, at).every((b) => b === 0xff)).toBe(true);
      zeros.fill(0);
      ones.fill(0xff);
      const r = randomRecord(rng, rng.pick(recordCommands));
      const k = records.write(zeros, at, r);
      records.write(ones, at, r);
      expect(ones.subarray(at, at + k)).toEqual(zeros.subarray(at, at + k));
      expect(ones.subarray(at + k).every((b) => b === 0xff)).toBe(true);
    }
  });
});

describe("extremes", () => {
  const u53Max = 2 ** 53 - 1;
  /** Timestamps: 0, the first above 2^53, 2^63 (past int64 conversions), the largest double below 2^64. */
  const timestamps = [0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 2 ** 63, 2 ** 64 - 2 ** 11];

  test("execution reports: 0 and maxima of every field, full-range timestamps", () => {
    const writer = new ExecReportWriter();
    const encoder = new Encoder();
    const decode = new Decode();
    const out = new Uint8Array(512);
    for (const v of [0, u53Max]) {
      for (const ts of timestamps) {
        for (const price of [0, 0x7fffffff, -0x80000000]) {
          const r = new ExecReport();
          Object.assign(r, {
            kind: v === 0 ? 0 : 255,
            rejectReason: v === 0 ? 0 : 255,
            cancelReason: v === 0 ? 0 : 255,
            clientOrderId: v,
            orderId: v,
            symbolId: v === 0 ? 0 : 0xffffffff,
            side: v === 0 ? 0 : 255,
            priceTicks: price,
            qtyLots: v,
            leavesQtyLots: v,
            tradeId: v,
            liquidity: v === 0 ? 0 : 255,
            engineSeq: v,
            timestampNs: ts,
          });
          for (const at of [0, 3]) {
            const n = writer.write(out, at, v, r);
            const fixed = decode.report(out, at, n);
            expect(fixed.report).toEqual(fieldsOf(r));
            expect(fixed.seq).toBe(v);
            expect(fixed).toEqual(genericReport(encoder, decode, reportMessage(v, r)));
          }
        }
      }
    }
  });

  test("the largest timestamp is stored as halves 0xffffffff / 0xfffff800", () => {
    const writer = new ExecReportWriter();
    const at = fieldAt(writer.layout, "ExecutionReport.timestamp_ns");
    const out = new Uint8Array(writer.frameBytes);
    const r = new ExecReport();
    r.timestampNs = 2 ** 64 - 2 ** 11;
    writer.write(out, 0, 1, r);
    const view = new DataView(out.buffer);
    expect(view.getUint32(at, true)).toBe(0xfffff800);
    expect(view.getUint32(at + 4, true)).toBe(0xffffffff);
  });

  test("input records: 0 and maxima of every field, full-range receive times", () => {
    const writer = new InputRecordWriter();
    const encoder = new Encoder();
    const decode = new Decode();
    const out = new Uint8Array(512);
    for (const command of recordCommands) {
      for (const v of [0, u53Max]) {
        for (const ts of timestamps) {
          const r = new InputRecordView();
          Object.assign(r, {
            command,
            engineSeq: v,
            receivedNs: ts,
            userId: v,
            sessionId: v,
            sessionSeq: v,
            orderId: v,
            clientOrderId: v,
          });
          r.symbolId = v === 0 ? 0 : 0xffffffff;
          if (command === Command.NewOrder || command === Command.Modify) {
            r.priceTicks = v === 0 ? -0x80000000 : 0x7fffffff;
            r.qtyLots = v;
          }
          if (command === Command.MassCancel)
            Object.assign(r, { oneSymbol: v !== 0, massSide: v === 0 ? 0 : 255, cancelReason: v === 0 ? 0 : 255 });
          if (command === Command.NewOrder)
            Object.assign(r, {
              side: 255,
              type: 255,
              tif: 255,
              postOnly: v !== 0,
              stp: 255,
              stopPriceTicks: r.priceTicks,
            });
          for (const at of [0, 1, 2, 3]) {
            const n = writer.write(out, at, r);
            const fixed = decode.inputRecord(out, at, n);
            expect(fixed).toEqual(fieldsOf(r));
            expect(fixed).toEqual(genericRecord(encoder, decode, r));
          }
        }
      }
    }
  });
});

describe("refusals: caller bugs throw, and nothing is written", () => {
  const badU53 = [-1, 2 ** 53, 1.5, Number.NaN, Number.POSITIVE_INFINITY, -0.5];
  const badU64 = [-1, 2 ** 64, 0.5, Number.NaN, Number.POSITIVE_INFINITY];
  const badI32 = [2 ** 31, -(2 ** 31) - 1, 0.5, Number.NaN];
  const badU32 = [-1, 2 ** 32, 0.5, Number.NaN];
  const badByte = [256, -1, 1.5, Number.NaN];
  const fill = 0xee;

  /** Expects `write` to throw and leave all of `out` as filled. */
  function refuses(out: Uint8Array, write: () => unknown): void {
    out.fill(fill);
    expect(write).toThrow();
    expect(out.every((b) => b === fill)).toBe(true);
  }

  function goodReport(): ExecReport {
    const r = new ExecReport();
    Object.assign(r, {
      kind: 3,
      clientOrderId: 1,
      orderId: 2,
      symbolId: 3,
      priceTicks: 4,
      qtyLots: 5,
      leavesQtyLots: 6,
      tradeId: 7,
      engineSeq: 8,
      timestampNs: 9,
    });
    return r;
  }

  test("execution report values outside their wire types", () => {
    const writer = new ExecReportWriter();
    const out = new Uint8Array(512);
    const cases: [keyof ExecReport, number[]][] = [
      ["clientOrderId", badU53],
      ["orderId", badU53],
      ["qtyLots", badU53],
      ["leavesQtyLots", badU53],
      ["tradeId", badU53],
      ["engineSeq", badU53],
      ["timestampNs", badU64],
      ["priceTicks", badI32],
      ["symbolId", badU32],
      ["kind", badByte],
      ["rejectReason", badByte],
      ["cancelReason", badByte],
      ["side", badByte],
      ["liquidity", badByte],
    ];
    for (const [field, values] of cases) {
      for (const v of values) {
        for (const at of [0, 1]) {
          const r = goodReport();
          (r as unknown as Record<string, number>)[field] = v;
          refuses(out, () => writer.write(out, at, 1, r));
        }
      }
    }
    for (const seq of badU53) refuses(out, () => writer.write(out, 0, seq, goodReport()));
    // The writer still works after refusing.
    expect(writer.write(out, 0, 1, goodReport())).toBe(writer.frameBytes);
  });

  test("input record values outside their wire types", () => {
    const writer = new InputRecordWriter();
    const out = new Uint8Array(512);
    const good = (command: number): InputRecordView => {
      const r = new InputRecordView();
      Object.assign(r, {
        command,
        engineSeq: 1,
        receivedNs: 2,
        userId: 3,
        sessionId: 4,
        sessionSeq: 5,
        orderId: 6,
        clientOrderId: 7,
        symbolId: 8,
        priceTicks: 9,
        qtyLots: 10,
      });
      return r;
    };
    const common: [keyof InputRecordView, number[]][] = [
      ["engineSeq", badU53],
      ["receivedNs", badU64],
      ["userId", badU53],
      ["sessionId", badU53],
      ["sessionSeq", badU53],
      ["orderId", badU53],
      ["clientOrderId", badU53],
      ["symbolId", badU32],
    ];
    const byCommand: Record<number, [keyof InputRecordView, number[]][]> = {
      [Command.NewOrder]: [
        ...common,
        ["priceTicks", badI32],
        ["qtyLots", badU53],
        ["stopPriceTicks", badI32],
        ["side", badByte],
        ["type", badByte],
        ["tif", badByte],
        ["stp", badByte],
      ],
      [Command.Cancel]: common,
      [Command.Modify]: [...common, ["priceTicks", badI32], ["qtyLots", badU53]],
      [Command.MassCancel]: [...common, ["massSide", badByte], ["cancelReason", badByte]],
    };
    for (const command of recordCommands) {
      for (const [field, values] of byCommand[command]!) {
        for (const v of values) {
          for (const at of [0, 2]) {
            const r = good(command);
            (r as unknown as Record<string, number>)[field] = v;
            refuses(out, () => writer.write(out, at, r));
          }
        }
      }
      expect(writer.write(out, 0, good(command))).toBe(writer.layoutOf(command).frameBytes);
    }
    const symbol = good(Command.SymbolDef);
    refuses(out, () => writer.write(out, 0, symbol));
  });

  test("a buffer too small, or a position outside it, throws before writing", () => {
    const writer = new ExecReportWriter();
    const records = new InputRecordWriter();
    const r = goodReport();
    const n = writer.frameBytes;
    const out = new Uint8Array(n + 10);
    for (const at of [11, n, n + 10, n + 11, -1, 0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      refuses(out, () => writer.write(out, at, 1, r));
    }
    const small = new Uint8Array(n - 1);
    refuses(small, () => writer.write(small, 0, 1, r));
    // An exact fit works, at either end.
    expect(writer.write(out, 10, 1, r)).toBe(n);
    expect(writer.write(out, 0, 1, r)).toBe(n);
    for (const command of recordCommands) {
      const rec = new InputRecordView();
      rec.command = command;
      const k = records.layoutOf(command).frameBytes;
      const tight = new Uint8Array(k + 3);
      refuses(tight, () => records.write(tight, 4, rec));
      expect(records.write(tight, 3, rec)).toBe(k);
    }
  });
});

describe("client messages", () => {
  const u53Max = 2 ** 53 - 1;

  test("3000 random messages of each body, each at a random position, decode as the Encoder's do", () => {
    const rng = new Rng(seed + 7);
    const writer = new ClientMessageWriter();
    const encoder = new Encoder();
    const decode = new Decode();
    const out = new Uint8Array(4096);
    for (const body of clientBodies) {
      for (let i = 0; i < 3000; i++) {
        const m = randomClient(rng, body);
        const at = rng.below(out.length - writer.frameBytesMax + 1);
        const n = writer.write(out, at, m);
        expect(n).toBe(writer.layoutOf(body).frameBytes);
        expect(n).toBe(writer.bytesOf(body));
        expect(prefixOf(out, at)).toBe(n - framePrefixBytes);
        const fixed = decode.client(out, at, n);
        expect(fixed).toEqual(genericClient(encoder, decode, m));
        const { reject: _reject, apiKey: _apiKey, logoutReason: _logoutReason, text: _text, ...carried } = fixed;
        expect(carried).toEqual(clientFields(m));
      }
    }
  });

  test("the per-body methods write what write(message) writes", () => {
    const rng = new Rng(seed + 8);
    const writer = new ClientMessageWriter();
    const a = new Uint8Array(256);
    const b = new Uint8Array(256);
    for (const body of clientBodies) {
      for (let i = 0; i < 100; i++) {
        const m = randomClient(rng, body);
        const o = new OrderFields();
        Object.assign(o, clientFields(m));
        const n =
          body === Body.NewOrder
            ? writer.writeNewOrder(a, 0, m.seq, o)
            : body === Body.Cancel
              ? writer.writeCancel(a, 0, m.seq, o)
              : body === Body.Modify
                ? writer.writeModify(a, 0, m.seq, o)
                : writer.writeHeartbeat(a, 0, m.seq);
        expect(writer.write(b, 0, m)).toBe(n);
        expect(a.subarray(0, n)).toEqual(b.subarray(0, n));
      }
    }
    // Bodies without a fixed layout are the Encoder's.
    expect(writer.bytesOf(Body.Login)).toBe(0);
    for (const body of [Body.Login, Body.Logout, Body.OpenOrdersRequest, Body.ExecutionReport, 0, 99]) {
      const m = new ClientMessage();
      m.body = body;
      m.seq = 1;
      expect(() => writer.write(a, 0, m)).toThrow(/no fixed layout/);
    }
  });

  test(
    "back to back at aligned and unaligned starts, in aligned and unaligned buffers: split, verified, decoded, " +
      "byte-identical",
    () => {
      const decode = new Decode();
      const writer = new ClientMessageWriter();
      let reference: Uint8Array<ArrayBuffer> | null = null;
      for (const shift of [0, 1, 2, 3, 4]) {
        for (const start of [0, 1, 2, 3, 8, 13]) {
          const rng = new Rng(seed + 9);
          const backing = new Uint8Array(shift + start + 400 * writer.frameBytesMax);
          const out: Uint8Array<ArrayBuffer> = backing.subarray(shift);
          const expected: { fields: Record<string, unknown>; bytes: number }[] = [];
          let at = start;
          for (let i = 0; i < 400; i++) {
            const m = randomClient(rng, rng.pick(clientBodies));
            const n = writer.write(out, at, m);
            expected.push({ fields: clientFields(m), bytes: n });
            at += n;
          }
          const stream = out.subarray(start, at);
          if (reference === null) reference = stream.slice();
          else expect(stream).toEqual(reference);
          const splitter = new FrameSplitter(clientFrameBytesMax);
          splitter.push(stream);
          for (const e of expected) {
            expect(splitter.next()).toBe(FrameStatus.Frame);
            expect(splitter.end - splitter.start).toBe(e.bytes - framePrefixBytes);
            const {
              reject: _reject,
              apiKey: _apiKey,
              logoutReason: _logoutReason,
              text: _text,
              ...carried
            } = decode.client(stream, splitter.start - framePrefixBytes, e.bytes);
            expect(carried).toEqual(e.fields);
          }
          expect(splitter.next()).toBe(FrameStatus.NeedMore);
        }
      }
    },
  );

  test("no byte of a frame depends on what the buffer held before; bytes outside it are untouched", () => {
    const rng = new Rng(seed + 10);
    const writer = new ClientMessageWriter();
    const zeros = new Uint8Array(256);
    const ones = new Uint8Array(256);
    for (let i = 0; i < 400; i++) {
      const at = rng.below(64);
      zeros.fill(0);
      ones.fill(0xff);
      const m = randomClient(rng, rng.pick(clientBodies));
      const n = writer.write(zeros, at, m);
      writer.write(ones, at, m);
      expect(ones.subarray(at, at + n)).toEqual(zeros.subarray(at, at + n));
      expect(zeros.subarray(at + n).every((b) => b === 0)).toBe(true);
      expect(ones.subarray(0, at).every((b) => b === 0xff)).toBe(true);
      expect(ones.subarray(at + n).every((b) => b === 0xff)).toBe(true);
    }
  });

  test("extremes: 0 and maxima of every field, signed prices at both ends", () => {
    const writer = new ClientMessageWriter();
    const encoder = new Encoder();
    const decode = new Decode();
    const out = new Uint8Array(512);
    for (const body of clientBodies) {
      for (const v of [0, 1, u53Max]) {
        for (const price of [0, 0x7fffffff, -0x80000000]) {
          const m = new ClientMessage();
          m.body = body;
          m.seq = v;
          if (body !== Body.Heartbeat) {
            m.clientOrderId = v;
            m.symbolId = v === 0 ? 0 : 0xffffffff;
          }
          if (body === Body.NewOrder || body === Body.Modify) {
            m.priceTicks = price;
            m.qtyLots = v;
          }
          if (body === Body.NewOrder)
            Object.assign(m, {
              side: v === 0 ? 0 : 255,
              type: v === 0 ? 0 : 255,
              tif: v === 0 ? 0 : 255,
              postOnly: v !== 0,
              stp: v === 0 ? 0 : 255,
              stopPriceTicks: -price - 1,
            });
          for (const at of [0, 1, 2, 3]) {
            const n = writer.write(out, at, m);
            const fixed = decode.client(out, at, n);
            expect(fixed).toEqual(genericClient(encoder, decode, m));
            const { reject: _reject, apiKey: _apiKey, logoutReason: _logoutReason, text: _text, ...carried } = fixed;
            expect(carried).toEqual(clientFields(m));
          }
        }
      }
    }
  });

  test("values outside their wire types, a short buffer or a position outside it: throws, nothing written", () => {
    const writer = new ClientMessageWriter();
    const out = new Uint8Array(512);
    const badU53 = [-1, 2 ** 53, 1.5, Number.NaN, Number.POSITIVE_INFINITY, -0.5];
    const badI32 = [2 ** 31, -(2 ** 31) - 1, 0.5, Number.NaN];
    const badU32 = [-1, 2 ** 32, 0.5, Number.NaN];
    const badByte = [256, -1, 1.5, Number.NaN];
    const refuses = (buffer: Uint8Array, write: () => unknown): void => {
      buffer.fill(0xee);
      expect(write).toThrow();
      expect(buffer.every((b) => b === 0xee)).toBe(true);
    };
    const good = (body: number): ClientMessage => {
      const m = new ClientMessage();
      Object.assign(m, { body, seq: 1, clientOrderId: 2, symbolId: 3, priceTicks: 4, qtyLots: 5 });
      return m;
    };
    const common: [keyof ClientMessage, number[]][] = [
      ["seq", badU53],
      ["clientOrderId", badU53],
      ["symbolId", badU32],
    ];
    const byBody: Record<number, [keyof ClientMessage, number[]][]> = {
      [Body.NewOrder]: [
        ...common,
        ["priceTicks", badI32],
        ["qtyLots", badU53],
        ["stopPriceTicks", badI32],
        ["side", badByte],
        ["type", badByte],
        ["tif", badByte],
        ["stp", badByte],
      ],
      [Body.Cancel]: common,
      [Body.Modify]: [...common, ["priceTicks", badI32], ["qtyLots", badU53]],
      [Body.Heartbeat]: [["seq", badU53]],
    };
    for (const body of clientBodies) {
      for (const [field, values] of byBody[body]!) {
        for (const v of values) {
          for (const at of [0, 1]) {
            const m = good(body);
            (m as unknown as Record<string, number>)[field] = v;
            refuses(out, () => writer.write(out, at, m));
          }
        }
      }
      // The writer still works after refusing, and an exact fit works at either end.
      const n = writer.bytesOf(body);
      expect(writer.write(out, 0, good(body))).toBe(n);
      const tight = new Uint8Array(n + 3);
      for (const at of [4, n, -1, 0.5, Number.NaN]) refuses(tight, () => writer.write(tight, at, good(body)));
      refuses(tight.subarray(0, n - 1), () => writer.write(tight.subarray(0, n - 1), 0, good(body)));
      expect(writer.write(tight, 3, good(body))).toBe(n);
      expect(writer.write(tight, 0, good(body))).toBe(n);
    }
  });
});

describe("sizes", () => {
  test("a fixed frame is no longer than the Encoder's frame with every field non-zero", () => {
    const encoder = new Encoder();
    const writer = new ExecReportWriter();
    const r = new ExecReport();
    for (const k of Object.keys(r)) (r as unknown as Record<string, number>)[k] = 1;
    expect(writer.frameBytes).toBeLessThanOrEqual(encoder.server(reportMessage(1, r)));
    const records = new InputRecordWriter();
    for (const command of recordCommands) {
      const rec = new InputRecordView();
      for (const k of Object.keys(rec))
        if (k !== "symbol") (rec as unknown as Record<string, unknown>)[k] = k === "postOnly" ? true : 1;
      rec.command = command;
      expect(records.layoutOf(command).frameBytes).toBeLessThanOrEqual(encoder.inputRecord(rec));
    }
    const clients = new ClientMessageWriter();
    for (const body of clientBodies) {
      const m = new ClientMessage();
      for (const k of Object.keys(clientFields(m)))
        (m as unknown as Record<string, unknown>)[k] = k === "postOnly" ? true : 1;
      m.body = body;
      expect(clients.bytesOf(body)).toBeLessThanOrEqual(encoder.client(m));
    }
  });
});

describe("allocation", () => {
  test("writing frames allocates no heap cell (and the method sees one object per frame)", () => {
    const rng = new Rng(seed + 5);
    const reports = Array.from({ length: 64 }, () => randomServer(rng, Body.ExecutionReport));
    const records = Array.from({ length: 64 }, (_, i) => randomRecord(rng, recordCommands[i % recordCommands.length]!));
    const messages = Array.from({ length: 64 }, (_, i) => randomClient(rng, clientBodies[i & 3]!));
    const writer = new ExecReportWriter();
    const recordWriter = new InputRecordWriter();
    const clientWriter = new ClientMessageWriter();
    // Eight buffers in turn, as a gateway writes to its sessions' buffers.
    const outs = Array.from({ length: 8 }, () => new Uint8Array(1 << 16));
    const write = (count: number): void => {
      let at = 0;
      for (let i = 0; i < count; i++) {
        const m = reports[i & 63]!;
        const out = outs[i & 7]!;
        at += writer.write(out, at, m.seq, m.report);
        at += recordWriter.write(out, at, records[i & 63]!);
        at += clientWriter.write(out, at, messages[i & 63]!);
        // Stay 4-aligned half the time: both store paths run.
        at = at > 60_000 ? i & 3 : at;
      }
    };
    write(20_000);
    const cells = cellsAllocated(write, 80_000);
    // 240,000 frames: one cell per frame would be 240,000. The few dozen seen are the JIT's
    // code blocks and the readings' shapes, more when other test files ran in this process first.
    expect(cells).toBeLessThan(240);
    const sink: object[] = [];
    const allocating = (count: number): void => {
      for (let i = 0; i < count; i++) sink[i & 1023] = { i };
    };
    allocating(20_000);
    expect(cellsAllocated(allocating, 20_000)).toBeGreaterThanOrEqual(1000);
  });
});
