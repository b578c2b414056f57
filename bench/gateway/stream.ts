// A session's command stream, generated and encoded before anything is timed.
//
// Mostly passive limit orders (GTC, 1..levels ticks from a fixed mid, on the
// side that cannot cross), cancels and in-place size cuts of the session's own
// earlier orders, and some IOC takers that cross the mid by up to half the
// levels, so trades happen. The session keeps at most `liveMax` orders it
// believes live; past that it cancels, so the book stays bounded whatever the
// length of the run. It cannot see fills: a cancel or modify of an order an
// IOC filled meanwhile is answered `rejected` (unknown order), which is still
// that command's one answer.
//
// Every command is answered by exactly one report of kind accepted or
// rejected (new order), cancelled with reason `user` or rejected (cancel),
// modified or rejected (modify); trades and IOC remainder cancels are extra.
// All three name the command's client order id, and a session's reports leave
// the gateway in the order of its commands, so the k-th answer belongs to the
// k-th command: `cid[k]` lets the receiver check that.

import { OrderType, Side, Tif } from "../../src/engine/constants.ts";
import { type ClientMessageWriter, OrderFields } from "../../src/protocol/index.ts";
import { Prng } from "../prng.ts";

export const CommandKind = { place: 0, cancel: 1, modify: 2, ioc: 3 } as const;
export const commandKindNames = ["place", "cancel", "modify", "ioc"] as const;

export interface StreamShape {
  symbolId: number;
  /** Fixed mid, in ticks (tick 1). */
  mid: number;
  /** Passive orders rest 1..levels ticks from the mid. */
  levels: number;
  /** Orders the session keeps live at most (then it cancels). */
  liveMax: number;
  /** Probabilities of a cancel, a modify and an IOC taker; the rest are passive orders. */
  cancelP: number;
  modifyP: number;
  iocP: number;
}

export const defaultShape: Omit<StreamShape, "symbolId"> = {
  mid: 100_000,
  levels: 50,
  liveMax: 2000,
  cancelP: 0.35,
  modifyP: 0.05,
  iocP: 0.05,
};

/** Encoded commands: frame k is `bytes[k === 0 ? 0 : frameEnd[k - 1], frameEnd[k])`. Allocated once, refilled. */
export class CommandBatch {
  readonly bytes: Uint8Array;
  readonly frameEnd: Int32Array;
  /** The client order id each command names (its answer carries it). */
  readonly cid: Float64Array;
  readonly kind: Uint8Array;
  count = 0;
  readonly countMax: number;

  constructor(countMax: number, frameBytesMax: number) {
    this.countMax = countMax;
    this.bytes = new Uint8Array(countMax * frameBytesMax);
    this.frameEnd = new Int32Array(countMax);
    this.cid = new Float64Array(countMax);
    this.kind = new Uint8Array(countMax);
  }

  get totalBytes(): number {
    return this.count === 0 ? 0 : this.frameEnd[this.count - 1]!;
  }

  countsByKind(): Record<string, number> {
    const counts = [0, 0, 0, 0];
    for (let k = 0; k < this.count; k++) counts[this.kind[k]!]!++;
    return Object.fromEntries(commandKindNames.map((name, i) => [name, counts[i]!]));
  }
}

export class StreamGenerator {
  private readonly rng: Prng;
  private readonly shape: StreamShape;
  private readonly writer: ClientMessageWriter;
  private readonly o = new OrderFields();
  /** Next message seq of the session (Login was 1). */
  private seq: number;
  private nextCid = 1;
  private readonly liveCid: Float64Array;
  private readonly liveQty: Float64Array;
  private readonly livePrice: Int32Array;
  private liveCount = 0;

  constructor(seed: number, shape: StreamShape, writer: ClientMessageWriter, firstSeq: number) {
    this.rng = new Prng(seed);
    this.shape = shape;
    this.writer = writer;
    this.seq = firstSeq;
    this.liveCid = new Float64Array(shape.liveMax);
    this.liveQty = new Float64Array(shape.liveMax);
    this.livePrice = new Int32Array(shape.liveMax);
  }

  /** Fills `batch` with its next `count` commands, continuing the session's seq and ids. */
  fill(batch: CommandBatch, count: number): void {
    if (!(count <= batch.countMax)) throw new Error(`batch of ${batch.countMax} commands cannot hold ${count}`);
    let at = 0;
    for (let k = 0; k < count; k++) {
      at += this.next(batch, k, at);
      batch.frameEnd[k] = at;
    }
    batch.count = count;
  }

  /** Writes command `k` at `bytes[at]`; returns its frame bytes. */
  private next(batch: CommandBatch, k: number, at: number): number {
    const s = this.shape;
    const r = this.rng.float();
    if (this.liveCount >= s.liveMax || (this.liveCount > 0 && r < s.cancelP)) return this.cancel(batch, k, at);
    if (this.liveCount > 0 && r < s.cancelP + s.modifyP) return this.modify(batch, k, at);
    if (r < s.cancelP + s.modifyP + s.iocP) return this.ioc(batch, k, at);
    return this.place(batch, k, at);
  }

  private newOrder(side: number, price: number, qty: number, tif: number): OrderFields {
    const o = this.o;
    o.clientOrderId = this.nextCid++;
    o.symbolId = this.shape.symbolId;
    o.side = side;
    o.type = OrderType.Limit;
    o.tif = tif;
    o.postOnly = false;
    o.stp = 0;
    o.priceTicks = price;
    o.qtyLots = qty;
    o.stopPriceTicks = 0;
    return o;
  }

  private place(batch: CommandBatch, k: number, at: number): number {
    const s = this.shape;
    const side = this.rng.int(2);
    const offset = 1 + this.rng.int(s.levels);
    const price = side === Side.Buy ? s.mid - offset : s.mid + offset;
    const qty = 1 + this.rng.int(10);
    const o = this.newOrder(side, price, qty, Tif.Gtc);
    const i = this.liveCount++;
    this.liveCid[i] = o.clientOrderId;
    this.liveQty[i] = qty;
    this.livePrice[i] = price;
    batch.kind[k] = CommandKind.place;
    batch.cid[k] = o.clientOrderId;
    return this.writer.writeNewOrder(batch.bytes, at, this.seq++, o);
  }

  private ioc(batch: CommandBatch, k: number, at: number): number {
    const s = this.shape;
    const side = this.rng.int(2);
    const cross = 1 + this.rng.int(s.levels >> 1);
    const price = side === Side.Buy ? s.mid + cross : s.mid - cross;
    const o = this.newOrder(side, price, 1 + this.rng.int(5), Tif.Ioc);
    batch.kind[k] = CommandKind.ioc;
    batch.cid[k] = o.clientOrderId;
    return this.writer.writeNewOrder(batch.bytes, at, this.seq++, o);
  }

  /** Cancels a random live order (swap-removed from the live set). */
  private cancel(batch: CommandBatch, k: number, at: number): number {
    const i = this.rng.int(this.liveCount);
    const o = this.o;
    o.clientOrderId = this.liveCid[i]!;
    o.symbolId = this.shape.symbolId;
    const last = --this.liveCount;
    this.liveCid[i] = this.liveCid[last]!;
    this.liveQty[i] = this.liveQty[last]!;
    this.livePrice[i] = this.livePrice[last]!;
    batch.kind[k] = CommandKind.cancel;
    batch.cid[k] = o.clientOrderId;
    return this.writer.writeCancel(batch.bytes, at, this.seq++, o);
  }

  /** Cuts a random live order's size by one lot in place (same price: it keeps its priority); size 1 stays 1. */
  private modify(batch: CommandBatch, k: number, at: number): number {
    const i = this.rng.int(this.liveCount);
    const qty = Math.max(1, this.liveQty[i]! - 1);
    this.liveQty[i] = qty;
    const o = this.o;
    o.clientOrderId = this.liveCid[i]!;
    o.symbolId = this.shape.symbolId;
    o.priceTicks = this.livePrice[i]!;
    o.qtyLots = qty;
    batch.kind[k] = CommandKind.modify;
    batch.cid[k] = o.clientOrderId;
    return this.writer.writeModify(batch.bytes, at, this.seq++, o);
  }
}
