// Wire-protocol micro-benchmarks (mitata): the generic Encoder against the
// fixed-layout writers for the two hot frames (ExecutionReport to clients,
// InputRecord{NewOrder} to the journal), verify + decode of a client NewOrder,
// of a journal record and of an execution report, the fast (template-matching)
// decoders of each, and cutting a byte stream into frames.
//
//   ./bunw bench/protocol.bench.ts [--json <file>] [--filter <regex>]
//
// Every figure is ns per frame. Values are realistic rather than random:
// small, growing ids and sequence numbers, prices near 1,000,000 ticks and
// timestamps near 1.7e18 ns, cycled from a pool of 1024 so branch predictors
// do not see one value. Writers write back to back into a 1 MiB buffer, as a
// session's output buffer or a journal block would be filled. The Encoder's
// figure excludes copying its frame out of the builder; the fixed writers'
// include the copy into the caller's buffer.

import { writeFileSync } from "node:fs";
import os from "node:os";
import { bench, group, run } from "mitata";
import { Body, ClientDecoder, Command, Encoder, InputRecordDecoder, ServerDecoder } from "../src/protocol/codec.ts";
import { TemplateReportReader } from "../src/client/report-reader.ts";
import { FastClientDecoder, FastInputRecordDecoder } from "../src/protocol/fixed-read.ts";
import { clientFrameBytesMax, ProtocolError } from "../src/protocol/constants.ts";
import { fieldsOf } from "../src/protocol/fixtures.ts";
import { ClientMessageWriter, ExecReportWriter, InputRecordWriter } from "../src/protocol/fixed.ts";
import { FrameSplitter, FrameStatus } from "../src/protocol/frame.ts";
import * as layout from "../src/protocol/layout.ts";
import { ClientMessage, InputRecordView, ServerMessage } from "../src/protocol/messages.ts";
import { Verifier } from "../src/protocol/verify.ts";

const HELP = `bun bench/protocol.bench.ts [flags]
  --json <file>      also write the results as JSON
  --filter <regex>   run only benchmarks whose name matches
  --help`;

interface Options {
  json: string | null;
  filter: RegExp | null;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { json: null, filter: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--json") o.json = value();
    else if (a === "--filter") o.filter = new RegExp(value());
    else if (a === "--help" || a === "-h") {
      console.log(HELP);
      process.exit(0);
    } else throw new Error(`unknown flag ${a}\n${HELP}`);
  }
  return o;
}

// ---- Inputs ---------------------------------------------------------------

const poolCount = 1024;
const poolMask = poolCount - 1;
/** 2025-ish in ns since the epoch: above 2^53, as every real timestamp is. */
const nowNs = 1.75e18;

function reportPool(): ServerMessage[] {
  return Array.from({ length: poolCount }, (_, i) => {
    const m = new ServerMessage();
    m.body = Body.ExecutionReport;
    m.seq = 1_000_000 + i;
    const r = m.report;
    r.kind = 3; // Fill
    r.clientOrderId = 5_000_000 + 7 * i;
    r.orderId = 90_000_000 + 13 * i;
    r.symbolId = i & 15;
    r.side = i & 1;
    r.priceTicks = 1_000_000 + (i % 200) - 100;
    r.qtyLots = 1 + (i % 50);
    r.leavesQtyLots = i % 3 === 0 ? 0 : 10 + (i % 90);
    r.tradeId = 40_000_000 + i;
    r.liquidity = 1 + (i & 1);
    r.engineSeq = 3_000_000_000 + i;
    r.timestampNs = nowNs + i * 4096;
    return m;
  });
}

function recordPool(): InputRecordView[] {
  return Array.from({ length: poolCount }, (_, i) => {
    const r = new InputRecordView();
    r.command = Command.NewOrder;
    r.engineSeq = 3_000_000_000 + i;
    r.receivedNs = nowNs + i * 4096;
    r.userId = 1 + (i % 1000);
    r.sessionId = 10_000 + (i % 100);
    r.sessionSeq = 500 + i;
    r.orderId = 90_000_000 + 13 * i;
    r.clientOrderId = 5_000_000 + 7 * i;
    r.symbolId = i & 15;
    r.side = i & 1;
    r.type = 0;
    r.tif = i % 3;
    r.postOnly = (i & 7) === 0;
    r.stp = 0;
    r.priceTicks = 1_000_000 + (i % 200) - 100;
    r.qtyLots = 1 + (i % 50);
    r.stopPriceTicks = 0;
    return r;
  });
}

/** A byte stream of `count` NewOrder client frames, as a session's socket would deliver it. */
function clientStream(count: number): { bytes: Uint8Array; frames: number } {
  const encoder = new Encoder();
  const frames: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const m = new ClientMessage();
    m.body = Body.NewOrder;
    m.seq = 1 + i;
    Object.assign(m, {
      clientOrderId: 5_000_000 + i,
      symbolId: i & 15,
      side: i & 1,
      price: 1_000_000 + (i % 200),
      qty: 1 + (i % 50),
    });
    encoder.client(m);
    frames.push(encoder.frame());
  }
  const bytes = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of frames) {
    bytes.set(f, at);
    at += f.length;
  }
  return { bytes, frames: count };
}

// ---- Sanity: the fixed writers' frames decode to the Encoder's values -------

function sanity(reports: ServerMessage[], records: InputRecordView[]): void {
  const encoder = new Encoder();
  const out = new Uint8Array(4096);
  const execWriter = new ExecReportWriter();
  const recordWriter = new InputRecordWriter();
  const serverDecoder = new ServerDecoder();
  const recordDecoder = new InputRecordDecoder();
  const a = new ServerMessage();
  const b = new ServerMessage();
  const ra = new InputRecordView();
  const rb = new InputRecordView();
  for (let i = 0; i < 16; i++) {
    const m = reports[i]!;
    const n = execWriter.write(out, 0, m.seq, m.report);
    encoder.server(m);
    const g = encoder.frame();
    const ok =
      serverDecoder.decode(out, 4, n, a) === ProtocolError.Ok &&
      serverDecoder.decode(g, 4, g.length, b) === ProtocolError.Ok;
    if (!ok || JSON.stringify(fieldsOf(a)) !== JSON.stringify(fieldsOf(b)))
      throw new Error("sanity: ExecutionReport frames differ");
    const r = records[i]!;
    const k = recordWriter.write(out, 0, r);
    encoder.inputRecord(r);
    const h = encoder.frame();
    const okr =
      recordDecoder.decode(out, 4, k, ra) === ProtocolError.Ok &&
      recordDecoder.decode(h, 4, h.length, rb) === ProtocolError.Ok;
    if (!okr || JSON.stringify(fieldsOf(ra)) !== JSON.stringify(fieldsOf(rb)))
      throw new Error("sanity: InputRecord frames differ");
  }
}

// ---- Benchmarks -------------------------------------------------------------

/** Frames per mitata iteration, by benchmark name (1 unless a benchmark handles a batch). */
const framesPer = new Map<string, number>();

function register(name: string, frames: number, fn: () => unknown): void {
  framesPer.set(name, frames);
  bench(name, fn);
}

function encoders(reports: ServerMessage[], records: InputRecordView[]): void {
  const out = new Uint8Array(1 << 20);
  const wrapAt = out.length - 4096;
  const encoder = new Encoder();
  const execWriter = new ExecReportWriter();
  const recordWriter = new InputRecordWriter();
  let i = 0;
  let at = 0;

  group("ExecutionReport (Message, exchange to client)", () => {
    register("exec report: generic Encoder", 1, () => {
      i = (i + 1) & poolMask;
      return encoder.server(reports[i]!);
    });
    register("exec report: fixed ExecReportWriter", 1, () => {
      i = (i + 1) & poolMask;
      const m = reports[i]!;
      at += execWriter.write(out, at, m.seq, m.report);
      if (at > wrapAt) at = 0;
    });
  });

  // A gateway answering many sessions writes each report to its session's buffer.
  const sessionsCount = 64;
  const sessionOut = Array.from({ length: sessionsCount }, () => new Uint8Array(1 << 14));
  const sessionAt = new Int32Array(sessionsCount);
  group("ExecutionReport to 64 session buffers in turn", () => {
    register("exec report: fixed, 64 buffers in turn", 1, () => {
      i = (i + 1) & poolMask;
      const m = reports[i]!;
      const s = i & (sessionsCount - 1);
      const o = sessionOut[s]!;
      let p = sessionAt[s]! + execWriter.write(o, sessionAt[s]!, m.seq, m.report);
      if (p > o.length - 256) p = 0;
      sessionAt[s] = p;
    });
  });

  group("InputRecord{NewOrder} (journal)", () => {
    register("record NewOrder: generic Encoder", 1, () => {
      i = (i + 1) & poolMask;
      return encoder.inputRecord(records[i]!);
    });
    register("record NewOrder: fixed InputRecordWriter", 1, () => {
      i = (i + 1) & poolMask;
      const r = records[i]!;
      at += recordWriter.writeNewOrder(
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
      if (at > wrapAt) at = 0;
    });
  });
}

/**
 * The client's side: execution reports as the gateway writes them, read by the verifying
 * decoder and by the template reader.
 */
function reportReaders(reports: ServerMessage[]): void {
  const writer = new ExecReportWriter();
  const bytes = new Uint8Array(poolCount * writer.frameBytes);
  const starts = new Int32Array(poolCount);
  for (let k = 0; k < poolCount; k++) {
    const m = reports[k]!;
    starts[k] = k * writer.frameBytes + 4;
    writer.write(bytes, k * writer.frameBytes, m.seq, m.report);
  }
  const decoder = new ServerDecoder();
  const reader = new TemplateReportReader();
  const out = new ServerMessage();
  let i = 0;
  group("read an execution report (client)", () => {
    register("exec report: ServerDecoder (verify + decode)", 1, () => {
      i = (i + 1) & poolMask;
      return decoder.decode(bytes, starts[i]!, starts[i]! + writer.frameBytes - 4, out);
    });
    register("exec report, fixed layout: TemplateReportReader", 1, () => {
      i = (i + 1) & poolMask;
      return reader.read(bytes, starts[i]!, starts[i]! + writer.frameBytes - 4, out);
    });
  });
}

/** The bench's orders in the fixed layout our client library writes (the fast decoder's case), and their payloads. */
function fixedLayoutOrders(): { fixedStream: Uint8Array; fixedStarts: Int32Array; fixedEnds: Int32Array } {
  const clientWriter = new ClientMessageWriter();
  const fixedStream = new Uint8Array(poolCount * clientWriter.bytesOf(Body.NewOrder));
  const fixedStarts = new Int32Array(poolCount);
  const fixedEnds = new Int32Array(poolCount);
  let fixedAt = 0;
  for (let k = 0; k < poolCount; k++) {
    const m = new ClientMessage();
    m.body = Body.NewOrder;
    Object.assign(m, {
      clientOrderId: 5_000_000 + k,
      symbolId: k & 15,
      side: k & 1,
      price: 1_000_000 + (k % 200),
      qty: 1 + (k % 50),
    });
    const n = clientWriter.writeNewOrder(fixedStream, fixedAt, 1 + k, m);
    fixedStarts[k] = fixedAt + 4;
    fixedEnds[k] = fixedAt + n;
    fixedAt += n;
  }
  return { fixedStream, fixedStarts, fixedEnds };
}

function decoders(records: InputRecordView[]): void {
  const { bytes: stream } = clientStream(poolCount);
  // Payload ranges of the client frames in the stream.
  const starts = new Int32Array(poolCount);
  const ends = new Int32Array(poolCount);
  const splitter = new FrameSplitter(clientFrameBytesMax);
  splitter.push(stream);
  for (let k = 0; k < poolCount; k++) {
    if (splitter.next() !== FrameStatus.Frame) throw new Error("stream");
    starts[k] = splitter.start;
    ends[k] = splitter.end;
  }
  const recordBytes = new Uint8Array(poolCount * 256);
  const recordStarts = new Int32Array(poolCount);
  const recordEnds = new Int32Array(poolCount);
  const writer = new InputRecordWriter();
  let at = 0;
  for (let k = 0; k < poolCount; k++) {
    const n = writer.write(recordBytes, at, records[k]!);
    recordStarts[k] = at + 4;
    recordEnds[k] = at + n;
    at += n;
  }
  const verifier = new Verifier();
  const clientDecoder = new ClientDecoder();
  const recordDecoder = new InputRecordDecoder();
  const fastClient = new FastClientDecoder();
  const fastRecord = new FastInputRecordDecoder();
  const msg = new ClientMessage();
  const view = new InputRecordView();
  const { fixedStream, fixedStarts, fixedEnds } = fixedLayoutOrders();
  let i = 0;

  group("verify + decode", () => {
    register("client NewOrder: Verifier only", 1, () => {
      i = (i + 1) & poolMask;
      return verifier.verify(stream, starts[i]!, ends[i]!, layout.ClientMessage);
    });
    register("client NewOrder: ClientDecoder (verify + decode)", 1, () => {
      i = (i + 1) & poolMask;
      return clientDecoder.decode(stream, starts[i]!, ends[i]!, msg);
    });
    register("record NewOrder: InputRecordDecoder (verify + decode)", 1, () => {
      i = (i + 1) & poolMask;
      return recordDecoder.decode(recordBytes, recordStarts[i]!, recordEnds[i]!, view);
    });
    register("client NewOrder, fixed layout: FastClientDecoder", 1, () => {
      i = (i + 1) & poolMask;
      return fastClient.decode(fixedStream, fixedStarts[i]!, fixedEnds[i]!, msg);
    });
    register("record NewOrder, fixed layout: FastInputRecordDecoder", 1, () => {
      i = (i + 1) & poolMask;
      return fastRecord.decode(recordBytes, recordStarts[i]!, recordEnds[i]!, view);
    });
  });
}

function splitting(): void {
  const { bytes, frames } = clientStream(poolCount);
  const splitter = new FrameSplitter(clientFrameBytesMax);
  // 1448 bytes: one TCP segment's payload on a 1500-byte MTU, so frames straddle chunks.
  const segmentBytes = 1448;
  const segments: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += segmentBytes)
    segments.push(bytes.subarray(at, Math.min(at + segmentBytes, bytes.length)));

  group("frame splitting (FrameSplitter, client NewOrder frames)", () => {
    register(`split: one ${bytes.length}-byte chunk`, frames, () => {
      splitter.push(bytes);
      let n = 0;
      while (splitter.next() === FrameStatus.Frame) n++;
      if (n !== frames) throw new Error(`split ${n} frames of ${frames}`);
      return n;
    });
    register(`split: ${segmentBytes}-byte segments`, frames, () => {
      let n = 0;
      for (const s of segments) {
        splitter.push(s);
        while (splitter.next() === FrameStatus.Frame) n++;
      }
      if (n !== frames) throw new Error(`split ${n} frames of ${frames}`);
      return n;
    });
  });
}

// ---- Report -------------------------------------------------------------------

interface Row {
  name: string;
  framesPerIteration: number;
  nsPerFrame: { avg: number; p50: number; p99: number; min: number };
  framesPerSecond: number;
  samples: number;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const reports = reportPool();
  const records = recordPool();
  sanity(reports, records);
  encoders(reports, records);
  decoders(records);
  reportReaders(reports);
  splitting();
  const result = await run(o.filter === null ? {} : { filter: o.filter });
  const rows: Row[] = [];
  for (const trial of result.benchmarks) {
    for (const r of trial.runs) {
      if (r.stats === undefined) throw new Error(`${r.name}: ${String(r.error)}`);
      const frames = framesPer.get(r.name) ?? 1;
      const s = r.stats;
      rows.push({
        name: r.name,
        framesPerIteration: frames,
        nsPerFrame: { avg: s.avg / frames, p50: s.p50 / frames, p99: s.p99 / frames, min: s.min / frames },
        framesPerSecond: (1e9 * frames) / s.avg,
        samples: s.samples.length,
      });
    }
  }
  console.log("\nns per frame (avg / p50), frames per second on one core:");
  for (const r of rows) {
    const ns = `${r.nsPerFrame.avg.toFixed(1)} / ${r.nsPerFrame.p50.toFixed(1)}`;
    console.log(
      `  ${r.name.padEnd(58)} ${ns.padStart(16)} ns  ${(r.framesPerSecond / 1e6).toFixed(2).padStart(7)} M/s`,
    );
  }
  if (o.json !== null) {
    const report = {
      command: `bun bench/protocol.bench.ts ${process.argv.slice(2).join(" ")}`.trim(),
      date: new Date().toISOString(),
      bun: Bun.version,
      cpu: os.cpus()[0]?.model ?? "unknown",
      cores: os.cpus().length,
      results: rows,
    };
    writeFileSync(o.json, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`wrote ${o.json}`);
  }
}

await main();
