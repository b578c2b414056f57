// Proves the template report reader fills a ServerMessage exactly as ServerDecoder does for every report
// ExecReportWriter writes (random and extreme values, U53s of 2^53 and above, any position, any prior message), and
// refuses every other frame: other bodies, the generic Encoder's shorter reports, and a template frame with any one
// structural byte changed.

import { describe, expect, test } from "bun:test";
import {
  Body,
  Encoder,
  ExecReport,
  ExecReportWriter,
  fieldAt,
  framePrefixBytes,
  ProtocolError,
  ServerDecoder,
  ServerMessage,
} from "../protocol/index.ts";
import { fieldsOf, randomServer, Rng } from "../protocol/fixtures.ts";
import { TemplateReportReader } from "./report-reader.ts";

const seed = Number(process.env.SEED ?? 4242);
console.log(`report-reader.test seed=${seed}`);

/** A message holding what an earlier LoginAccepted left: the reader must reset it as the decoder does. */
function used(rng: Rng): ServerMessage {
  return randomServer(rng, Body.LoginAccepted, 4);
}

/** A copy of `m` (its lists shared, its nested objects copied). */
function copyOf(m: ServerMessage): ServerMessage {
  const c = new ServerMessage();
  const { limits, report, ...rest } = m;
  Object.assign(c, rest);
  Object.assign(c.limits, limits);
  Object.assign(c.report, report);
  return c;
}

/** What ServerDecoder makes of the payload, starting from a copy of `prior`. */
function decoded(bytes: Uint8Array, start: number, end: number, prior: ServerMessage): Record<string, unknown> | null {
  const m = copyOf(prior);
  const code = new ServerDecoder().decode(bytes, start, end, m);
  return code === ProtocolError.Ok ? fieldsOf(m) : null;
}

describe("template reports", () => {
  test("5000 random reports at random positions read as the decoder reads them", () => {
    const rng = new Rng(seed);
    const writer = new ExecReportWriter();
    const reader = new TemplateReportReader();
    expect(reader.frameBytes).toBe(writer.frameBytes);
    const out = new Uint8Array(1024);
    for (let i = 0; i < 5000; i++) {
      const m = randomServer(rng, Body.ExecutionReport);
      const at = rng.below(out.length - writer.frameBytes + 1);
      writer.write(out, at, m.seq, m.report);
      const prior = used(rng);
      const expected = decoded(out, at + framePrefixBytes, at + writer.frameBytes, prior);
      const got = copyOf(prior);
      expect(reader.read(out, at + framePrefixBytes, at + writer.frameBytes, got)).toBe(true);
      expect(fieldsOf(got)).toEqual(expected!);
      expect(got.report.clientOrderId).toBe(m.report.clientOrderId);
    }
  });

  test("extremes, and U53 halves of 2^53 and above read as -1 like the decoder", () => {
    const writer = new ExecReportWriter();
    const reader = new TemplateReportReader();
    const out = new Uint8Array(writer.frameBytes);
    const view = new DataView(out.buffer);
    const r = new ExecReport();
    Object.assign(r, {
      kind: 255,
      rejectReason: 255,
      cancelReason: 255,
      side: 255,
      liquidity: 255,
      symbolId: 0xffffffff,
      priceTicks: -0x80000000,
    });
    for (const v of [0, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1]) {
      for (const k of ["clientOrderId", "orderId", "qtyLots", "leavesQtyLots", "tradeId", "engineSeq"] as const)
        r[k] = v;
      r.timestampNs = v === 0 ? 0 : 2 ** 64 - 2 ** 11;
      writer.write(out, 0, v, r);
      const got = new ServerMessage();
      expect(reader.read(out, framePrefixBytes, out.length, got)).toBe(true);
      expect(fieldsOf(got)).toEqual(decoded(out, framePrefixBytes, out.length, new ServerMessage())!);
    }
    for (const name of [
      "Message.seq",
      "ExecutionReport.client_order_id",
      "ExecutionReport.qty",
      "ExecutionReport.engine_seq",
    ]) {
      for (const hi of [0x200000, 0xffffffff]) {
        writer.write(out, 0, 1, r);
        view.setUint32(fieldAt(writer.layout, name) + 4, hi, true);
        const got = new ServerMessage();
        expect(reader.read(out, framePrefixBytes, out.length, got)).toBe(true);
        const expected = decoded(out, framePrefixBytes, out.length, new ServerMessage())!;
        expect(fieldsOf(got)).toEqual(expected);
        expect(name === "Message.seq" ? got.seq : Object.values(got.report).includes(-1)).toBeTruthy();
      }
    }
  });
});

describe("other frames are left to the decoder", () => {
  test("every other message body, and the Encoder's reports (their layout differs)", () => {
    const rng = new Rng(seed + 1);
    const reader = new TemplateReportReader();
    const writer = new ExecReportWriter();
    const encoder = new Encoder();
    for (let i = 0; i < 3000; i++) {
      const m = randomServer(rng);
      if (m.body === Body.ExecutionReport && rng.chance(0.5)) m.report.tradeId = 0;
      encoder.server(m);
      const f = encoder.frame();
      const got = new ServerMessage();
      const before = fieldsOf(got);
      const matched = reader.read(f, framePrefixBytes, f.length, got);
      if (m.body !== Body.ExecutionReport || f.length !== writer.frameBytes) {
        expect(matched).toBe(false);
        expect(fieldsOf(got)).toEqual(before);
      } else if (matched) {
        // Only if the Encoder ever writes the template's layout: then it reads the same.
        expect(fieldsOf(got)).toEqual(decoded(f, framePrefixBytes, f.length, new ServerMessage())!);
      }
    }
  });

  test("a fixed-layout frame with any one structural byte of its payload changed is refused", () => {
    const writer = new ExecReportWriter();
    const reader = new TemplateReportReader();
    const isValue = new Uint8Array(writer.frameBytes);
    for (const [, at, bytes] of writer.layout.fields) isValue.fill(1, at, at + bytes);
    const r = new ExecReport();
    Object.assign(r, { kind: 1, clientOrderId: 7, engineSeq: 9 });
    const out = new Uint8Array(writer.frameBytes);
    let structural = 0;
    // The length prefix is the splitter's: the reader is handed the payload range it gave.
    for (let i = framePrefixBytes; i < writer.frameBytes; i++) {
      if (isValue[i] === 1) continue;
      structural++;
      for (const flip of [0x01, 0x80, 0xff]) {
        writer.write(out, 0, 1, r);
        out[i]! ^= flip;
        expect(reader.read(out, framePrefixBytes, out.length, new ServerMessage())).toBe(false);
      }
    }
    expect(structural).toBeGreaterThan(32);
    // A frame one byte short or long is refused too.
    writer.write(out, 0, 1, r);
    expect(reader.read(out, framePrefixBytes, out.length - 1, new ServerMessage())).toBe(false);
  });
});
