// Proves ClientOrders against a Map and a list (the reference): over a random mix of adds, replacements, removals of
// live and stale ids and lookups, every lookup, size and the log's live pairs in order agree, an answer's cursor keeps
// its place through compactions, a newer session's cursor is not closed by an older one, and
// steady use allocates nothing.
import { expect, test } from "bun:test";
import { Rng } from "../protocol/fixtures.ts";
import { ClientOrders } from "./client-orders.ts";
import { cellsAllocated } from "../../test/support/allocation.ts";

const seed = Number(process.env.SEED ?? 777);
console.log(`client-orders.test seed=${seed}`);

/** The live pairs in log order. */
function livePairs(o: ClientOrders, from = 0): [number, number][] {
  const out: [number, number][] = [];
  for (let at = from; at < o.logEnd; at++) if (o.liveAt(at)) out.push([o.clientIdAt(at), o.orderIdAt(at)]);
  return out;
}

test("200,000 random operations agree with a Map and an ordered list", () => {
  const rng = new Rng(seed);
  const o = new ClientOrders();
  const ref = new Map<number, number>();
  let nextOrderId = 1;
  for (let step = 0; step < 200_000; step++) {
    const r = rng.below(100);
    // Client ids from a small range (collisions and reuse) or anywhere below 2^53.
    const cid = rng.chance(0.9) ? rng.below(3000) : rng.u53();
    if (r < 45) {
      const oid = nextOrderId++;
      o.add(cid, oid);
      // A replaced client id moves to the end of the order (its new order is the newest).
      ref.delete(cid);
      ref.set(cid, oid);
    } else if (r < 90) {
      // Forget names the order it expects: a stale pair (an older order id) must leave the live one alone.
      const live = ref.get(cid);
      const oid = live !== undefined && rng.chance(0.8) ? live : rng.below(nextOrderId);
      o.forget(cid, oid);
      if (live === oid) ref.delete(cid);
    } else {
      expect(o.get(cid)).toBe(ref.get(cid) ?? -1);
      expect(o.has(cid)).toBe(ref.has(cid));
    }
    expect(o.size).toBe(ref.size);
    if (step % 5000 === 0) expect(livePairs(o)).toEqual([...ref.entries()]);
  }
  expect(livePairs(o)).toEqual([...ref.entries()]);
  expect(o.get(-1)).toBe(-1);
});

test("an answer's cursor keeps its place as the log is compacted under it", () => {
  const o = new ClientOrders();
  const owner = {};
  for (let i = 0; i < 1000; i++) o.add(i, i + 1);
  o.openCursor(owner);
  // Read 300 pairs, as pages would.
  for (let read = 0; read < 300; o.cursor++) if (o.liveAt(o.cursor)) read++;
  const expected = livePairs(o, o.cursor).filter(([cid]) => cid % 3 !== 0);
  // Churn: remove most orders before and after the cursor, add many more (compactions run).
  for (let i = 0; i < 1000; i++) if (i % 3 === 0 || i < 300) o.forget(i, i + 1);
  for (let i = 0; i < 5000; i++) {
    o.add(10_000 + i, 2000 + i);
    o.forget(10_000 + i, 2000 + i);
  }
  const after = livePairs(o, o.cursor).filter(([, oid]) => oid <= 1000);
  expect(after).toEqual(expected);
  expect(o.logEnd).toBeLessThan(4096);
  // A session that ended late does not close a newer session's cursor.
  const newer = {};
  o.openCursor(newer);
  o.closeCursor(owner);
  expect(o.cursor).toBe(0);
  o.closeCursor(newer);
  expect(o.cursor).toBe(-1);
});

test("adding, looking up and removing orders allocates nothing once the tables have grown", () => {
  const o = new ClientOrders();
  const run = (count: number): void => {
    for (let i = 0; i < count; i++) {
      o.add(i & 1023, i);
      o.get((i * 7) & 1023);
      o.forget((i - 512) & 1023, i - 512);
    }
  };
  run(20_000);
  expect(cellsAllocated(run, 100_000)).toBeLessThan(240);
});
