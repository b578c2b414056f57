// The newest ticks of each symbol, in memory: a ring per symbol over
// struct-of-arrays columns allocated once. Pushing a trade allocates nothing.

import { checkTickRingLimits, type TickRingLimits, tickRingLimitsDefault } from "./constants.ts";
import type { TradeRow } from "./trade.ts";

export interface TickRecord {
  tsUs: number;
  priceTicks: number;
  qtyLots: number;
  quoteQty: number;
  tradeId: number;
  takerSide: number;
}

export class TickRing {
  readonly symbolsMax: number;
  readonly capacity: number;
  readonly tsUs: Float64Array;
  readonly priceTicks: Float64Array;
  readonly qtyLots: Float64Array;
  readonly quoteQty: Float64Array;
  readonly tradeId: Float64Array;
  readonly seq: Float64Array;
  readonly takerSide: Uint8Array;
  /** Position the next tick of each symbol goes to. */
  private readonly next: Int32Array;
  private readonly count: Int32Array;

  constructor(limits: Partial<TickRingLimits> = {}) {
    const l = checkTickRingLimits({ ...tickRingLimitsDefault, ...limits });
    this.symbolsMax = l.symbolsMax;
    this.capacity = l.ticksPerSymbol;
    const slots = l.symbolsMax * l.ticksPerSymbol;
    this.tsUs = new Float64Array(slots);
    this.priceTicks = new Float64Array(slots);
    this.qtyLots = new Float64Array(slots);
    this.quoteQty = new Float64Array(slots);
    this.tradeId = new Float64Array(slots);
    this.seq = new Float64Array(slots);
    this.takerSide = new Uint8Array(slots);
    this.next = new Int32Array(l.symbolsMax);
    this.count = new Int32Array(l.symbolsMax);
  }

  push(t: TradeRow): void {
    const symbol = t.symbolId;
    if (!(Number.isInteger(symbol) && symbol >= 0 && symbol < this.symbolsMax))
      throw new Error(`ticks: symbolId ${symbol} outside [0, ${this.symbolsMax})`);
    const slot = symbol * this.capacity + this.next[symbol]!;
    this.tsUs[slot] = t.tsUs;
    this.priceTicks[slot] = t.priceTicks;
    this.qtyLots[slot] = t.qtyLots;
    this.quoteQty[slot] = t.quoteQty;
    this.tradeId[slot] = t.tradeId;
    this.seq[slot] = t.seq;
    this.takerSide[slot] = t.takerSide;
    this.next[symbol] = (this.next[symbol]! + 1) % this.capacity;
    if (this.count[symbol]! < this.capacity) this.count[symbol]!++;
  }

  /** Ticks kept for a symbol (at most `capacity`). */
  size(symbolId: number): number {
    return this.count[symbolId]!;
  }

  /** Slot of the k-th newest tick of a symbol (k = 0 is the latest), k in [0, size). */
  slotNewest(symbolId: number, k: number): number {
    if (!(k >= 0 && k < this.count[symbolId]!))
      throw new Error(`ticks: index ${k} outside [0, ${this.count[symbolId]})`);
    const position = (this.next[symbolId]! - 1 - k + 2 * this.capacity) % this.capacity;
    return symbolId * this.capacity + position;
  }

  /** The newest `limit` ticks, newest first (edges and tests only: allocates). */
  latest(symbolId: number, limit: number): TickRecord[] {
    const out: TickRecord[] = [];
    const n = Math.min(limit, this.count[symbolId]!);
    for (let k = 0; k < n; k++) {
      const slot = this.slotNewest(symbolId, k);
      out.push({
        tsUs: this.tsUs[slot]!,
        priceTicks: this.priceTicks[slot]!,
        qtyLots: this.qtyLots[slot]!,
        quoteQty: this.quoteQty[slot]!,
        tradeId: this.tradeId[slot]!,
        takerSide: this.takerSide[slot]!,
      });
    }
    return out;
  }
}
