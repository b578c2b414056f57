// Proves the outbound queue keeps order, holds gated bytes until released, moves across chunks without losing bytes,
// gives chunks back once sent, refuses to pass its bound, and drops unsent frames without cutting one.
import { expect, test } from "bun:test";
import { writeLength } from "../protocol/index.ts";
import { Rng } from "../../test/support/rng.ts";
import { ChunkPool, Outbound } from "./outbound.ts";

const chunkBytes = 1 << 12;
const outbound = (bytesMax: number, pool = new ChunkPool(chunkBytes, 64)) => new Outbound(pool, bytesMax);

function put(o: Outbound, value: number, n: number, gated: boolean): boolean {
  const r = o.reserve(n);
  if (r === null) return false;
  r.bytes.fill(value, r.at, r.at + n);
  o.commit(n, gated);
  return true;
}

function drain(o: Outbound, chunk: number): number[] {
  const out: number[] = [];
  for (;;) {
    const s = o.sendable();
    if (s.length === 0) return out;
    const n = Math.min(chunk, s.length);
    for (let i = 0; i < n; i++) out.push(s[i]!);
    o.consume(n);
  }
}

test("ungated bytes leave at once; gated ones wait for their release, and later ungated bytes wait behind them", () => {
  const o = outbound(1 << 20);
  put(o, 1, 3, false);
  expect(drain(o, 100)).toEqual([1, 1, 1]);
  put(o, 2, 2, true);
  const mark = o.appended;
  put(o, 3, 1, false);
  expect(drain(o, 100)).toEqual([]);
  put(o, 4, 2, true);
  o.releaseTo(mark);
  expect(drain(o, 100)).toEqual([2, 2]);
  o.releaseTo(o.appended);
  expect(drain(o, 100)).toEqual([3, 4, 4]);
  put(o, 5, 1, false);
  expect(drain(o, 100)).toEqual([5]);
});

test("random traffic through partial sends: every byte arrives once, in order, across compactions and growth", () => {
  const rng = new Rng(99);
  const rnd = () => rng.float();
  const o = outbound(1 << 22);
  const expected: number[] = [];
  const got: number[] = [];
  let value = 0;
  for (let step = 0; step < 20000; step++) {
    const n = 1 + Math.floor(rnd() * 300);
    value = (value + 1) & 0xff;
    if (put(o, value, n, rnd() < 0.5)) for (let i = 0; i < n; i++) expected.push(value);
    if (rnd() < 0.3) o.releaseTo(o.appended);
    if (rnd() < 0.5) {
      const s = o.sendable();
      const k = Math.floor(rnd() * (s.length + 1));
      for (let i = 0; i < k; i++) got.push(s[i]!);
      o.consume(k);
    }
  }
  o.releaseTo(o.appended);
  got.push(...drain(o, 777));
  expect(got.length).toBe(expected.length);
  expect(got).toEqual(expected);
});

test("refuses bytes past its bounds (unread bytes; all bytes, held ones too), accepts again once drained", () => {
  const o = outbound(1 << 14);
  for (let i = 0; i < 4; i++) expect(put(o, 1, 4000, false)).toBe(true);
  expect(put(o, 2, 400, false)).toBe(false);
  drain(o, 1 << 16);
  expect(put(o, 2, 400, false)).toBe(true);
  drain(o, 1 << 16);
  // Held bytes count only against twice the bound: a client that reads is not cut while the log is slow.
  for (let i = 0; i < 8; i++) expect(put(o, 3, 4000, true)).toBe(true);
  expect(put(o, 3, 1000, true)).toBe(false);
  o.releaseTo(o.appended);
  expect(put(o, 4, 100, false)).toBe(false);
  drain(o, 1 << 16);
  expect(put(o, 4, 100, false)).toBe(true);
});

test("chunks go back to the pool once sent: an idle queue holds none", () => {
  const pool = new ChunkPool(chunkBytes, 64);
  const o = outbound(1 << 20, pool);
  for (let i = 0; i < 100; i++) put(o, i, 1000, false);
  expect(o.chunksCount).toBe(25);
  drain(o, 3000);
  expect(o.chunksCount).toBe(0);
  expect(pool.freeCount).toBe(25);
  put(o, 1, 10, true);
  expect(o.chunksCount).toBe(1);
  expect(pool.freeCount).toBe(24);
});

/** A frame of `n` bytes (prefix included) whose payload bytes all equal `value`. */
function putFrame(o: Outbound, value: number, n: number, gated: boolean): void {
  const r = o.reserve(n)!;
  writeLength(r.bytes, r.at, n - 4);
  r.bytes.fill(value, r.at + 4, r.at + n);
  o.commit(n, gated);
}

test("dropping unsent frames keeps the one begun on the wire whole and counts the frames kept", () => {
  const o = outbound(1 << 20);
  for (let i = 0; i < 10; i++) putFrame(o, i, 1000, false);
  for (let i = 10; i < 20; i++) putFrame(o, i, 1000, true);
  // 2.5 frames sent: frames 0..2 are kept (the third finishes), the rest is dropped, gated or not.
  o.consume(2500);
  expect(o.dropUnsent()).toBe(3);
  expect(o.queued).toBe(500);
  expect(o.sendableBytes).toBe(500);
  expect(o.chunksCount).toBe(1);
  o.consume(500);
  expect(o.chunksCount).toBe(0);
  // At a frame boundary nothing is kept beyond it.
  putFrame(o, 7, 100, false);
  putFrame(o, 8, 100, false);
  o.consume(100);
  expect(o.dropUnsent()).toBe(4);
  expect(o.queued).toBe(0);
  // New frames queue after the kept ones.
  putFrame(o, 9, 100, false);
  expect(o.framesAppended).toBe(5);
  expect(o.sendable()[4]).toBe(9);
});
