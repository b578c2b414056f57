// Proves the order index against a Map under random inserts and removes (half right after a lookup of the same id, as
// the engine does) that grow and shrink it through many resizes, lookups in the middle of each resize included.
import { expect, test } from "bun:test";
import { NIL } from "./constants.ts";
import { OrderIndex } from "./order-index.ts";
import { Rng } from "../../test/engine/random-commands.ts";

/** A seeded uniform [0, 1) source (the differential test's generator). */
function uniform(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.float();
}

/** Slots from a LIFO free list, as the engine allocates them; ids in its id column. */
class Harness {
  readonly ids: Float64Array;
  readonly index: OrderIndex;
  readonly ref = new Map<number, number>();
  private readonly free: number[] = [];

  constructor(readonly slotsMax: number) {
    this.ids = new Float64Array(slotsMax);
    this.index = new OrderIndex(slotsMax, this.ids);
    for (let s = slotsMax - 1; s >= 0; s--) this.free.push(s);
  }

  add(id: number): void {
    const slot = this.free.pop()!;
    this.ids[slot] = id;
    this.index.insert(slot);
    this.ref.set(id, slot);
  }

  drop(id: number): void {
    const slot = this.ref.get(id)!;
    this.index.remove(slot);
    this.ref.delete(id);
    // A freed slot keeps a stale id, as the engine's column does: the index must not be fooled by it.
    this.free.push(slot);
  }

  checkAll(): void {
    for (const [id, slot] of this.ref) expect(this.index.find(id)).toBe(slot);
    expect(this.index.count).toBe(this.ref.size);
    this.index.check();
  }
}

test("matches a Map while the live count rises and falls through many resizes", () => {
  const seed = 20261204;
  console.log(`order-index seed ${seed}`);
  const rnd = uniform(seed);
  const h = new Harness(40_000);
  const live: number[] = [];
  let checks = 0;
  // Waves: grow to a random target, shrink to another; every step also probes a random key.
  for (let wave = 0; wave < 24; wave++) {
    const target = Math.floor(rnd() * (wave % 4 === 3 ? 40_000 : 5_000));
    while (live.length !== target) {
      if (live.length < target) {
        // Keys: a small clustered range, large ones above 2^32, and sequential runs.
        const r = rnd();
        const id =
          r < 0.3 ? Math.floor(rnd() * 100_000) : r < 0.6 ? Math.floor(rnd() * 2 ** 53) : 2 ** 40 + live.length * 7;
        if (h.ref.has(id)) continue;
        // As the engine does half the time: a duplicate check first, whose probe the insert then reuses.
        if (rnd() < 0.5) expect(h.index.find(id)).toBe(NIL);
        h.add(id);
        live.push(id);
      } else {
        const k = Math.floor(rnd() * live.length);
        const id = live[k]!;
        live[k] = live[live.length - 1]!;
        live.pop();
        // As a cancel does half the time: the lookup first, whose cell the removal then reuses.
        if (rnd() < 0.5) expect(h.index.find(id)).toBe(h.ref.get(id)!);
        h.drop(id);
      }
      const probe =
        rnd() < 0.5 && live.length > 0 ? live[Math.floor(rnd() * live.length)]! : Math.floor(rnd() * 2 ** 53);
      expect(h.index.find(probe)).toBe(h.ref.get(probe) ?? NIL);
      if ((live.length & 1023) === 0) {
        h.checkAll();
        checks++;
      }
    }
    h.checkAll();
  }
  expect(checks).toBeGreaterThan(24);
  // 40k live orders need 128k cells at load 1/2, and the waves come back down to 4096 cells.
  expect(h.index.resizes).toBeGreaterThan(20);
  expect(h.index.cellsMax).toBe(131_072);
});

test("a lookup never matches a stale id left in a freed slot", () => {
  const h = new Harness(16);
  h.add(5);
  h.drop(5);
  expect(h.index.find(5)).toBe(NIL);
  h.add(6);
  expect(h.index.find(5)).toBe(NIL);
  expect(h.index.find(6)).toBe(h.ref.get(6)!);
});

test("values that are not ids are never found", () => {
  const h = new Harness(16);
  h.add(0);
  for (const v of [-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, -(2 ** 40)])
    expect(h.index.find(v)).toBe(NIL);
  expect(h.index.find(0)).toBe(h.ref.get(0)!);
});

test("refuses overfilling, a slot outside the capacity and removing what is absent", () => {
  const h = new Harness(2);
  h.add(1);
  h.add(2);
  expect(() => h.index.insert(0)).toThrow(/full/);
  const g = new Harness(4);
  expect(() => g.index.insert(9)).toThrow(/outside/);
  g.add(3);
  expect(() => g.index.remove(1)).toThrow(/not present/);
});

test("ids in sequence stay on the plain hash, three cells apart; patterned ids switch it to the mixed one", () => {
  const seq = new Harness(20_000);
  for (let id = 1_000_000; id < 1_015_000; id++) seq.add(id);
  for (let id = 1_000_000; id < 1_010_000; id += 2) seq.drop(id);
  seq.checkAll();
  expect(seq.index.mixed).toBe(false);
  expect(seq.index.rebuilds).toBe(0);

  // Multiples of 2^16 below 2^29: their cell bits under the plain hash are all 0 in any table of up to 2^16 cells.
  const patterned = new Harness(20_000);
  for (let k = 1; k <= 5_000; k++) patterned.add(k * 2 ** 16);
  expect(patterned.index.mixed).toBe(true);
  expect(patterned.index.rebuilds).toBe(1);
  for (let k = 1; k <= 5_000; k += 3) patterned.drop(k * 2 ** 16);
  patterned.checkAll();
  patterned.index.clear();
  expect(patterned.index.mixed).toBe(false);
});

test("a switch to the mixed hash in the middle of a resize loses nothing", () => {
  const h = new Harness(40_000);
  // Grow past 2048 live (a resize to 8192 cells starts), then insert patterned ids while it migrates.
  for (let id = 1; id <= 2_100; id++) h.add(id);
  for (let k = 1; k <= 200; k++) h.add(k * 2 ** 16 + 2 ** 20);
  expect(h.index.mixed).toBe(true);
  h.checkAll();
  for (let id = 1; id <= 2_100; id += 2) h.drop(id);
  h.checkAll();
});
