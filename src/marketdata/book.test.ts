// Proves the book mirror keeps queue order, level totals and sorted ladders exactly as a plain model does under random
// adds, changes and removals, that level-2 changes are coalesced to one final state per level per collect, and that
// running out of level slots is recoverable by collecting.

import { describe, expect, test } from "bun:test";
import { Rng } from "../../test/engine/random-commands.ts";
import { BookMirror } from "./book.ts";

interface ModelOrder {
  id: number;
  side: number;
  price: number;
  qty: number;
}

/** A plain model: orders in arrival order per (book, side, price). */
class Model {
  readonly queues = new Map<string, ModelOrder[]>();
  readonly byId = new Map<number, { book: number; o: ModelOrder }>();
  add(book: number, o: ModelOrder): void {
    const k = `${book}:${o.side}:${o.price}`;
    if (!this.queues.has(k)) this.queues.set(k, []);
    this.queues.get(k)!.push(o);
    this.byId.set(o.id, { book, o });
  }
  remove(id: number): void {
    const { book, o } = this.byId.get(id)!;
    const k = `${book}:${o.side}:${o.price}`;
    const q = this.queues.get(k)!;
    q.splice(q.indexOf(o), 1);
    if (q.length === 0) this.queues.delete(k);
    this.byId.delete(id);
  }
  levels(book: number, side: number): { price: number; qty: number; count: number }[] {
    const out: { price: number; qty: number; count: number }[] = [];
    for (const [k, q] of this.queues) {
      const [b, s, p] = k.split(":").map(Number);
      if (b === book && s === side) out.push({ price: p!, qty: q.reduce((a, o) => a + o.qty, 0), count: q.length });
    }
    return out.sort((a, b) => (side === 0 ? b.price - a.price : a.price - b.price));
  }
}

function mirrorLevels(m: BookMirror, book: number, side: number) {
  const out: { price: number; qty: number; count: number }[] = [];
  m.forTopLevels(book, side, Infinity, (l) =>
    out.push({ price: m.lvlPrice[l]!, qty: m.lvlQty[l]!, count: m.lvlCount[l]! }),
  );
  return out;
}

function mirrorQueue(m: BookMirror, book: number, side: number, price: number): number[] {
  const ids: number[] = [];
  for (let row = 0; row < m.ladderRows(book, side); row++) {
    const lvl = m.levelAtRow(book, side, row);
    if (m.lvlPrice[lvl] !== price) continue;
    for (let o = m.lvlHead[lvl]!; o !== -1; o = m.ordNext[o]!) ids.push(m.ordId[o]!);
  }
  return ids;
}

describe("BookMirror", () => {
  test("random adds, changes and removals match a plain model (seeded)", () => {
    for (const seed of [1, 2, 3, 99]) {
      const rng = new Rng(seed);
      const m = new BookMirror({ symbolsMax: 2, ordersMax: 20_000, levelsMax: 512, levelsPerSideMax: 200 });
      const model = new Model();
      let nextId = 1;
      const changes = new Map<string, { qty: number; count: number }>();
      const live: number[] = [];
      for (let step = 0; step < 10_000; step++) {
        const book = rng.int(2);
        const r = rng.float();
        if (r < 0.45 || live.length === 0) {
          const side = rng.int(2);
          const o = { id: nextId++ * 7, side, price: 1000 + rng.range(-60, 60), qty: rng.range(1, 100) };
          expect(m.add(book, side, o.id, o.price, o.qty, step)).toBe(true);
          model.add(book, o);
          live.push(o.id);
        } else if (r < 0.75) {
          const at = rng.int(live.length);
          const id = live[at]!;
          live[at] = live[live.length - 1]!;
          live.pop();
          m.remove(id, step);
          model.remove(id);
        } else {
          const id = rng.pick(live);
          const qty = rng.range(1, 100);
          m.setQty(id, qty, step);
          model.byId.get(id)!.o.qty = qty;
        }
        if (rng.chance(0.05)) {
          m.collectLevels((b, side, price, qty, count) => changes.set(`${b}:${side}:${price}`, { qty, count }));
          m.validate();
          for (const [k, v] of changes) {
            const q = model.queues.get(k) ?? [];
            const want = { qty: q.reduce((a, o) => a + o.qty, 0), count: q.length };
            expect({ seed, k, ...v }).toEqual({ seed, k, qty: want.qty, count: want.count });
          }
          changes.clear();
        }
      }
      m.collectLevels(null);
      m.validate();
      for (let book = 0; book < 2; book++) {
        for (let side = 0; side < 2; side++) {
          expect(mirrorLevels(m, book, side)).toEqual(model.levels(book, side));
          for (const l of model.levels(book, side)) {
            expect(mirrorQueue(m, book, side, l.price)).toEqual(
              model.queues.get(`${book}:${side}:${l.price}`)!.map((o) => o.id),
            );
          }
        }
      }
    }
  });

  test("a level emptied and refilled before a collect is reported once, with its final state", () => {
    const m = new BookMirror({ symbolsMax: 1, ordersMax: 16, levelsMax: 16, levelsPerSideMax: 8 });
    m.add(0, 0, 1, 100, 5, 1);
    m.collectLevels(null);
    m.remove(1, 2);
    m.add(0, 0, 2, 100, 7, 3);
    const seen: number[][] = [];
    m.collectLevels((b, side, price, qty, count, seq) => seen.push([b, side, price, qty, count, seq]));
    expect(seen).toEqual([[0, 0, 100, 7, 1, 3]]);
  });

  test("out of level slots: add says so, and a collect frees the emptied ones", () => {
    const m = new BookMirror({ symbolsMax: 1, ordersMax: 16, levelsMax: 2, levelsPerSideMax: 8 });
    expect(m.add(0, 1, 1, 100, 5, 1)).toBe(true);
    expect(m.add(0, 1, 2, 101, 5, 1)).toBe(true);
    m.remove(1, 2);
    expect(m.add(0, 1, 3, 102, 5, 3)).toBe(false);
    m.collectLevels(null);
    expect(m.add(0, 1, 3, 102, 5, 3)).toBe(true);
    m.validate();
  });

  test("broken invariants fail loudly", () => {
    const m = new BookMirror({ symbolsMax: 1, ordersMax: 4, levelsMax: 4, levelsPerSideMax: 4 });
    m.add(0, 0, 1, 100, 5, 1);
    expect(() => m.add(0, 0, 1, 101, 5, 2)).toThrow(/added twice/);
    expect(() => m.remove(9, 2)).toThrow(/not resting/);
    expect(() => m.setQty(1, 0, 2)).toThrow(/removal/);
    expect(() => m.add(0, 3, 2, 100, 5, 2)).toThrow(/side/);
  });
});
