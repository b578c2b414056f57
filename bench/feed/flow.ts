// The order flow the feed benchmark drives through the sequencer: per symbol
// a market maker that keeps about `levels` quotes a side around a drifting
// mid and replaces one at a time (a cancel and a new limit: book updates), and
// now and then an IOC taker that crosses a few levels (trades). Commands are
// generated once into plain arrays, so replaying them costs the same with and
// without the feed attached.

import { measure } from "mitata";
import type { SymbolSpec } from "../../src/engine/command.ts";
import { OrderType, Side, Tif } from "../../src/engine/constants.ts";
import { OrderFields } from "../../src/protocol/index.ts";
import { Sequencer } from "../../src/sequencer/sequencer.ts";
import { Prng } from "../prng.ts";

export const benchSymbols: readonly SymbolSpec[] = [
  { name: "BTC-USD", tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 10_000_000, maxQty: 1_000_000 },
  { name: "ETH-USD", tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 10_000_000, maxQty: 1_000_000 },
  { name: "SOL-USD", tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 10_000_000, maxQty: 1_000_000 },
];

export const benchEngineConfig = {
  ordersMax: 1 << 18,
  levelsMax: 1 << 14,
  levelsPerSideMax: 1 << 12,
  symbolsMax: 4,
  eventsMax: 1 << 12,
};

const Kind = { New: 1, Cancel: 2 } as const;

/** A command stream in columns. */
export class CommandList {
  readonly kind: Uint8Array;
  readonly symbol: Uint8Array;
  readonly side: Uint8Array;
  readonly tif: Uint8Array;
  readonly price: Int32Array;
  readonly qty: Float64Array;
  /** Cancel: the order id (as the sequencer numbers orders, from 1). */
  readonly orderId: Float64Array;
  /** The user who sends the command (a cancel: the order's owner). */
  readonly user: Uint8Array;
  count = 0;
  constructor(readonly capacity: number) {
    this.kind = new Uint8Array(capacity);
    this.symbol = new Uint8Array(capacity);
    this.side = new Uint8Array(capacity);
    this.tif = new Uint8Array(capacity);
    this.price = new Int32Array(capacity);
    this.qty = new Float64Array(capacity);
    this.orderId = new Float64Array(capacity);
    this.user = new Uint8Array(capacity);
  }
}

/**
 * `count` commands; `busy` is the share of commands on symbol 0 (the rest
 * spread over the others). Order ids follow the sequencer's numbering: new
 * orders get 1, 2, 3, ... in stream order.
 */
export function generateFlow(seed: number, count: number, busy: number, levels = 20, takerShare = 0.08): CommandList {
  const rng = new Prng(seed);
  const list = new CommandList(count);
  const mids = benchSymbols.map(() => 100_000);
  // Live quotes per symbol and side: order ids, oldest first.
  const quotes = benchSymbols.map(() => [[], []] as number[][]);
  const owner = new Map<number, number>();
  let nextOrderId = 1;
  for (let i = 0; i < count; i++) {
    const s = rng.chance(busy) ? 0 : 1 + rng.int(benchSymbols.length - 1);
    if (rng.chance(0.01)) mids[s] = mids[s]! + rng.range(-1, 1);
    const side = rng.int(2);
    const q = quotes[s]![side]!;
    list.symbol[i] = s;
    list.side[i] = side;
    list.user[i] = 1 + (i & 7);
    if (rng.chance(takerShare)) {
      // An IOC taker through a few levels of the other side.
      list.kind[i] = Kind.New;
      list.tif[i] = Tif.Ioc;
      list.price[i] = mids[s]! + (side === Side.Buy ? 3 : -3);
      list.qty[i] = rng.range(1, 30);
      nextOrderId++;
    } else if (q.length >= levels && rng.chance(0.5)) {
      list.kind[i] = Kind.Cancel;
      list.orderId[i] = q.splice(rng.int(q.length), 1)[0]!;
      list.user[i] = owner.get(list.orderId[i]!)!;
      owner.delete(list.orderId[i]!);
    } else {
      list.kind[i] = Kind.New;
      list.tif[i] = Tif.Gtc;
      const off = 1 + rng.int(levels);
      list.price[i] = mids[s]! + (side === Side.Buy ? -off : off);
      list.qty[i] = rng.range(1, 20);
      owner.set(nextOrderId, list.user[i]!);
      q.push(nextOrderId++);
    }
    list.count++;
  }
  return list;
}

const fields = new OrderFields();

/** Submits command `i` of the list with receive time `nowNs`. */
export function submitOne(seq: Sequencer, list: CommandList, i: number, nowNs: number): void {
  fields.clearOrder();
  fields.symbolId = list.symbol[i]!;
  const user = list.user[i]!;
  if (list.kind[i] === Kind.Cancel) {
    // An order a taker filled meanwhile is gone: its cancel is a harmless reject.
    seq.submitCancel(user, 1, i, list.orderId[i]!, fields, nowNs);
    return;
  }
  fields.side = list.side[i]!;
  fields.type = OrderType.Limit;
  fields.tif = list.tif[i]!;
  fields.priceTicks = list.price[i]!;
  fields.qtyLots = list.qty[i]!;
  fields.clientOrderId = i;
  seq.submitNew(user, 1, i, fields, nowNs);
}

/** A fresh sequencer (no log: durable at each flush) with the bench symbols defined. */
export function benchSequencer(): Sequencer {
  const seq = new Sequencer(benchEngineConfig, null);
  for (const s of benchSymbols) {
    const e = seq.defineSymbol(s, wallNs());
    if (e !== null) throw new Error(e);
  }
  seq.flush();
  return seq;
}

/** Wall-clock time in ns (what the sequencer stamps; clients compare their receive time with it). */
export function wallNs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1e6);
}

/**
 * Submits commands [0, commands) of `list` in chunks of `chunk`, back to back
 * on this (the matching) thread, each chunk one mitata sample (then a flush);
 * returns mitata's statistics of a chunk's time (ns). Throws if mitata ran
 * the chunks other than once each.
 */
export async function timeChunks(
  seq: Sequencer,
  list: CommandList,
  commands: number,
  chunk: number,
): Promise<{ p50: number; avg: number }> {
  let next = 0;
  const stats = await measure(
    () => {
      const end = next + chunk;
      const ns = wallNs();
      for (let i = next; i < end; i++) submitOne(seq, list, i, ns);
      seq.flush();
      next = end;
    },
    // One call more than the samples: mitata runs the function once before it counts.
    {
      min_samples: commands / chunk - 1,
      max_samples: commands / chunk - 1,
      min_cpu_time: 0,
      gc: false,
      warmup_threshold: 0,
      batch_unroll: 1,
      batch_samples: 0,
    },
  );
  if (next !== commands) throw new Error(`ran ${next} of ${commands} commands (mitata batched the chunks)`);
  return { p50: stats.p50, avg: stats.avg };
}
