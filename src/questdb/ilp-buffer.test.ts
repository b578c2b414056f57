// Proves the ILP buffer writes every safe integer and wide sum exactly as its decimal text, and that symbol values are
// escaped the way QuestDB reads them.

import { describe, expect, test } from "bun:test";
import { Prng } from "../../bench/prng.ts";
import { wideAddProduct } from "../marketdata/wide-sum.ts";
import { ascii, IlpBuffer } from "./ilp-buffer.ts";
import { escapeSymbolValue } from "./ilp-escape.ts";

const seed = Number(process.env.SEED ?? 5);
const decode = (b: IlpBuffer) => new TextDecoder().decode(b.bytes.subarray(0, b.position));

describe("IlpBuffer", () => {
  test(`integers of every length, both signs, equal String() (seed ${seed})`, () => {
    const b = new IlpBuffer(1 << 20);
    const rng = new Prng(seed);
    const values = [
      0,
      1,
      9,
      10,
      99,
      100,
      2 ** 31 - 1,
      2 ** 31,
      99_999_999,
      100_000_000,
      100_000_001,
      1e15,
      Number.MAX_SAFE_INTEGER,
      -1,
      -(2 ** 31),
      -Number.MAX_SAFE_INTEGER,
    ];
    for (let i = 0; i < 20_000; i++) {
      const digits = rng.range(1, 16);
      let v = Math.floor(rng.float() * 10 ** digits);
      v = Math.min(v, Number.MAX_SAFE_INTEGER);
      values.push(rng.chance(0.1) ? -v : v);
    }
    for (const v of values) {
      b.reset();
      b.int(v);
      expect(decode(b)).toBe(String(v));
    }
  });

  test("wide sums past 2^53 are written exactly", () => {
    const hi = new Float64Array(1);
    const lo = new Float64Array(1);
    wideAddProduct(hi, lo, 0, 2 ** 31 - 1, Number.MAX_SAFE_INTEGER);
    const b = new IlpBuffer(64);
    b.wide(hi, lo, 0);
    expect(decode(b)).toBe((BigInt(2 ** 31 - 1) * BigInt(Number.MAX_SAFE_INTEGER)).toString());
  });

  test("pieces long and short are copied; non-ASCII names are refused at start-up", () => {
    const b = new IlpBuffer(256);
    b.copy(ascii("ticks,symbol="));
    b.copy(escapeSymbolValue("a b,c=d\\é"));
    b.copy(ascii("x".repeat(100)));
    expect(decode(b)).toBe(`ticks,symbol=a\\ b\\,c\\=d\\\\é${"x".repeat(100)}`);
    expect(() => ascii("tab\there")).toThrow(/printable ASCII/);
  });
});
