// A trade-heavy command stream for the market-data benchmark: per symbol, a
// maker quotes a ladder of small orders on one side and an IOC taker sweeps
// it whole, then the same on the other side; about 0.95 trades per command.
// Receive times are synthetic and spread evenly over `days`, so the stored
// history spans days of candles. Generated once into columns, so every round
// replays the same commands at the same cost.

import type { SymbolSpec } from "../../src/engine/command.ts";
import { resolveEngineConfig } from "../../src/engine/config.ts";
import { OrderType, Side, Tif } from "../../src/engine/constants.ts";
import { OrderFields } from "../../src/protocol/index.ts";
import type { Sequencer } from "../../src/sequencer/sequencer.ts";
import { Prng } from "../prng.ts";

export const sweepSymbols: readonly SymbolSpec[] = ["BTC-USD", "ETH-USD", "SOL-USD"].map((name) => ({
  name,
  tickSize: 1,
  lotSize: 1,
  minPrice: 1,
  maxPrice: 10_000_000,
  maxQty: 1_000_000,
}));
export const sweepEngineConfig = resolveEngineConfig({
  ordersMax: 1 << 16,
  levelsMax: 1 << 14,
  levelsPerSideMax: 1 << 12,
  symbolsMax: 4,
  eventsMax: 1 << 12,
});

/** 2026-01-01T00:00:00Z. */
export const sweepStartNs = 1_767_225_600_000_000_000;

export class SweepFlow {
  readonly symbol: Uint8Array;
  readonly side: Uint8Array;
  readonly tif: Uint8Array;
  readonly user: Uint8Array;
  readonly price: Int32Array;
  readonly qty: Float64Array;
  readonly receivedNs: Float64Array;
  count = 0;
  /** Trades the stream makes (each taker empties the ladder it sweeps). */
  trades = 0;

  /** At least `tradesMin` trades, spread over `days` of engine time. */
  constructor(seed: number, tradesMin: number, days: number) {
    const rng = new Prng(seed);
    const capacity = Math.ceil(tradesMin * 1.2) + 200;
    this.symbol = new Uint8Array(capacity);
    this.side = new Uint8Array(capacity);
    this.tif = new Uint8Array(capacity);
    this.user = new Uint8Array(capacity);
    this.price = new Int32Array(capacity);
    this.qty = new Float64Array(capacity);
    this.receivedNs = new Float64Array(capacity);
    const mids = sweepSymbols.map(() => 100_000);
    while (this.trades < tradesMin) {
      const s = rng.int(sweepSymbols.length);
      mids[s] = mids[s]! + rng.range(-2, 2);
      const side = rng.int(2);
      const levels = rng.range(10, 30);
      let total = 0;
      for (let k = 1; k <= levels; k++) {
        const q = rng.range(1, 5);
        this.add(s, side, Tif.Gtc, 1 + rng.int(4), mids[s]! + (side === Side.Sell ? k : -k), q);
        total += q;
      }
      this.add(s, 1 - side, Tif.Ioc, 5 + rng.int(4), mids[s]! + (side === Side.Sell ? levels : -levels), total);
      this.trades += levels;
    }
    const stepNs = (days * 86_400e9) / this.count;
    for (let i = 0; i < this.count; i++) this.receivedNs[i] = sweepStartNs + Math.floor(i * stepNs);
  }

  private add(symbol: number, side: number, tif: number, user: number, price: number, qty: number): void {
    const i = this.count++;
    this.symbol[i] = symbol;
    this.side[i] = side;
    this.tif[i] = tif;
    this.user[i] = user;
    this.price[i] = price;
    this.qty[i] = qty;
  }
}

const fields = new OrderFields();

/** Submits commands [from, to) of the flow; false if the log refused one. */
export function submitRange(seq: Sequencer, flow: SweepFlow, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    fields.clearOrder();
    fields.symbolId = flow.symbol[i]!;
    fields.side = flow.side[i]!;
    fields.type = OrderType.Limit;
    fields.tif = flow.tif[i]!;
    fields.priceTicks = flow.price[i]!;
    fields.qtyLots = flow.qty[i]!;
    fields.clientOrderId = i;
    if (!seq.submitNew(flow.user[i]!, 1, i, fields, flow.receivedNs[i]!))
      throw new Error(`the input log refused command ${i}`);
  }
}
