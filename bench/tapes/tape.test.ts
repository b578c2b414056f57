// Proves the tape generator keeps the contract both books rely on: the same bytes for the same seed, unique ids spread
// over [1, 2^40), every cancel and modify aimed at a live order with the op its peer mapping assumes, a file format
// that round-trips and refuses bad files, and our engine reproducing the generator's expected digest on every scenario.

import { describe, expect, test } from "bun:test";
import { ShadowBook } from "../shadow.ts";
import { digestDiff, makeDigest, TradeFold } from "./digest.ts";
import { generateTape, type Tape } from "./generate.ts";
import { IdPermutation, mix32 } from "./ids.ts";
import { OurTapeBook } from "./our-engine.ts";
import { scenarioNames } from "./scenarios.ts";
import { decodeTape, encodeTape, TAPE_HEADER_BYTES, TapeOp, TapeSide, TapeType } from "./tape.ts";

const ORDERS = 4_000;
const SEED = 7;
const tapes = new Map<string, Tape>(
  scenarioNames.map((s) => [s, generateTape({ scenario: s, orders: ORDERS, seed: SEED })]),
);

describe("ids", () => {
  test("mix32 is a bijection on a sample (no two inputs collide)", () => {
    const seen = new Set<number>();
    for (let i = 0; i < 200_000; i++) seen.add(mix32(i * 7919));
    expect(seen.size).toBe(200_000);
  });

  test("a permutation gives unique ids in [1, 2^40) with no sequential runs", () => {
    const p = new IdPermutation(123);
    const seen = new Set<number>();
    let ascending = 0;
    let prev = 0;
    let above32 = 0;
    for (let i = 0; i < 100_000; i++) {
      const id = p.take();
      expect(Number.isInteger(id) && id >= 1 && id < 2 ** 40).toBe(true);
      seen.add(id);
      if (id > prev) ascending++;
      if (id >= 2 ** 32) above32++;
      prev = id;
    }
    expect(seen.size).toBe(100_000);
    // A random order rises about half the time; sequential ids always would.
    expect(ascending / 100_000).toBeGreaterThan(0.45);
    expect(ascending / 100_000).toBeLessThan(0.55);
    expect(above32).toBeGreaterThan(90_000);
  });
});

describe("generator", () => {
  test("the same options give the same bytes and digest; another seed does not", () => {
    const a = generateTape({ scenario: "normal", orders: ORDERS, seed: SEED });
    const b = generateTape({ scenario: "normal", orders: ORDERS, seed: SEED });
    const c = generateTape({ scenario: "normal", orders: ORDERS, seed: SEED + 1 });
    expect(Buffer.from(encodeTape(a.columns)).equals(Buffer.from(encodeTape(b.columns)))).toBe(true);
    expect(a.expected).toEqual(b.expected);
    expect(Buffer.from(encodeTape(a.columns)).equals(Buffer.from(encodeTape(c.columns)))).toBe(false);
  });

  for (const [name, tape] of tapes) {
    test(`${name}: every message is one both books accept, as its op promises`, () => {
      const c = tape.columns;
      const shadow = new ShadowBook();
      const ids = new Set<number>();
      let news = 0;
      for (let i = 0; i < c.count; i++) {
        const id = c.id[i]!;
        const op = c.op[i]!;
        if (op === TapeOp.New) {
          news++;
          expect(ids.has(id)).toBe(false);
          ids.add(id);
          expect(
            c.type[i] === TapeType.Market ? c.price[i] === 0 : c.price[i]! >= c.minPrice && c.price[i]! <= c.maxPrice,
          ).toBe(true);
          expect(c.qty[i]!).toBeGreaterThan(0);
          expect(
            shadow.newOrder(i, id, c.user[i]!, c.side[i]!, c.type[i]!, c.tif[i]!, false, c.price[i]!, c.qty[i]!, 0),
          ).toBe(true);
          continue;
        }
        const o = shadow.order(id);
        expect(o !== undefined && !o.isStop).toBe(true);
        expect(c.user[i]).toBe(o!.user);
        expect(c.side[i]).toBe(o!.side);
        if (op === TapeOp.Cancel) {
          expect(shadow.cancel(id)).toBe(true);
          continue;
        }
        if (op === TapeOp.Reduce) {
          expect(c.price[i]).toBe(o!.price);
          expect(c.qty[i]!).toBeGreaterThan(0);
          expect(c.aux[i]).toBe(o!.qty - c.qty[i]!);
          expect(c.aux[i]!).toBeGreaterThan(0);
        } else if (op === TapeOp.Move) {
          expect(c.price[i]).not.toBe(o!.price);
          expect(c.qty[i]).toBe(o!.qty);
        } else {
          expect(op).toBe(TapeOp.Replace);
          // Same price and not larger would keep priority in one book and lose it in the other.
          expect(c.price[i] !== o!.price || c.qty[i]! > o!.qty).toBe(true);
        }
        expect(shadow.modify(i, id, c.price[i]!, c.qty[i]!)).toBe(true);
      }
      expect(news).toBe(ORDERS);
      expect(shadow.rejectsCount).toBe(0);
      expect(shadow.tradesCount).toBe(tape.expected.trades);
      expect(tape.stats.messages).toBe(c.count);
    });

    test(`${name}: our engine reproduces the expected digest, with its invariants intact`, () => {
      for (const capacity of ["production", "tape"] as const) {
        const book = new OurTapeBook(tape.sizing, capacity);
        const fold = new TradeFold();
        const rejects = book.runReporting(tape.columns, 0, tape.columns.count, (m, p, q) => fold.add(m, p, q));
        book.validate();
        expect(rejects).toBe(0);
        expect(
          digestDiff(makeDigest(fold, book.levels(TapeSide.Buy), book.levels(TapeSide.Sell)), tape.expected),
        ).toEqual([]);
      }
    });
  }

  test("the flash crash sweeps many levels with market orders; the swings trade across their range", () => {
    const crash = tapes.get("flash-crash")!;
    expect(crash.stats.news.market_sweep ?? 0).toBeGreaterThan(0);
    expect(crash.stats.sweepLevelsMax).toBeGreaterThan(20);
    expect(crash.stats.lastTradePriceMin).toBeLessThan(70_000);
    const swing = tapes.get("swing-40")!;
    expect(swing.stats.lastTradePriceMax).toBeGreaterThan(130_000);
    expect(swing.stats.lastTradePriceMin).toBeLessThan(70_000);
    const flat = tapes.get("static")!;
    expect(flat.stats.lastTradePriceMax - flat.stats.lastTradePriceMin).toBeLessThan(100);
  });
});

describe("tape file", () => {
  const tape = tapes.get("flash-crash")!;
  const bytes = encodeTape(tape.columns);

  test("round-trips every column", () => {
    const back = decodeTape(bytes);
    expect(back.count).toBe(tape.columns.count);
    expect([back.minPrice, back.maxPrice]).toEqual([tape.columns.minPrice, tape.columns.maxPrice]);
    for (const k of ["op", "side", "type", "tif", "id", "user", "price", "qty", "aux"] as const) {
      expect(Array.from(back[k])).toEqual(Array.from(tape.columns[k]));
    }
  });

  test("refuses truncated, oversized, foreign and future files with a reason", () => {
    expect(() => decodeTape(bytes.subarray(0, 10))).toThrow(/too short/);
    expect(() => decodeTape(bytes.subarray(0, bytes.length - 8))).toThrow(/expected/);
    const longer = new Uint8Array(bytes.length + 8);
    longer.set(bytes);
    expect(() => decodeTape(longer)).toThrow(/expected/);
    const foreign = bytes.slice();
    foreign[0] = foreign[0]! ^ 0xff;
    expect(() => decodeTape(foreign)).toThrow(/magic/);
    const future = bytes.slice();
    new DataView(future.buffer).setUint32(4, 99, true);
    expect(() => decodeTape(future)).toThrow(/version 99/);
    const lying = bytes.slice();
    new DataView(lying.buffer).setUint32(8, tape.columns.count + 1, true);
    expect(() => decodeTape(lying)).toThrow(/expected/);
    expect(TAPE_HEADER_BYTES % 8).toBe(0);
  });
});
