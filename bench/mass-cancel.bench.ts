// Mass cancel (src/engine/RULES.md, Mass cancel): what one mass cancel costs
// on books of 100k and 1M resting orders held by 1000 users over 4 symbols,
// and why the engine finds a user's orders the way it does. It keeps no
// per-user list (that cost ~15% of matching throughput, commit c225f8f), so
// a mass cancel must select the user's orders from the book itself, in an
// order that does not depend on memory layout. Two ways, timed on the same
// books with mitata:
//   scan: every order slot ever used, keep the user's, heapsort them by order
//         id (the engine's way: sequential reads of one column);
//   walk: every level of every book in scope, FIFO (pointer chasing through
//         every live order).
// Then real mass cancels through engine.apply, one per user, timed alone.
//
//   bun bench/mass-cancel.bench.ts [--quick] [--json <file>]

import { writeFileSync } from "node:fs";
import os from "node:os";
import { measure } from "mitata";
import { CommandCode, CommandStruct } from "../src/engine/command.ts";
import { CancelReason, EventKind, MassCancelSide, NIL, OrderType, Side } from "../src/engine/constants.ts";
import { Engine } from "../src/engine/engine.ts";
import { sortSlotsByKey } from "../src/engine/sort-slots.ts";
import { LADDERS_PER_BOOK, RESTING, STOP } from "../src/engine/store.ts";

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const jsonAt = argv.indexOf("--json");
const jsonPath = jsonAt >= 0 ? argv[jsonAt + 1] : undefined;

const BOOKS = 4;
const USERS = 1000;
const MID = 1_000_000;
const LEVELS_PER_SIDE = 5000;

function engineFor(orders: number): Engine {
  return new Engine({
    ordersMax: Math.ceil(orders * 1.25),
    levelsMax: BOOKS * 2 * LEVELS_PER_SIDE + 64,
    levelsPerSideMax: LEVELS_PER_SIDE + 8,
    symbolsMax: BOOKS,
    eventsMax: 1 << 16,
  });
}

/** `orders` resting orders over BOOKS books, 5000 levels a side, users 1..1000 in turn. */
function buildBook(orders: number): Engine {
  const e = engineFor(orders);
  e.events.onFull = (ev) => ev.clear();
  const c = new CommandStruct();
  let seq = 1;
  for (let book = 0; book < BOOKS; book++) {
    c.clear();
    c.command = CommandCode.SymbolDef;
    c.engineSeq = seq++;
    Object.assign(c.symbol, {
      name: `SYM-${book}`,
      tickSize: 1,
      lotSize: 1,
      minPrice: 1,
      maxPrice: 100_000_000,
      maxQty: 1_000_000,
    });
    e.apply(c);
  }
  for (let i = 0; i < orders; i++) {
    const buy = i % 2 === 0;
    const depth = 1 + ((i * 7919) % LEVELS_PER_SIDE);
    c.clear();
    c.command = CommandCode.NewOrder;
    c.engineSeq = seq++;
    c.symbolId = (i >> 1) % BOOKS;
    c.orderId = i + 1;
    c.clientOrderId = i + 1;
    c.userId = 1 + (i % USERS);
    c.side = buy ? Side.Buy : Side.Sell;
    c.type = OrderType.Limit;
    c.priceTicks = buy ? MID - depth : MID + depth;
    c.qtyLots = 1 + (i % 50);
    e.apply(c);
    e.events.clear();
  }
  if (e.ordersLive !== orders) throw new Error(`book holds ${e.ordersLive} orders, wanted ${orders}`);
  return e;
}

/** The engine's selection: scan the slots ever used, then sort the user's by id. Returns how many. */
function selectByScan(e: Engine, user: number, out: Int32Array): number {
  let n = 0;
  for (let slot = 0; slot < e.slotsHighWater; slot++) {
    if (e.ordUser(slot) !== user) continue;
    const state = e.ordState(slot);
    if (state === RESTING || state === STOP) out[n++] = slot;
  }
  sortSlotsByKey(out, n, e.ordF, 3);
  return n;
}

/** The alternative: walk every level of every book, FIFO. Returns how many. */
function selectByWalk(e: Engine, user: number, out: Int32Array): number {
  let n = 0;
  for (let ladder = 0; ladder < e.booksCount * LADDERS_PER_BOOK; ladder++) {
    const base = ladder * e.sideMax;
    for (let row = e.ladLevelsCount[ladder]! - 1; row >= 0; row--) {
      for (let o = e.lvlHead(e.ladLevel(base + row)); o !== NIL; o = e.ordNext(o))
        if (e.ordUser(o) === user) out[n++] = o;
    }
  }
  return n;
}

interface Stats {
  p50: number;
  avg: number;
  max: number;
}

async function timeIt(fn: () => void): Promise<Stats> {
  const stats = await measure(fn, {
    min_samples: quick ? 5 : 20,
    max_samples: quick ? 5 : 50,
    min_cpu_time: 0,
    warmup_threshold: 0,
  });
  return { p50: stats.p50 / 1e6, avg: stats.avg / 1e6, max: stats.max / 1e6 };
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

interface CaseResult {
  restingOrders: number;
  ordersPerUser: number;
  selectScanMs: Stats;
  selectWalkMs: Stats;
  massCancel: {
    users: number;
    p50Ms: number;
    p99Ms: number;
    maxMs: number;
    nsPerCancelledOrder: number;
    oneSymbolP50Ms: number;
  };
}

async function runCase(orders: number): Promise<CaseResult> {
  const e = buildBook(orders);
  const scratch = new Int32Array(e.ordersMax);
  const scratch2 = new Int32Array(e.ordersMax);
  // Both ways find the same orders (the walk in book order, the scan in id order).
  const n1 = selectByScan(e, 7, scratch);
  const n2 = selectByWalk(e, 7, scratch2);
  const a = Array.from(scratch.subarray(0, n1)).sort((x, y) => x - y);
  const b = Array.from(scratch2.subarray(0, n2)).sort((x, y) => x - y);
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error("scan and walk disagree on the user's orders");
  let user = 1;
  const selectScanMs = await timeIt(() => void selectByScan(e, (user = (user % USERS) + 1), scratch));
  const selectWalkMs = await timeIt(() => void selectByWalk(e, (user = (user % USERS) + 1), scratch));

  const c = new CommandStruct();
  let cancelled = 0;
  e.events.onFull = (ev) => {
    for (let i = 0; i < ev.count; i++) if (ev.kind(i) === EventKind.Cancelled) cancelled++;
    ev.clear();
  };
  const massCancel = (u: number, oneSymbol: boolean): number => {
    c.clear();
    c.command = CommandCode.MassCancel;
    c.engineSeq = e.lastSeq + 1;
    c.userId = u;
    c.oneSymbol = oneSymbol;
    c.symbolId = 0;
    c.massSide = MassCancelSide.Both;
    c.cancelReason = CancelReason.Disconnect;
    const t0 = Bun.nanoseconds();
    e.apply(c);
    const t1 = Bun.nanoseconds();
    for (let i = 0; i < e.events.count; i++) if (e.events.kind(i) === EventKind.Cancelled) cancelled++;
    e.events.clear();
    return t1 - t0;
  };
  const oneSymbol: number[] = [];
  for (let u = 1; u <= (quick ? 10 : 50); u++) oneSymbol.push(massCancel(u, true) / 1e6);
  cancelled = 0;
  const users = quick ? 50 : 300;
  const times: number[] = [];
  for (let u = 1; u <= users; u++) times.push(massCancel(u, false) / 1e6);
  const sorted = [...times].sort((x, y) => x - y);
  const total = times.reduce((s, t) => s + t, 0);
  oneSymbol.sort((x, y) => x - y);
  return {
    restingOrders: orders,
    ordersPerUser: orders / USERS,
    selectScanMs,
    selectWalkMs,
    massCancel: {
      users,
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      maxMs: sorted.at(-1)!,
      nsPerCancelledOrder: (total * 1e6) / Math.max(1, cancelled),
      oneSymbolP50Ms: percentile(oneSymbol, 0.5),
    },
  };
}

async function main(): Promise<void> {
  const load = os.loadavg()[0]!;
  if (load > 0.5) console.log(`warning: load average ${load.toFixed(2)}; other processes disturb the figures`);
  const results: CaseResult[] = [];
  for (const orders of quick ? [100_000] : [100_000, 1_000_000]) {
    const r = await runCase(orders);
    results.push(r);
    console.log(
      `${orders} resting orders (${r.ordersPerUser} per user, ${BOOKS} books): select a user's orders: ` +
        `scan+sort p50 ${r.selectScanMs.p50.toFixed(2)} ms, ` +
        `walk p50 ${r.selectWalkMs.p50.toFixed(2)} ms; mass cancel (all symbols) ` +
        `p50 ${r.massCancel.p50Ms.toFixed(2)} ms p99 ${r.massCancel.p99Ms.toFixed(2)} ms ` +
        `max ${r.massCancel.maxMs.toFixed(2)} ms (${r.massCancel.nsPerCancelledOrder.toFixed(0)} ns per ` +
        `cancelled order, scan included); one symbol p50 ${r.massCancel.oneSymbolP50Ms.toFixed(2)} ms`,
    );
  }
  if (jsonPath !== undefined) {
    const doc = {
      date: new Date().toISOString(),
      quick,
      bun: Bun.version,
      loadAverage1m: load,
      cpu: os.cpus()[0]?.model ?? "unknown",
      results,
    };
    writeFileSync(jsonPath, `${JSON.stringify(doc, null, 2)}\n`);
    console.log(`wrote ${jsonPath}`);
  }
}

await main();
