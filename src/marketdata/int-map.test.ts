// Proves the typed-array map agrees with a JS Map over random inserts, updates and deletes (keys up to 2^53, clustered
// and spread, through several doublings), and refuses a negative value.

import { expect, test } from "bun:test";
import { Rng } from "../../test/engine/random-commands.ts";
import { IntMap } from "./int-map.ts";

const seed = Number(process.env.SEED ?? 3);

test(`random operations agree with a Map (seed ${seed})`, () => {
  const rng = new Rng(seed);
  const m = new IntMap(4);
  const ref = new Map<number, number>();
  const key = () =>
    rng.chance(0.5)
      ? rng.int(5000)
      : rng.chance(0.5)
        ? 2 ** 40 + rng.int(2000) * 4096
        : Math.floor(rng.float() * Number.MAX_SAFE_INTEGER);
  const keys: number[] = [];
  for (let i = 0; i < 200_000; i++) {
    const x = rng.float();
    if (x < 0.5) {
      const k = key();
      const v = rng.int(1 << 30);
      m.set(k, v);
      ref.set(k, v);
      keys.push(k);
    } else if (x < 0.8 && keys.length > 0) {
      const k = rng.pick(keys);
      expect(m.delete(k)).toBe(ref.delete(k));
    } else {
      const k = keys.length > 0 && rng.chance(0.7) ? rng.pick(keys) : key();
      expect(m.get(k)).toBe(ref.get(k) ?? -1);
    }
    if (keys.length > 20_000) keys.splice(0, 10_000);
  }
  expect(m.size).toBe(ref.size);
  for (const [k, v] of ref) expect(m.get(k)).toBe(v);
  expect(() => m.set(1, -1)).toThrow();
});
