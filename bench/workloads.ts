// Deterministic benchmark workloads: each is one command stream for book 0,
// stored as typed-array columns (struct-of-arrays) allocated once at its
// declared capacity, so the drivers read primitives and never allocate.
// Commands [0, prefillCount) build the book and reach steady state (not
// timed); [prefillCount, count) are what the benchmarks measure.
//
// Every generator drives a ShadowBook (shadow.ts) while it writes, so cancels
// and modifies target orders that are really live at that point, takers are
// sized to the liquidity really there, and the expected trades, rejects and
// peak live orders and levels are known up front (the engine's capacities are
// sized from them).

import type { SymbolSpec } from "../src/engine/command.ts";
import { OrderType, Side, Stp, Tif } from "../src/engine/constants.ts";
import { Prng } from "./prng.ts";
import { ShadowBook } from "./shadow.ts";

export const Op = { New: 0, Cancel: 1, Modify: 2 } as const;

/** What a command does to the book; latency is also reported per class. */
export const Cls = { Place: 0, Take: 1, Cancel: 2, Modify: 3, Stop: 4 } as const;
export const clsNames = ["place", "take", "cancel", "modify", "stop"] as const;

/** Mid price at the start of every workload, in ticks (tick 1, so e.g. cents of a 10,000.00 quote). */
export const MID_START = 1_000_000;

export const SPEC: SymbolSpec = {
  name: "BTC-USD",
  tickSize: 1,
  lotSize: 1,
  minPrice: 1,
  maxPrice: 100_000_000,
  maxQty: 1_000_000_000,
};

export interface EngineSizing {
  ordersMax: number;
  levelsMax: number;
  levelsPerSideMax: number;
  symbolsMax: number;
  eventsMax: number;
}

export interface WorkloadStats {
  commands: number;
  prefillCommands: number;
  measuredCommands: number;
  /** Measured commands by class and order type. */
  mix: Record<string, number>;
  /** Trades, stop triggers and rejects the shadow book expects in the measured range. */
  tradesMeasured: number;
  triggeredMeasured: number;
  rejectsExpected: number;
  ordersLiveMax: number;
  ordersLiveEnd: number;
  stopsLiveMax: number;
  /** Most price levels at once, stop-price levels included (the engine counts both). */
  levelsMax: number;
  bidLevelsMax: number;
  askLevelsMax: number;
  stopLevelsPerSideMax: number;
  /** Of the GTC orders placed in the measured range, the share later cancelled by their owner. */
  cancelledShareOfPlaced: number;
  lastTradePriceMin: number;
  lastTradePriceMax: number;
}

export interface Workload {
  readonly name: string;
  readonly description: string;
  readonly spec: SymbolSpec;
  readonly sizing: EngineSizing;
  readonly count: number;
  readonly prefillCount: number;
  /** Largest order id used; ids are 1..idMax. */
  readonly idMax: number;
  /** Users are 1..usersCount. */
  readonly usersCount: number;
  readonly op: Uint8Array;
  readonly cls: Uint8Array;
  readonly side: Uint8Array;
  readonly type: Uint8Array;
  readonly tif: Uint8Array;
  readonly postOnly: Uint8Array;
  readonly stp: Uint8Array;
  readonly id: Float64Array;
  readonly user: Float64Array;
  readonly price: Int32Array;
  readonly qty: Float64Array;
  readonly stop: Int32Array;
  readonly stats: WorkloadStats;
}

export const workloadNames = ["deep", "cancel-heavy", "sweep", "flash-crash"] as const;
export type WorkloadName = (typeof workloadNames)[number];

export interface GenerateOptions {
  /** Multiplies every count (orders, commands, sweeps); 1 is the default full run. */
  scale: number;
  seed: number;
  /** Users are 1..users; with 1000 a taker rarely meets its own order (stp is `none` anyway). */
  users: number;
}

export function generate(name: WorkloadName, options: GenerateOptions): Workload {
  switch (name) {
    case "deep":
      return genDeep(options);
    case "cancel-heavy":
      return genCancelHeavy(options);
    case "sweep":
      return genSweep(options);
    case "flash-crash":
      return genFlashCrash(options);
  }
}

/** Writes commands into preallocated columns and applies each to the shadow book. */
class StreamBuilder {
  readonly shadow = new ShadowBook();
  readonly capacity: number;
  count = 0;
  prefillCount = -1;
  private idNext = 1;
  private readonly mix: Record<string, number> = {};
  private tradesAtPrefill = 0;
  private triggeredAtPrefill = 0;
  private placedMeasured = 0;
  private cancelledMeasured = 0;
  /** Orders with ids from here on were placed in the measured range (for the cancelled share). */
  private placedIdMin = Number.MAX_SAFE_INTEGER;
  lastPriceMin = Number.MAX_SAFE_INTEGER;
  lastPriceMax = 0;

  readonly op: Uint8Array;
  readonly cls: Uint8Array;
  readonly side: Uint8Array;
  readonly type: Uint8Array;
  readonly tif: Uint8Array;
  readonly postOnly: Uint8Array;
  readonly stp: Uint8Array;
  readonly id: Float64Array;
  readonly user: Float64Array;
  readonly price: Int32Array;
  readonly qty: Float64Array;
  readonly stop: Int32Array;

  constructor(capacity: number) {
    if (!(Number.isInteger(capacity) && capacity > 0)) throw new Error(`capacity ${capacity}`);
    this.capacity = capacity;
    this.op = new Uint8Array(capacity);
    this.cls = new Uint8Array(capacity);
    this.side = new Uint8Array(capacity);
    this.type = new Uint8Array(capacity);
    this.tif = new Uint8Array(capacity);
    this.postOnly = new Uint8Array(capacity);
    this.stp = new Uint8Array(capacity);
    this.id = new Float64Array(capacity);
    this.user = new Float64Array(capacity);
    this.price = new Int32Array(capacity);
    this.qty = new Float64Array(capacity);
    this.stop = new Int32Array(capacity);
  }

  get measuring(): boolean {
    return this.prefillCount >= 0;
  }

  full(): boolean {
    return this.count === this.capacity;
  }

  endPrefill(): void {
    if (this.measuring) throw new Error("prefill already ended");
    this.prefillCount = this.count;
    this.tradesAtPrefill = this.shadow.tradesCount;
    this.triggeredAtPrefill = this.shadow.triggeredCount;
    this.placedIdMin = this.idNext;
  }

  /** Places a new order and returns its id. */
  newOrder(
    user: number,
    side: number,
    type: number,
    tif: number,
    postOnly: boolean,
    price: number,
    qty: number,
    stop: number,
  ): number {
    const i = this.row();
    const id = this.idNext++;
    this.op[i] = Op.New;
    this.side[i] = side;
    this.type[i] = type;
    this.tif[i] = tif;
    this.postOnly[i] = postOnly ? 1 : 0;
    this.stp[i] = Stp.None;
    this.id[i] = id;
    this.user[i] = user;
    this.price[i] = price;
    this.qty[i] = qty;
    this.stop[i] = stop;
    const tradesBefore = this.shadow.tradesCount;
    this.shadow.newOrder(i, id, user, side, type, tif, postOnly, price, qty, stop);
    const isStop = type === OrderType.StopLimit || type === OrderType.StopMarket;
    const took = this.shadow.tradesCount > tradesBefore || type === OrderType.Market || tif !== Tif.Gtc;
    this.cls[i] = isStop ? Cls.Stop : took ? Cls.Take : Cls.Place;
    if (this.measuring) {
      const key = isStop
        ? type === OrderType.StopLimit
          ? "stop_limit"
          : "stop_market"
        : type === OrderType.Market
          ? "market"
          : tif === Tif.Ioc
            ? "limit_ioc"
            : took
              ? "limit_gtc_crossing"
              : "limit_gtc_passive";
      this.count1(key);
      if (type === OrderType.Limit && tif === Tif.Gtc) this.placedMeasured++;
    }
    this.noteLastPrice();
    return id;
  }

  cancel(id: number, user: number): void {
    const i = this.row();
    this.op[i] = Op.Cancel;
    this.cls[i] = Cls.Cancel;
    this.id[i] = id;
    this.user[i] = user;
    const wasResting = this.shadow.isResting(id);
    this.shadow.cancel(id);
    if (this.measuring) {
      this.count1("cancel");
      if (wasResting && id >= this.placedIdMin) this.cancelledMeasured++;
    }
  }

  modify(id: number, user: number, price: number, qty: number): void {
    const i = this.row();
    this.op[i] = Op.Modify;
    this.cls[i] = Cls.Modify;
    this.id[i] = id;
    this.user[i] = user;
    this.price[i] = price;
    this.qty[i] = qty;
    this.shadow.modify(i, id, price, qty);
    if (this.measuring) this.count1("modify");
    this.noteLastPrice();
  }

  finish(name: string, description: string, usersCount: number): Workload {
    if (!this.measuring) throw new Error("prefill never ended");
    const s = this.shadow;
    if (s.rejectsCount !== 0)
      throw new Error(`${name}: the generator wrote ${s.rejectsCount} commands the engine would reject`);
    const stats: WorkloadStats = {
      commands: this.count,
      prefillCommands: this.prefillCount,
      measuredCommands: this.count - this.prefillCount,
      mix: this.mix,
      tradesMeasured: s.tradesCount - this.tradesAtPrefill,
      triggeredMeasured: s.triggeredCount - this.triggeredAtPrefill,
      rejectsExpected: s.rejectsCount,
      ordersLiveMax: s.ordersLiveMax,
      ordersLiveEnd: s.orders.size,
      stopsLiveMax: s.stopsLiveMax,
      levelsMax: s.levelsMax,
      bidLevelsMax: s.bidLevelsMax,
      askLevelsMax: s.askLevelsMax,
      stopLevelsPerSideMax: s.stopLevelsPerSideMax,
      cancelledShareOfPlaced: this.placedMeasured === 0 ? 0 : this.cancelledMeasured / this.placedMeasured,
      lastTradePriceMin: this.lastPriceMax === 0 ? 0 : this.lastPriceMin,
      lastTradePriceMax: this.lastPriceMax,
    };
    // Capacities with headroom over the peaks the shadow saw; no workload should ever see capacity_full.
    const sizing: EngineSizing = {
      ordersMax: Math.ceil(s.ordersLiveMax * 1.25) + 1024,
      levelsMax: Math.ceil(s.levelsMax * 1.25) + 1024,
      levelsPerSideMax: Math.ceil(Math.max(s.bidLevelsMax, s.askLevelsMax, s.stopLevelsPerSideMax) * 1.25) + 512,
      symbolsMax: 1,
      eventsMax: 1 << 16,
    };
    return {
      name,
      description,
      spec: SPEC,
      sizing,
      count: this.count,
      prefillCount: this.prefillCount,
      idMax: this.idNext - 1,
      usersCount,
      op: this.op,
      cls: this.cls,
      side: this.side,
      type: this.type,
      tif: this.tif,
      postOnly: this.postOnly,
      stp: this.stp,
      id: this.id,
      user: this.user,
      price: this.price,
      qty: this.qty,
      stop: this.stop,
      stats,
    };
  }

  private row(): number {
    if (this.count === this.capacity) throw new Error(`stream capacity ${this.capacity} exceeded`);
    return this.count++;
  }

  private count1(key: string): void {
    this.mix[key] = (this.mix[key] ?? 0) + 1;
  }

  private noteLastPrice(): void {
    const p = this.shadow.lastPrice;
    if (!this.measuring || p === 0) return;
    if (p < this.lastPriceMin) this.lastPriceMin = p;
    if (p > this.lastPriceMax) this.lastPriceMax = p;
  }
}

/** Order size in lots: heavy-tailed, mostly tens of lots, capped. */
function lots(rng: Prng): number {
  return Math.min(2_000, Math.floor(rng.pareto(10, 1.6)));
}

function user(rng: Prng, options: GenerateOptions): number {
  return rng.range(1, options.users);
}

function scaled(n: number, scale: number, min: number): number {
  return Math.max(min, Math.round(n * scale));
}

// ---------------------------------------------------------------------------
// (a) deep: non-crossing limit orders placed at random depths into a deep book.

function genDeep(options: GenerateOptions): Workload {
  const rng = new Prng(options.seed ^ 0xdee9);
  const prefillOrders = scaled(300_000, options.scale, 2_000);
  const levelsPerSide = scaled(3_000, options.scale, 100);
  const placements = scaled(300_000, options.scale, 2_000);
  const b = new StreamBuilder(prefillOrders + placements);
  for (let i = 0; i < prefillOrders; i++) {
    placeAtDepth(b, rng, options, i & 1, rng.range(1, levelsPerSide));
  }
  b.endPrefill();
  // One placement in ten lands beyond the prefilled depth, opening a new level.
  const depthMax = Math.round(levelsPerSide * 1.1);
  for (let i = 0; i < placements; i++) {
    placeAtDepth(b, rng, options, rng.int(2), rng.range(1, depthMax));
  }
  const desc =
    `${prefillOrders} resting orders over ${2 * levelsPerSide} levels, then ${placements} ` +
    `non-crossing GTC limits at uniform random depth 1..${depthMax} ticks from the mid`;
  return b.finish("deep", desc, options.users);
}

function placeAtDepth(b: StreamBuilder, rng: Prng, options: GenerateOptions, side: number, depth: number): void {
  const price = side === Side.Buy ? MID_START - depth : MID_START + depth;
  b.newOrder(user(rng, options), side, OrderType.Limit, Tif.Gtc, false, price, lots(rng), 0);
}

// ---------------------------------------------------------------------------
// Market makers: passive quotes at a power-law distance from a mid, cancels
// (half of them among the most recent quotes, as quoting algorithms do),
// in-place and repricing modifies, and small IOC takers. Shared by
// cancel-heavy and flash-crash.

class MarketMakers {
  /** Ids of GTC orders that may still be live; dead ones are pruned when drawn. */
  private readonly ids: number[] = [];
  private readonly b: StreamBuilder;
  private readonly rng: Prng;
  private readonly options: GenerateOptions;
  /** Largest quote distance from the mid, in ticks. */
  distanceMax: number;

  constructor(b: StreamBuilder, rng: Prng, options: GenerateOptions, distanceMax: number) {
    this.b = b;
    this.rng = rng;
    this.options = options;
    this.distanceMax = distanceMax;
  }

  liveCount(): number {
    return this.b.shadow.orders.size - this.b.shadow.stopsCount();
  }

  /** A passive GTC limit at a power-law distance from `mid` (quoteDistance), clamped so it never crosses. */
  quote(mid: number, side: number): void {
    const rng = this.rng;
    const s = this.b.shadow;
    const distance = Math.min(this.distanceMax, quoteDistance(rng));
    let price: number;
    if (side === Side.Buy) {
      price = mid - distance;
      const ask = s.bestAsk();
      if (ask !== 0 && price >= ask) price = ask - 1;
    } else {
      price = mid + distance;
      const bid = s.bestBid();
      if (bid !== 0 && price <= bid) price = bid + 1;
    }
    if (price < 1) price = 1;
    const postOnly = rng.chance(0.3);
    this.ids.push(
      this.b.newOrder(user(rng, this.options), side, OrderType.Limit, Tif.Gtc, postOnly, price, lots(rng), 0),
    );
  }

  /** A small IOC limit a few ticks through the opposite best; false when that side is empty. */
  ioc(side: number): boolean {
    const s = this.b.shadow;
    const rng = this.rng;
    const best = side === Side.Buy ? s.bestAsk() : s.bestBid();
    if (best === 0) return false;
    const price = side === Side.Buy ? best + rng.int(3) : Math.max(1, best - rng.int(3));
    // Takers are smaller than quotes, so most quotes end cancelled rather than filled.
    const qty = Math.max(1, Math.floor(lots(rng) / 2));
    this.b.newOrder(user(rng, this.options), side, OrderType.Limit, Tif.Ioc, false, price, qty, 0);
    return true;
  }

  /** Cancels a live quote: half the time a recent one, else a uniformly drawn one. Returns false if none. */
  cancel(): boolean {
    const id = this.rng.chance(0.5) ? this.drawRecent() : this.draw();
    if (id === 0) return false;
    this.b.cancel(id, this.b.shadow.order(id)!.user);
    return true;
  }

  /** Cancels the live quote farthest from `mid` among a few drawn: makers pulling stale quotes. */
  cancelStale(mid: number, draws: number): boolean {
    let bestId = 0;
    let bestDistance = -1;
    for (let i = 0; i < draws; i++) {
      const id = this.draw();
      if (id === 0) break;
      const d = Math.abs(this.b.shadow.order(id)!.price - mid);
      if (d > bestDistance) {
        bestDistance = d;
        bestId = id;
      }
    }
    if (bestId === 0) return false;
    this.b.cancel(bestId, this.b.shadow.order(bestId)!.user);
    return true;
  }

  /** Modifies a live quote: shrink in place (keeps priority) or reprice a few ticks without crossing. */
  modify(): boolean {
    const id = this.draw();
    if (id === 0) return false;
    const s = this.b.shadow;
    const o = s.order(id)!;
    const rng = this.rng;
    if (o.qty > 1 && rng.chance(0.4)) {
      const qty = Math.max(1, Math.floor(o.qty * (0.3 + 0.6 * rng.float())));
      this.b.modify(id, o.user, o.price, qty);
      return true;
    }
    let price = o.price + (rng.chance(0.5) ? 1 : -1) * rng.range(1, 3);
    if (o.side === Side.Buy) {
      const ask = s.bestAsk();
      if (ask !== 0 && price >= ask) price = ask - 1;
    } else {
      const bid = s.bestBid();
      if (bid !== 0 && price <= bid) price = bid + 1;
    }
    if (price < 1) price = 1;
    const qty = rng.chance(0.5) ? o.qty : lots(rng);
    this.b.modify(id, o.user, price, qty);
    return true;
  }

  /** A uniformly drawn live quote id, or 0 when there is none. */
  private draw(): number {
    const ids = this.ids;
    while (ids.length > 0) {
      const i = this.rng.int(ids.length);
      const id = ids[i]!;
      if (this.b.shadow.isResting(id)) return id;
      ids[i] = ids[ids.length - 1]!;
      ids.pop();
    }
    return 0;
  }

  private drawRecent(): number {
    const ids = this.ids;
    while (ids.length > 0) {
      const i = ids.length - 1 - this.rng.int(Math.min(64, ids.length));
      const id = ids[i]!;
      if (this.b.shadow.isResting(id)) return id;
      ids[i] = ids[ids.length - 1]!;
      ids.pop();
    }
    return 0;
  }
}

/**
 * Ticks from the mid to a quote: 1 + Lomax(scale 100, shape 1.5), a power law
 * (Pareto type II) that puts ~1.5% of quotes at the touch, half within 60
 * ticks and ~3% beyond 1000, like the depth profile of a liquid book. A plain
 * Pareto from 1 tick would stack half of all quotes on the touch.
 */
function quoteDistance(rng: Prng): number {
  const scale = 100;
  return 1 + Math.floor(rng.pareto(scale, 1.5) - scale);
}

/** Steady-state mix shared by cancel-heavy and the calm phases of flash-crash. */
function steadyStep(
  mm: MarketMakers,
  rng: Prng,
  mid: number,
  liveTarget: number,
  iocShare: number,
  modifyShare: number,
): void {
  const r = rng.float();
  if (r < iocShare && mm.ioc(rng.int(2))) return;
  if (r >= iocShare && r < iocShare + modifyShare && mm.modify()) return;
  if (mm.liveCount() < liveTarget || !mm.cancel()) mm.quote(mid, rng.int(2));
}

/** A slow random walk pulled back toward `anchor`, so long runs stay in a bounded band. */
function walk(rng: Prng, mid: number, anchor: number, stepChance: number): number {
  if (!rng.chance(stepChance)) return mid;
  const upChance = Math.min(0.9, Math.max(0.1, 0.5 + (anchor - mid) / 4_000));
  return mid + (rng.chance(upChance) ? 1 : -1);
}

// ---------------------------------------------------------------------------
// (b) cancel-heavy: quotes around a slowly moving mid, most cancelled, ~20%
// modifies, ~15% IOC takers, live orders held near a target.

function genCancelHeavy(options: GenerateOptions): Workload {
  const rng = new Prng(options.seed ^ 0xca9c);
  const liveTarget = scaled(20_000, options.scale, 1_000);
  const warmup = scaled(200_000, options.scale, 5_000);
  const measured = scaled(1_000_000, options.scale, 10_000);
  const b = new StreamBuilder(liveTarget + warmup + measured);
  const mm = new MarketMakers(b, rng, options, 5_000);
  let mid = MID_START;
  while (mm.liveCount() < liveTarget) mm.quote(mid, rng.int(2));
  for (let i = 0; i < warmup; i++) {
    mid = walk(rng, mid, MID_START, 0.05);
    steadyStep(mm, rng, mid, liveTarget, 0.15, 0.2);
  }
  b.endPrefill();
  for (let i = 0; i < measured; i++) {
    mid = walk(rng, mid, MID_START, 0.05);
    steadyStep(mm, rng, mid, liveTarget, 0.15, 0.2);
  }
  const desc =
    `~${liveTarget} live quotes at 1 + Lomax(100, 1.5) ticks (max 5000) from a slowly walking mid; ` +
    `${measured} commands: 15% IOC takers, 20% modifies, the rest quotes and cancels`;
  return b.finish("cancel-heavy", desc, options.users);
}

// ---------------------------------------------------------------------------
// (c) sweep: large takers through 50..500 levels, the swept side refilled after each.

function genSweep(options: GenerateOptions): Workload {
  const rng = new Prng(options.seed ^ 0x5eee);
  const levelsPerSide = 1_000;
  const perLevelMin = 2;
  const perLevelMax = 8;
  const sweepLevelsMin = 50;
  const sweepLevelsMax = 500;
  const sweeps = scaled(400, options.scale, 10);
  const capacity = 2 * levelsPerSide * perLevelMax + sweeps * (1 + sweepLevelsMax * perLevelMax);
  const b = new StreamBuilder(capacity);
  const refill = (side: number, depthFrom: number, depthTo: number): void => {
    for (let depth = depthFrom; depth <= depthTo; depth++) {
      const n = rng.range(perLevelMin, perLevelMax);
      const price = side === Side.Buy ? MID_START - depth : MID_START + depth;
      for (let k = 0; k < n; k++) {
        b.newOrder(user(rng, options), side, OrderType.Limit, Tif.Gtc, false, price, lots(rng), 0);
      }
    }
  };
  refill(Side.Buy, 1, levelsPerSide);
  refill(Side.Sell, 1, levelsPerSide);
  b.endPrefill();
  const s = b.shadow;
  for (let i = 0; i < sweeps; i++) {
    const takerSide = i & 1 ? Side.Sell : Side.Buy;
    const makers = takerSide === Side.Buy ? s.asks : s.bids;
    const levels = Math.min(makers.levelsCount(), rng.range(sweepLevelsMin, sweepLevelsMax));
    const lastPrice = makers.priceAt(levels - 1);
    const qty = makers.qtyThrough(lastPrice);
    const u = user(rng, options);
    if (rng.chance(0.5)) {
      // A market order sized to empty exactly `levels` levels.
      b.newOrder(u, takerSide, OrderType.Market, Tif.Ioc, false, 0, qty, 0);
    } else {
      // An IOC limit at the last level's price, oversized: the rest is cancelled.
      b.newOrder(u, takerSide, OrderType.Limit, Tif.Ioc, false, lastPrice, qty + rng.range(1, 100), 0);
    }
    refill(takerSide === Side.Buy ? Side.Sell : Side.Buy, 1, levels);
  }
  const desc =
    `${levelsPerSide} levels a side of ${perLevelMin}..${perLevelMax} orders; ${sweeps} takers (market or IOC limit) ` +
    `each emptying ${sweepLevelsMin}..${sweepLevelsMax} levels, the swept levels re-quoted after each`;
  return b.finish("sweep", desc, options.users);
}

// ---------------------------------------------------------------------------
// (d) flash-crash: calm quoting with stop orders resting on both sides, then
// market sells drive the mid down `drop` of its value (triggering the sell
// stops, which sell more), makers pull stale quotes and re-quote lower, then
// market buys carry it back up (triggering buy stops), and calm again.

function genFlashCrash(options: GenerateOptions): Workload {
  const liveTarget = scaled(20_000, options.scale, 1_000);
  const calm = scaled(60_000, options.scale, 2_000);
  const crash = scaled(10_000, options.scale, 1_000);
  const recovery = scaled(30_000, options.scale, 1_000);
  const warmup = scaled(50_000, options.scale, 2_000);
  const cycles = 2;
  const drop = 0.35;
  const b = new StreamBuilder(liveTarget + 64 + warmup + cycles * (calm + crash + recovery) + calm);
  const f = new FlashCrash(b, new Prng(options.seed ^ 0xf1a5), options, liveTarget, scaled(3_000, options.scale, 200));
  f.quoteUpTo(liveTarget);
  for (let i = 0; i < warmup; i++) f.calmStep();
  b.endPrefill();
  for (let c = 0; c < cycles; c++) {
    for (let i = 0; i < calm; i++) f.calmStep();
    const top = f.mid;
    const bottom = Math.round(top * (1 - drop));
    for (let i = 0; i < crash; i++) f.pushStep(Math.round(top - ((top - bottom) * (i + 1)) / crash), Side.Sell);
    // Recover from wherever the cascade left the price (below `bottom` when stops overshoot) to 95% of the top.
    const back = Math.round(top * 0.95);
    const low = b.shadow.lastPrice === 0 ? bottom : Math.min(bottom, b.shadow.lastPrice);
    for (let i = 0; i < recovery; i++) f.pushStep(Math.round(low + ((back - low) * (i + 1)) / recovery), Side.Buy);
    f.anchor = back;
  }
  for (let i = 0; i < calm; i++) f.calmStep();
  const desc =
    `~${liveTarget} live quotes and up to ${f.stopsTarget} stops; ${cycles} cycles of calm ${calm}, ` +
    `crash ${crash} (mid -${Math.round(drop * 100)}% by market sells, sell stops cascading), ` +
    `recovery ${recovery} to 95%`;
  return b.finish("flash-crash", desc, options.users);
}

/** The steps of the flash-crash stream: calm quoting with stops, and pushes of the price toward a target. */
class FlashCrash {
  private readonly b: StreamBuilder;
  private readonly rng: Prng;
  private readonly options: GenerateOptions;
  private readonly mm: MarketMakers;
  private readonly liveTarget: number;
  readonly stopsTarget: number;
  /** Where the calm random walk is pulled back to. */
  anchor = MID_START;
  mid = MID_START;

  constructor(b: StreamBuilder, rng: Prng, options: GenerateOptions, liveTarget: number, stopsTarget: number) {
    this.b = b;
    this.rng = rng;
    this.options = options;
    this.liveTarget = liveTarget;
    this.stopsTarget = stopsTarget;
    // Quotes reach up to 3% of the price from the mid; the crash travels ten times that.
    this.mm = new MarketMakers(b, rng, options, Math.round(MID_START * 0.03));
  }

  quoteUpTo(live: number): void {
    while (this.mm.liveCount() < live) this.mm.quote(this.mid, this.rng.int(2));
  }

  calmStep(): void {
    this.mid = walk(this.rng, this.mid, this.anchor, 0.05);
    if (this.rng.chance(0.03)) this.stopStep();
    else steadyStep(this.mm, this.rng, this.mid, this.liveTarget, 0.12, 0.1);
  }

  /**
   * Drives the price toward `target`: market orders sized to the liquidity in between, makers pulling
   * stale quotes and re-quoting.
   */
  pushStep(target: number, takerSide: number): void {
    const { b, rng, mm } = this;
    this.mid = target;
    const r = rng.float();
    if (r < 0.25) {
      const makers = takerSide === Side.Sell ? b.shadow.bids : b.shadow.asks;
      const qty = Math.min(5_000, Math.max(20, makers.qtyThrough(target)));
      b.newOrder(user(rng, this.options), takerSide, OrderType.Market, Tif.Ioc, false, 0, qty, 0);
    } else if (r < 0.55) {
      if (!mm.cancelStale(target, 4)) mm.quote(target, rng.int(2));
    } else if (r < 0.95) {
      if (mm.liveCount() < this.liveTarget * 1.2) mm.quote(target, rng.int(2));
      else mm.cancelStale(target, 4);
    } else if (rng.chance(0.5)) {
      this.stopStep();
    } else if (!mm.ioc(takerSide === Side.Sell ? Side.Buy : Side.Sell)) {
      mm.quote(target, rng.int(2));
    }
  }

  /** Places a stop-loss (or, at the stop target, cancels a random stop). */
  private stopStep(): void {
    const { b, rng } = this;
    const s = b.shadow;
    const u = user(rng, this.options);
    if (s.stopsCount() >= this.stopsTarget) {
      const list = rng.chance(0.5) ? s.buyStops : s.sellStops;
      if (list.length > 0) {
        const o = list[rng.int(list.length)]!;
        b.cancel(o.id, o.user);
        return;
      }
    }
    const last = s.lastPrice === 0 ? this.mid : s.lastPrice;
    const market = rng.chance(0.8);
    const type = market ? OrderType.StopMarket : OrderType.StopLimit;
    if (rng.chance(0.7)) {
      // Stop-loss sells 1%..45% below the last price: the crash will reach many of them.
      const stop = Math.max(2, Math.round(last * (1 - 0.01 - 0.44 * rng.float())));
      const price = market ? 0 : Math.max(1, stop - rng.range(1, Math.round(stop * 0.01)));
      b.newOrder(u, Side.Sell, type, Tif.Gtc, false, price, lots(rng), stop);
    } else {
      // Stop-loss buys (short covers) 0.5%..5% above the last price.
      const stop = Math.round(last * (1 + 0.005 + 0.045 * rng.float()));
      const price = market ? 0 : stop + rng.range(1, Math.round(stop * 0.01));
      b.newOrder(u, Side.Buy, type, Tif.Gtc, false, price, lots(rng), stop);
    }
  }
}
