// Tape generator, modelled on public matching-engine benchmark tapes: N new
// orders (1M by default) with their cancels, about 2N messages, for one of
// five price scenarios (scenarios.ts). Deterministic from (scenario, N, seed).
//
// Each step is a new order, a cancel of a uniformly random live order, or a
// modify of one (reduce, move or replace: see tape.ts). The cancel chance
// rises with the live count, so the book settles near liveTarget orders and
// most orders placed end cancelled. New orders: 90% passive GTC quotes at a
// power-law distance from the model mid, 5% GTC limits through the mid, 4% IOC
// limits through the opposite best, 1% small market orders, plus (flash crash)
// market sweeps. Order ids are a random permutation over [1, 2^40) (ids.ts).
//
// A ShadowBook (../shadow.ts) runs every message as it is written, so cancels
// and modifies hit live orders, sweeps are sized to the liquidity there, and
// the expected consensus digest and the book's peak sizes are known up front.
// Only features both books support are used: limit GTC/IOC, market, cancel,
// and modifies that map to exchange-core's REDUCE/MOVE or cancel + place.

import { Prng } from "../prng.ts";
import { ShadowBook } from "../shadow.ts";
import { type Digest, type DigestLevel, makeDigest, TradeFold } from "./digest.ts";
import { IdPermutation } from "./ids.ts";
import { type PricePath, pricePath, type ScenarioName, scenarioDescriptions, type Sweep } from "./scenarios.ts";
import {
  allocColumns,
  sliceColumns,
  type TapeColumns,
  TapeOp,
  tapeOpNames,
  TapeSide,
  TapeTif,
  TapeType,
} from "./tape.ts";

/** Symbol of every tape: tick and lot 1, a band wide enough for every scenario. */
export const TAPE_SPEC = {
  name: "TAPE-USD",
  tickSize: 1,
  lotSize: 1,
  minPrice: 1,
  maxPrice: 100_000_000,
  maxQty: 1_000_000_000,
} as const;

export interface TapeOptions {
  scenario: ScenarioName;
  /** New orders in the tape (the public tapes: 1,000,000). */
  orders: number;
  seed: number;
}

/** Capacities a book needs for this tape: the shadow's peaks with headroom. */
export interface TapeSizing {
  ordersMax: number;
  levelsMax: number;
  levelsPerSideMax: number;
}

export interface TapeStats {
  messages: number;
  /** Messages by op (new, cancel, reduce, move, replace). */
  ops: Record<string, number>;
  /** New orders by kind. */
  news: Record<string, number>;
  ordersLiveTarget: number;
  ordersLiveMax: number;
  ordersLiveEnd: number;
  bidLevelsMax: number;
  askLevelsMax: number;
  /** Most levels swept by one market sweep (flash crash). */
  sweepLevelsMax: number;
  lastTradePriceMin: number;
  lastTradePriceMax: number;
}

export interface Tape {
  readonly options: TapeOptions;
  readonly description: string;
  readonly columns: TapeColumns;
  readonly stats: TapeStats;
  readonly sizing: TapeSizing;
  /** What every book must produce (from the shadow book). */
  readonly expected: Digest;
}

const USERS = 1000;
const MODIFY_CHANCE = 0.05;
const CANCEL_CHANCE_MAX = 0.9;
const QUOTE_DISTANCE_MAX_TICKS = 5_000;
const SWEEP_LEVELS_MAX = 1_000;

/** Share of new orders of each kind (the rest are passive quotes). */
const NEW_MARKET = 0.01;
const NEW_IOC = 0.04;
const NEW_THROUGH = 0.05;

export function generateTape(options: TapeOptions): Tape {
  const { orders, seed, scenario } = options;
  if (!(Number.isInteger(orders) && orders >= 100 && orders <= 50_000_000))
    throw new Error(`orders ${orders} must be an integer in [100, 5e7]`);
  if (!Number.isInteger(seed)) throw new Error(`seed ${seed} must be an integer`);
  const g = new Generator(options);
  g.run();
  return g.finish();
}

class Generator {
  private readonly rng: Prng;
  private readonly path: PricePath;
  private readonly ids: IdPermutation;
  private readonly shadow = new ShadowBook();
  private readonly trades = new TradeFold();
  private readonly c: TapeColumns;
  private readonly capacity: number;
  private count = 0;
  /** Ids of GTC orders that may be live; ones filled since are pruned when drawn. */
  private readonly live: Float64Array;
  private liveCount = 0;
  private readonly liveTarget: number;
  private readonly ops: Record<string, number> = {};
  private readonly news: Record<string, number> = {};
  private sweepLevelsMax = 0;
  private lastMin = Number.MAX_SAFE_INTEGER;
  private lastMax = 0;

  constructor(private readonly options: TapeOptions) {
    const salt = [...options.scenario].reduce((h, ch) => Math.imul(h ^ ch.charCodeAt(0), 0x01000193), 0x811c9dc5);
    this.rng = new Prng((options.seed ^ salt) | 0);
    this.path = pricePath(options.scenario, this.rng);
    this.ids = new IdPermutation(options.seed ^ salt);
    // Cancels are at most one per order and modifies ~5% of all steps: 2.5 N bounds the tape.
    this.capacity = Math.ceil(options.orders * 2.5) + 1024;
    this.c = allocColumns(this.capacity, TAPE_SPEC.minPrice, TAPE_SPEC.maxPrice);
    this.live = new Float64Array(options.orders);
    this.liveTarget = Math.max(200, Math.round(options.orders * 0.02));
    this.shadow.onTrade = (makerId, price, qty) => this.trades.add(makerId, price, qty);
  }

  run(): void {
    const n = this.options.orders;
    for (let placed = 0; placed < n;) {
      const resting = this.shadow.orders.size;
      const r = this.rng.float();
      const cancelChance = Math.min(CANCEL_CHANCE_MAX, (0.475 * resting) / this.liveTarget);
      if (resting > 0 && r < MODIFY_CHANCE) {
        this.modifyRandom();
      } else if (resting > 0 && r < MODIFY_CHANCE + cancelChance) {
        this.cancelRandom();
      } else {
        this.newOrder(placed / n);
        placed++;
      }
      this.noteLastPrice();
    }
  }

  // ---- new orders ----

  private newOrder(k: number): void {
    const mid = this.path.mid(k);
    const sweep = this.path.sweep(k, this.rng);
    if (sweep !== null) {
      this.sweep(sweep);
      return;
    }
    const rng = this.rng;
    const side = rng.int(2);
    const r = rng.float();
    if (r < NEW_MARKET) {
      this.place("market", side, TapeType.Market, TapeTif.Ioc, 0, 1 + rng.int(20));
    } else if (r < NEW_MARKET + NEW_IOC) {
      const opposite = side === TapeSide.Buy ? this.shadow.bestAsk() : this.shadow.bestBid();
      const from = opposite !== 0 ? opposite : Math.round(mid);
      const through = rng.int(10);
      this.place(
        "limit_ioc",
        side,
        TapeType.Limit,
        TapeTif.Ioc,
        side === TapeSide.Buy ? from + through : from - through,
        lots(rng),
      );
    } else if (r < NEW_MARKET + NEW_IOC + NEW_THROUGH) {
      const through = rng.int(20);
      const m = Math.round(mid);
      this.place(
        "limit_gtc_through_mid",
        side,
        TapeType.Limit,
        TapeTif.Gtc,
        side === TapeSide.Buy ? m + through : m - through,
        lots(rng),
      );
    } else {
      // Not clamped to the book: when the mid has moved, a quote at the new mid takes the stale quotes in its way.
      const distance = Math.min(QUOTE_DISTANCE_MAX_TICKS, Math.floor(rng.pareto(3, 1.1)));
      const m = Math.round(mid);
      this.place(
        "limit_gtc_quote",
        side,
        TapeType.Limit,
        TapeTif.Gtc,
        side === TapeSide.Buy ? m - distance : m + distance,
        lots(rng),
      );
    }
  }

  /**
   * A market order sized to take every level up to the target (at most SWEEP_LEVELS_MAX), or a
   * small one when none is left.
   */
  private sweep(s: Sweep): void {
    const book = s.side === TapeSide.Sell ? this.shadow.bids : this.shadow.asks;
    let levels = 0;
    while (levels < SWEEP_LEVELS_MAX && levels < book.levelsCount()) {
      const p = book.priceAt(levels);
      if (s.side === TapeSide.Sell ? p < s.target : p > s.target) break;
      levels++;
    }
    const qty = levels === 0 ? 1 + this.rng.int(20) : book.qtyThrough(book.priceAt(levels - 1));
    if (levels > this.sweepLevelsMax) this.sweepLevelsMax = levels;
    this.place("market_sweep", s.side, TapeType.Market, TapeTif.Ioc, 0, qty);
  }

  private place(kind: string, side: number, type: number, tif: number, price: number, qty: number): void {
    const p = type === TapeType.Market ? 0 : Math.max(TAPE_SPEC.minPrice, Math.min(TAPE_SPEC.maxPrice, price));
    const id = this.ids.take();
    const user = 1 + this.rng.int(USERS);
    const i = this.row(TapeOp.New, id, user, p, qty);
    this.c.side[i] = side;
    this.c.type[i] = type;
    this.c.tif[i] = tif;
    this.news[kind] = (this.news[kind] ?? 0) + 1;
    const ok = this.shadow.newOrder(i, id, user, side, type, tif, false, p, qty, 0);
    if (!ok) throw new Error(`generator: shadow rejected new order ${id}`);
    if (this.shadow.isResting(id)) this.live[this.liveCount++] = id;
  }

  // ---- cancels and modifies of random live orders ----

  /** Index in `live` of a uniformly random live order; prunes filled ones on the way. */
  private drawLive(): number {
    for (;;) {
      if (this.liveCount === 0) throw new Error("generator: no live order to draw although the shadow has some");
      const j = this.rng.int(this.liveCount);
      if (this.shadow.isResting(this.live[j]!)) return j;
      this.live[j] = this.live[--this.liveCount]!;
    }
  }

  private cancelRandom(): void {
    const j = this.drawLive();
    const id = this.live[j]!;
    this.live[j] = this.live[--this.liveCount]!;
    const o = this.shadow.order(id)!;
    const i = this.row(TapeOp.Cancel, id, o.user, o.price, o.qty);
    this.c.side[i] = o.side;
    if (!this.shadow.cancel(id)) throw new Error(`generator: shadow rejected cancel ${id}`);
  }

  private modifyRandom(): void {
    const rng = this.rng;
    const id = this.live[this.drawLive()]!;
    const o = this.shadow.order(id)!;
    const remaining = o.qty;
    const r = rng.float();
    let op: number;
    let price = o.price;
    let qty = remaining;
    if (r < 0.4 && remaining >= 2) {
      op = TapeOp.Reduce;
      qty = 1 + rng.int(remaining - 1);
    } else if (r < 0.8) {
      op = TapeOp.Move;
      price = o.price + (rng.chance(0.5) ? 1 : -1) * (1 + rng.int(10));
    } else {
      op = TapeOp.Replace;
      price = o.price + rng.int(21) - 10;
      qty = lots(rng);
      // Same price and not larger would keep priority in ours but not in cancel + place:
      // that is a Reduce, not a Replace.
      if (price === o.price && qty <= remaining) qty = remaining + 1 + rng.int(10);
    }
    if (price < TAPE_SPEC.minPrice) price = o.price + 1;
    const i = this.row(op, id, o.user, price, qty);
    this.c.side[i] = o.side;
    this.c.aux[i] = op === TapeOp.Reduce ? remaining - qty : 0;
    if (!this.shadow.modify(i, id, price, qty)) throw new Error(`generator: shadow rejected modify ${id}`);
  }

  // ---- bookkeeping ----

  private row(op: number, id: number, user: number, price: number, qty: number): number {
    if (this.count === this.capacity) throw new Error(`tape capacity ${this.capacity} exceeded`);
    const i = this.count++;
    const c = this.c;
    c.op[i] = op;
    c.id[i] = id;
    c.user[i] = user;
    c.price[i] = price;
    c.qty[i] = qty;
    const name = tapeOpNames[op]!;
    this.ops[name] = (this.ops[name] ?? 0) + 1;
    return i;
  }

  private noteLastPrice(): void {
    const p = this.shadow.lastPrice;
    if (p === 0) return;
    if (p < this.lastMin) this.lastMin = p;
    if (p > this.lastMax) this.lastMax = p;
  }

  finish(): Tape {
    const s = this.shadow;
    if (s.rejectsCount !== 0) throw new Error(`generator wrote ${s.rejectsCount} messages a book would reject`);
    const stats: TapeStats = {
      messages: this.count,
      ops: this.ops,
      news: this.news,
      ordersLiveTarget: this.liveTarget,
      ordersLiveMax: s.ordersLiveMax,
      ordersLiveEnd: s.orders.size,
      bidLevelsMax: s.bidLevelsMax,
      askLevelsMax: s.askLevelsMax,
      sweepLevelsMax: this.sweepLevelsMax,
      lastTradePriceMin: this.lastMax === 0 ? 0 : this.lastMin,
      lastTradePriceMax: this.lastMax,
    };
    const sizing: TapeSizing = {
      ordersMax: Math.ceil(s.ordersLiveMax * 1.25) + 1024,
      levelsMax: Math.ceil(s.levelsMax * 1.25) + 1024,
      levelsPerSideMax: Math.ceil(Math.max(s.bidLevelsMax, s.askLevelsMax) * 1.25) + 512,
    };
    const o = this.options;
    return {
      options: { ...o },
      description: `${o.orders} new orders with cancels and modifies; ${scenarioDescriptions[o.scenario]}`,
      columns: sliceColumns(this.c, this.count),
      stats,
      sizing,
      expected: makeDigest(this.trades, shadowLevels(s, true), shadowLevels(s, false)),
    };
  }
}

/** Order size in lots: heavy-tailed, mostly under 20, capped. */
function lots(rng: Prng): number {
  return Math.min(1_000, Math.floor(rng.pareto(5, 1.5)));
}

function shadowLevels(s: ShadowBook, bids: boolean): DigestLevel[] {
  const side = bids ? s.bids : s.asks;
  const out: DigestLevel[] = [];
  for (let k = 0; k < side.levelsCount(); k++) {
    const price = side.priceAt(k);
    const level = side.levels.get(price)!;
    out.push({ price, qty: level.qty, count: level.liveCount });
  }
  return out;
}
