// Seeded random order flow through the real sequencer (and so the real
// engine): limit, IOC, FOK, market and stop orders around a drifting mid per
// symbol, post-only and every self-trade mode among a few users, cancels and
// modifies (in place and repricing) of recent ids, and now and then a command
// the engine rejects. The same seed gives the same commands.

import type { SymbolSpec } from "../../src/engine/command.ts";
import { OrderType, Side, Stp, Tif } from "../../src/engine/constants.ts";
import { OrderFields } from "../../src/protocol/index.ts";
import type { Sequencer } from "../../src/sequencer/sequencer.ts";
import { Rng } from "../engine/random-commands.ts";

export const flowSymbols: readonly SymbolSpec[] = [
  { name: "BTC-USD", tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 10_000_000, maxQty: 1_000_000 },
  { name: "ETH-USD", tickSize: 5, lotSize: 10, minPrice: 5, maxPrice: 1_000_000, maxQty: 100_000 },
  { name: "SOL-USD", tickSize: 1, lotSize: 100, minPrice: 1, maxPrice: 100_000, maxQty: 10_000_000 },
];

/** 2026-01-01T00:00:00Z: the flow's clock starts here unless told otherwise. */
const startNsDefault = 1_767_225_600_000_000_000;

export interface FlowClock {
  startNs: number;
  /** Each command's receive time is the previous one's plus 1 ns .. this. */
  stepNsMax: number;
}

export class OrderFlow {
  readonly rng: Rng;
  private readonly seq: Sequencer;
  private readonly o = new OrderFields();
  private readonly mids: number[];
  private readonly ids: number[] = [];
  private readonly users: number;
  private clockNs: number;
  private readonly stepNsMax: number;
  commands = 0;

  constructor(
    seed: number,
    sequencer: Sequencer,
    users = 4,
    clock: FlowClock = { startNs: startNsDefault, stepNsMax: 3_000_000 },
  ) {
    this.rng = new Rng(seed);
    this.clockNs = clock.startNs;
    this.stepNsMax = clock.stepNsMax;
    this.seq = sequencer;
    this.users = users;
    this.mids = flowSymbols.map((s, i) => [50_000, 3_000, 150][i]! - (([50_000, 3_000, 150][i]! % s.tickSize) | 0));
  }

  /** Defines the flow's symbols (once, on a fresh sequencer). */
  defineSymbols(): void {
    for (const s of flowSymbols) {
      const error = this.seq.defineSymbol(s, this.clockNs);
      if (error !== null) throw new Error(`symbol ${s.name}: ${error}`);
    }
  }

  /** Submits `n` random commands (each a whole engine command with its events). */
  run(n: number): void {
    for (let i = 0; i < n; i++) this.step();
  }

  step(): void {
    const r = this.rng;
    this.clockNs += r.range(1, this.stepNsMax);
    this.commands++;
    const book = r.int(flowSymbols.length);
    const spec = flowSymbols[book]!;
    if (r.chance(0.2))
      this.mids[book] = Math.max(spec.tickSize * 20, this.mids[book]! + r.range(-3, 3) * spec.tickSize);
    const user = 1 + r.int(this.users);
    const x = r.float();
    if (x < 0.15 && this.ids.length > 0) return this.cancel(book, user);
    if (x < 0.27 && this.ids.length > 0) return this.modify(book, user);
    this.newOrder(book, user, x);
  }

  private price(book: number, side: number, spread: number): number {
    const spec = flowSymbols[book]!;
    const off = this.rng.range(-2, spread) * spec.tickSize;
    return Math.max(spec.tickSize, this.mids[book]! + (side === Side.Buy ? -off : off));
  }

  private qty(book: number): number {
    return flowSymbols[book]!.lotSize * this.rng.range(1, 12);
  }

  private newOrder(book: number, user: number, x: number): void {
    const r = this.rng;
    const o = this.o;
    o.clearOrder();
    o.symbolId = book;
    o.side = r.int(2);
    o.clientOrderId = this.commands;
    o.qtyLots = this.qty(book);
    o.priceTicks = this.price(book, o.side, 12);
    o.type = OrderType.Limit;
    o.tif = Tif.Gtc;
    o.stp = r.chance(0.3) ? r.range(Stp.None, Stp.Decrement) : Stp.None;
    if (x < 0.75) o.postOnly = r.chance(0.1);
    else if (x < 0.83) o.tif = Tif.Ioc;
    else if (x < 0.86) o.tif = Tif.Fok;
    else if (x < 0.92) {
      o.type = OrderType.Market;
      o.priceTicks = r.chance(0.5) ? 0 : this.price(book, 1 - o.side, 6);
    } else if (x < 0.98) {
      o.type = r.chance(0.5) ? OrderType.StopLimit : OrderType.StopMarket;
      const spec = flowSymbols[book]!;
      o.stopPriceTicks = Math.max(
        spec.tickSize,
        this.mids[book]! + (o.side === Side.Buy ? 1 : -1) * r.range(0, 4) * spec.tickSize,
      );
      if (o.type === OrderType.StopMarket) o.priceTicks = 0;
      o.tif = r.chance(0.8) ? Tif.Gtc : Tif.Ioc;
    } else {
      o.qtyLots = r.chance(0.5) ? 0 : o.qtyLots + 1; // rejected: bad quantity
    }
    this.ids.push(this.seq.nextOrderId);
    if (this.ids.length > 3000) this.ids.splice(0, 1000);
    this.submit(() => this.seq.submitNew(user, 1, this.commands, o, this.clockNs));
  }

  private pickId(): number {
    // Mostly recent ids (often still live), sometimes any.
    const n = this.ids.length;
    return this.rng.chance(0.7) ? this.ids[n - 1 - this.rng.int(Math.min(n, 200))]! : this.rng.pick(this.ids);
  }

  private cancel(book: number, user: number): void {
    const o = this.o;
    o.clearOrder();
    o.symbolId = book;
    this.submit(() => this.seq.submitCancel(user, 1, this.commands, this.pickId(), o, this.clockNs));
  }

  private modify(book: number, user: number): void {
    const r = this.rng;
    const id = this.pickId();
    const live = this.seq.engine.order(id);
    const o = this.o;
    o.clearOrder();
    o.symbolId = live?.book ?? book;
    const owner = live?.user ?? user;
    if (live !== null && r.chance(0.4)) {
      // In place: same price, no more quantity.
      o.priceTicks = live.price;
      o.qtyLots = Math.max(flowSymbols[live.book]!.lotSize, live.qty - flowSymbols[live.book]!.lotSize * r.int(3));
    } else {
      o.priceTicks = this.price(o.symbolId, live?.side ?? r.int(2), 10);
      o.qtyLots = this.qty(o.symbolId);
    }
    this.submit(() => this.seq.submitModify(owner, 1, this.commands, id, o, this.clockNs));
  }

  private submit(fn: () => boolean): void {
    if (!fn()) throw new Error("the input log refused a command");
  }
}
