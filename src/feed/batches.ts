// Columns that collect one symbol's records between two frames (and the lists
// a snapshot is cut from). Allocated once per symbol at a fixed capacity of
// `frameEntriesMax`: a full batch is framed at once and the batch starts over.

import { frameEntriesMax } from "./constants.ts";

export class TradeBatch {
  readonly tradeId = new Float64Array(frameEntriesMax);
  readonly priceTicks = new Int32Array(frameEntriesMax);
  readonly qtyLots = new Float64Array(frameEntriesMax);
  readonly tsUs = new Float64Array(frameEntriesMax);
  readonly takerSide = new Uint8Array(frameEntriesMax);
  count = 0;

  get full(): boolean {
    return this.count === frameEntriesMax;
  }

  push(tradeId: number, priceTicks: number, qtyLots: number, tsUs: number, takerSide: number): void {
    const i = this.count++;
    this.tradeId[i] = tradeId;
    this.priceTicks[i] = priceTicks;
    this.qtyLots[i] = qtyLots;
    this.tsUs[i] = tsUs;
    this.takerSide[i] = takerSide;
  }
}

/** Level-2 changes, or a list of levels (side tells bids from asks); a snapshot's list may be longer than a frame. */
export class LevelBatch {
  readonly capacity: number;
  readonly side: Uint8Array;
  readonly priceTicks: Int32Array;
  readonly qtyLots: Float64Array;
  readonly ordersCount: Int32Array;
  count = 0;

  constructor(capacity = frameEntriesMax) {
    this.capacity = capacity;
    this.side = new Uint8Array(capacity);
    this.priceTicks = new Int32Array(capacity);
    this.qtyLots = new Float64Array(capacity);
    this.ordersCount = new Int32Array(capacity);
  }

  get full(): boolean {
    return this.count === this.capacity;
  }

  push(side: number, priceTicks: number, qtyLots: number, ordersCount: number): void {
    const i = this.count++;
    this.side[i] = side;
    this.priceTicks[i] = priceTicks;
    this.qtyLots[i] = qtyLots;
    this.ordersCount[i] = ordersCount;
  }
}

/** Level-3 changes, or a list of resting orders (kind 0). */
export class OrderBatch {
  readonly kind = new Uint8Array(frameEntriesMax);
  readonly side = new Uint8Array(frameEntriesMax);
  readonly priceTicks = new Int32Array(frameEntriesMax);
  readonly orderId = new Float64Array(frameEntriesMax);
  readonly qtyLots = new Float64Array(frameEntriesMax);
  count = 0;

  get full(): boolean {
    return this.count === frameEntriesMax;
  }

  push(kind: number, side: number, priceTicks: number, orderId: number, qtyLots: number): void {
    const i = this.count++;
    this.kind[i] = kind;
    this.side[i] = side;
    this.priceTicks[i] = priceTicks;
    this.orderId[i] = orderId;
    this.qtyLots[i] = qtyLots;
  }
}
