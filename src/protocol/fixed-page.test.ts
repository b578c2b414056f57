// Proves the fixed-layout OpenOrders page writer: pages of every size up to the protocol's limit, at any position,
// verify and decode to exactly what the Encoder's page of the same orders decodes to; a bad value, a count past the
// limit or a short buffer throws with nothing written; and writing pages allocates nothing.
import { describe, expect, test } from "bun:test";
import { Body, Encoder, ServerDecoder } from "./codec.ts";
import { framePrefixBytes, openOrdersPageCountMax, ProtocolError } from "./constants.ts";
import { OpenOrdersPageWriter, openOrdersPageBytes } from "./fixed.ts";
import { randomServer, Rng } from "./fixtures.ts";
import { OpenOrderInfo, ServerMessage } from "./messages.ts";
import { cellsAllocated } from "../../test/support/allocation.ts";

const seed = Number(process.env.SEED ?? 4242);
console.log(`fixed-page.test seed=${seed}`);

/** A random page of `count` orders (values anywhere in their wire types). */
function randomPage(rng: Rng, count: number): ServerMessage {
  const m = randomServer(rng, Body.OpenOrders, 0);
  const more = randomServer(rng, Body.OpenOrders, count);
  while (more.orders.length < count) more.orders.push(...randomServer(rng, Body.OpenOrders, count).orders);
  m.orders = more.orders.slice(0, count);
  return m;
}

/** What a frame decodes to (verifier included); throws when it does not verify. */
function decoded(decoder: ServerDecoder, bytes: Uint8Array, at: number, end: number): ServerMessage {
  const out = new ServerMessage();
  const code = decoder.decode(bytes, at + framePrefixBytes, end, out);
  if (code !== ProtocolError.Ok) throw new Error(`page at ${at}: ${decoder.verifier.reason()}`);
  return out;
}

function sameMessage(a: ServerMessage, b: ServerMessage): void {
  expect({ seq: a.seq, body: a.body, more: a.more }).toEqual({ seq: b.seq, body: b.body, more: b.more });
  expect(a.orders.map((o) => ({ ...o }))).toEqual(b.orders.map((o) => ({ ...o })));
}

describe("OpenOrders pages", () => {
  test("every size from 0 to the limit, at every alignment, decodes as the Encoder's page does", () => {
    const rng = new Rng(seed);
    const writer = new OpenOrdersPageWriter();
    const encoder = new Encoder();
    const decoder = new ServerDecoder();
    const out = new Uint8Array(openOrdersPageBytes(openOrdersPageCountMax) + 8);
    for (let count = 0; count <= openOrdersPageCountMax; count++) {
      const m = randomPage(rng, count);
      const at = count & 3;
      const n = writer.write(out, at, m.seq, m.orders, count, m.more);
      expect(n).toBe(openOrdersPageBytes(count));
      expect(new DataView(out.buffer).getUint32(at, true)).toBe(n - framePrefixBytes);
      encoder.server(m);
      const generic = encoder.frame();
      sameMessage(decoded(decoder, out, at, at + n), decoded(decoder, generic, 0, generic.length));
    }
  });

  test("a page written over any old bytes is the same page (every byte is written)", () => {
    const rng = new Rng(seed + 1);
    const writer = new OpenOrdersPageWriter();
    const m = randomPage(rng, 32);
    const clean = new Uint8Array(4096);
    const dirty = new Uint8Array(4096).fill(0xa5);
    const n = writer.write(clean, 4, m.seq, m.orders, 32, m.more);
    writer.write(dirty, 4, m.seq, m.orders, 32, m.more);
    expect(dirty.subarray(4, 4 + n)).toEqual(clean.subarray(4, 4 + n));
  });

  test("a bad value, a count past the limit or a short buffer throws, with nothing written", () => {
    const rng = new Rng(seed + 2);
    const writer = new OpenOrdersPageWriter();
    const m = randomPage(rng, 8);
    const out = new Uint8Array(1024).fill(7);
    const untouched = out.slice();
    const bad = new OpenOrderInfo();
    Object.assign(bad, m.orders[5]!, { priceTicks: 2 ** 31 });
    expect(() => writer.write(out, 0, m.seq, [...m.orders.slice(0, 5), bad], 6, false)).toThrow(/price/);
    expect(() => writer.write(out, 0, -1, m.orders, 8, false)).toThrow(/seq/);
    expect(() => writer.write(out, 0, m.seq, m.orders, 9, false)).toThrow(/page of 9/);
    const many = Array.from({ length: openOrdersPageCountMax + 1 }, () => m.orders[0]!);
    expect(() => writer.write(new Uint8Array(1 << 16), 0, m.seq, many, many.length, false)).toThrow(/limit/);
    const lastFit = 1024 - openOrdersPageBytes(8);
    expect(() => writer.write(out, lastFit + 1, m.seq, m.orders, 8, false)).toThrow(/does not fit/);
    expect(out).toEqual(untouched);
  });

  test("writing pages allocates no heap cell", () => {
    const rng = new Rng(seed + 3);
    const writer = new OpenOrdersPageWriter();
    const m = randomPage(rng, 32);
    const outs = Array.from({ length: 4 }, () => new Uint8Array(1 << 16));
    const write = (count: number): void => {
      let at = 0;
      for (let i = 0; i < count; i++) {
        const out = outs[i & 3]!;
        at += writer.write(out, at, m.seq, m.orders, 1 + (i & 31), (i & 1) === 1);
        // Unaligned a quarter of the time: both store paths run.
        at = at > 60_000 ? i & 3 : at;
      }
    };
    write(5000);
    // 20,000 pages: one cell per page would be 20,000.
    expect(cellsAllocated(write, 20_000)).toBeLessThan(240);
  });
});
