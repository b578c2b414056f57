// Proves the open-addressing id index against a Map under random inserts and removes, including clustered keys.
import { expect, test } from "bun:test";
import { Rng } from "../../test/support/rng.ts";
import { NIL } from "./constants.ts";
import { IdIndex } from "./id-index.ts";

test("matches a Map over random inserts and removes", () => {
  const seed = 20261125;
  console.log(`id-index seed ${seed}`);
  const rng = new Rng(seed);
  const rnd = () => rng.float();
  const idx = new IdIndex(5000);
  const ref = new Map<number, number>();
  for (let step = 0; step < 200_000; step++) {
    // Keys from a small range collide and cluster; some above 2^32 exercise the high half.
    const key = rnd() < 0.5 ? Math.floor(rnd() * 8000) : Math.floor(rnd() * 2 ** 53);
    if (ref.has(key)) {
      idx.remove(key);
      ref.delete(key);
    } else if (ref.size < 5000) {
      idx.insert(key, step);
      ref.set(key, step);
    }
    if (step % 997 === 0) {
      for (const [k, v] of ref) expect(idx.find(k)).toBe(v);
      expect(idx.count).toBe(ref.size);
    }
    expect(idx.find(key)).toBe(ref.get(key) ?? NIL);
  }
});

test("refuses a duplicate key, a missing remove and overfilling", () => {
  const idx = new IdIndex(2);
  idx.insert(7, 1);
  expect(() => idx.insert(7, 2)).toThrow(/already present/);
  expect(() => idx.remove(8)).toThrow(/not present/);
  idx.insert(9, 2);
  expect(() => idx.insert(10, 3)).toThrow(/full/);
  idx.update(9, 5);
  expect(idx.find(9)).toBe(5);
  expect(idx.find(2 ** 53 - 1)).toBe(NIL);
});
