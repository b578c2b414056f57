// Proves the outbound queue keeps order, holds gated bytes until released, compacts and grows without losing bytes, and refuses to pass its bound.
import { expect, test } from "bun:test";
import { Outbound } from "./outbound.ts";

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
  const o = new Outbound(1 << 20);
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
  let seed = 99;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
  const o = new Outbound(1 << 22);
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

test("refuses bytes beyond its bound and accepts again once drained", () => {
  const o = new Outbound(1 << 16);
  expect(put(o, 1, 60000, false)).toBe(true);
  expect(put(o, 2, 6000, false)).toBe(false);
  drain(o, 1 << 16);
  expect(put(o, 2, 6000, false)).toBe(true);
});
