// One load-generating session: an ExchangeClient, its OrderTracker, and the
// choice of each next command (kind by the mix, prices around a shared moving
// mid inside the symbol's band, sizes in whole lots).

import { OrderType, Side, Tif } from "../engine/constants.ts";
import {
  type CancelParams,
  ClientError,
  ExchangeClient,
  findSymbol,
  type ModifyParams,
  type NewOrderParams,
  SendStatus,
} from "../client/index.ts";
import type { WireSymbol } from "../protocol/index.ts";
import { type LoadOptions, MixKind } from "./options.ts";
import { OpenLoopSchedule, OrderTracker } from "./tracker.ts";

/** mulberry32: small and seedable; the run prints its seed so a mix reproduces. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** [0, 1) */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) | 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  below(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/** Valid prices of a symbol: multiples of the tick inside the band. */
export class PriceBand {
  readonly tick: number;
  readonly low: number;
  readonly high: number;

  constructor(s: WireSymbol) {
    if (!(s.tickSize > 0 && s.lotSize > 0 && s.maxQty >= s.lotSize))
      throw new Error(`symbol ${s.name}: tick ${s.tickSize}, lot ${s.lotSize}, max qty ${s.maxQty}`);
    this.tick = s.tickSize;
    this.low = Math.ceil(Math.max(s.minPrice, 1) / s.tickSize) * s.tickSize;
    this.high = Math.floor(s.maxPrice / s.tickSize) * s.tickSize;
    if (!(this.low <= this.high)) throw new Error(`symbol ${s.name}: no valid price in [${s.minPrice}, ${s.maxPrice}]`);
  }

  /** The valid price nearest to `p`. */
  clamp(p: number): number {
    const aligned = Math.round(p / this.tick) * this.tick;
    return aligned < this.low ? this.low : aligned > this.high ? this.high : aligned;
  }
}

/** The mid all sessions quote around; a random walk of one tick per step, kept `levels` ticks inside the band. */
export class MidPrice {
  value: number;
  private readonly low: number;
  private readonly high: number;

  constructor(
    readonly band: PriceBand,
    start: number,
    levels: number,
  ) {
    const margin = levels * band.tick;
    this.low = band.low + margin <= band.high - margin ? band.low + margin : band.low;
    this.high = band.low + margin <= band.high - margin ? band.high - margin : band.high;
    const centre = start > 0 ? start : (band.low + band.high) / 2;
    this.value = Math.min(this.high, Math.max(this.low, band.clamp(centre)));
  }

  step(rng: Rng): void {
    const v = this.value + (rng.below(3) - 1) * this.band.tick;
    if (v >= this.low && v <= this.high) this.value = v;
  }
}

export class LoadSession {
  readonly client: ExchangeClient;
  tracker: OrderTracker;
  readonly rng: Rng;
  symbol: WireSymbol | null = null;
  schedule: OpenLoopSchedule | null = null;
  /** Live orders (pending included) this session keeps at most. */
  liveCap = 0;
  error: ClientError | null = null;
  /** Sends refused because the outgoing buffer was full. */
  bufferFull = 0;
  /** Orders found open at login (from an earlier run). */
  openAtLogin = 0;
  /** Closed loop: send on each ack while true. */
  topUpOnAck = false;
  private cumulative: number[];
  private qtyLotsMax = 1;
  private lot = 1;
  /** Parameter objects refilled for every command (the client copies them): no allocation per command. */
  private readonly newParams: Required<NewOrderParams> = {
    clientOrderId: 0,
    symbolId: 0,
    side: 0,
    priceTicks: 0,
    qtyLots: 0,
    type: 0,
    tif: 0,
    postOnly: false,
    stp: 0,
    stopPriceTicks: 0,
  };
  private readonly cancelParams: CancelParams = { clientOrderId: 0, symbolId: 0 };
  private readonly modifyParams: ModifyParams = { clientOrderId: 0, symbolId: 0, priceTicks: 0, qtyLots: 0 };

  constructor(
    readonly index: number,
    readonly key: string,
    readonly options: LoadOptions,
    private readonly midRef: { mid: MidPrice | null },
  ) {
    this.rng = new Rng(options.seed + index * 0x9e3779b9);
    this.tracker = new OrderTracker(options.ordersMax, index);
    let sum = 0;
    this.cumulative = options.mix.map((w) => (sum += w));
    this.client = new ExchangeClient({
      host: options.host,
      port: options.port,
      reconnect: false,
      // The generator queues far more than an app would; 64 MiB is ~600k orders.
      outBytesMax: 64 << 20,
      onReport: (r) => {
        const acks = this.tracker.onReport(r, Bun.nanoseconds());
        if (acks !== 0 && this.topUpOnAck) this.topUp();
      },
      onClose: (e) => {
        if (e !== null) this.error = e;
      },
    });
  }

  /** Connects, logs in, picks the symbol, and steps past client order ids already live. */
  async start(): Promise<void> {
    await this.client.connect();
    const info = await this.client.login(this.key);
    const name = this.options.symbol;
    const symbol = name === "" ? info.symbols[0] : findSymbol(info, name);
    if (symbol === undefined) {
      throw new Error(
        name === ""
          ? "the exchange lists no symbol"
          : `symbol ${name} not among ${info.symbols.map((s) => s.name).join(", ")}`,
      );
    }
    this.symbol = symbol;
    const band = new PriceBand(symbol);
    if (this.midRef.mid === null) this.midRef.mid = new MidPrice(band, this.options.mid, this.options.levels);
    this.lot = symbol.lotSize;
    this.qtyLotsMax = Math.max(1, Math.min(this.options.maxLots, Math.floor(symbol.maxQty / symbol.lotSize)));
    const openMax = info.limits.openOrdersMax > 0 ? info.limits.openOrdersMax : Infinity;
    this.liveCap = Math.min(this.options.ordersMax, openMax);
    const open = await this.client.openOrders();
    this.openAtLogin = open.length;
    let cidMax = -1;
    for (const o of open) if (o.clientOrderId > cidMax) cidMax = o.clientOrderId;
    if (cidMax >= 0) this.tracker.skipIdsBelow(cidMax);
  }

  get sentCount(): number {
    return this.tracker.sentByKind.reduce((a, b) => a + b, 0);
  }

  /** Open loop: sends every command due by `nowNs`, each stamped with its scheduled time. */
  sendDue(nowNs: number): void {
    const s = this.schedule!;
    const due = s.dueBy(nowNs);
    while (s.next < due) {
      if (!this.sendOne(s.intendedNs(s.next))) return;
      s.next++;
    }
  }

  /** Closed loop: fills the window; each command is due when sent. */
  topUp(): void {
    const window = this.options.window;
    while (this.tracker.inFlight < window) {
      if (!this.sendOne(Bun.nanoseconds())) return;
    }
  }

  /**
   * Sends one command by the mix. False when it could not be sent now (buffer full, not logged in, every slot busy).
   */
  sendOne(intendedNs: number): boolean {
    const t = this.tracker;
    let kind = this.pickKind();
    const onExisting = kind === MixKind.cancel || kind === MixKind.modify;
    if (onExisting && t.restingCount === 0) kind = MixKind.place;
    if (kind !== MixKind.cancel && kind !== MixKind.modify && t.usedCount >= this.liveCap) {
      if (t.restingCount === 0) return false;
      kind = MixKind.cancel;
    }
    if (kind === MixKind.cancel) return this.sendCancel(intendedNs);
    if (kind === MixKind.modify) return this.sendModify(intendedNs);
    return this.sendNew(kind, intendedNs);
  }

  /** Cancels every resting order (cleanup; the tracker should not be recording). */
  cancelAll(): void {
    for (const slot of this.tracker.restingSlots()) {
      if (this.client.cancel(this.cancelOf(slot)) !== SendStatus.Ok) return;
      this.tracker.sentCancel(slot, 0, 0);
    }
  }

  private cancelOf(slot: number): CancelParams {
    const p = this.cancelParams;
    p.clientOrderId = this.tracker.cidOf(slot);
    p.symbolId = this.symbol!.symbolId;
    return p;
  }

  private pickKind(): number {
    const c = this.cumulative;
    const r = this.rng.next() * c[c.length - 1]!;
    for (let i = 0; i < c.length; i++) if (r < c[i]!) return i;
    return c.length - 1;
  }

  private qty(): number {
    return this.lot * (1 + this.rng.below(this.qtyLotsMax));
  }

  /** A passive price: below the mid for a buy, above for a sell, within `levels` ticks. */
  private passivePrice(side: number): number {
    const mid = this.midRef.mid!;
    const offset = (1 + this.rng.below(this.options.levels)) * mid.band.tick;
    return mid.band.clamp(side === Side.Buy ? mid.value - offset : mid.value + offset);
  }

  private sendNew(kind: number, intendedNs: number): boolean {
    const t = this.tracker;
    const slot = t.allocate();
    if (slot < 0) return false;
    const side = this.rng.below(2);
    const mid = this.midRef.mid!;
    let price: number;
    let tif: number = Tif.Gtc;
    let type: number = OrderType.Limit;
    if (kind === MixKind.place) {
      price = this.passivePrice(side);
    } else if (kind === MixKind.ioc) {
      // Crosses the mid by up to half the levels: meets the other side's resting orders.
      const offset = this.rng.below((this.options.levels >> 1) + 1) * mid.band.tick;
      price = mid.band.clamp(side === Side.Buy ? mid.value + offset : mid.value - offset);
      tif = Tif.Ioc;
    } else {
      price = 0;
      type = OrderType.Market;
      tif = Tif.Ioc;
    }
    const qty = this.qty();
    const p = this.newParams;
    p.clientOrderId = t.cidOf(slot);
    p.symbolId = this.symbol!.symbolId;
    p.side = side;
    p.priceTicks = price;
    p.qtyLots = qty;
    p.type = type;
    p.tif = tif;
    const status = this.client.newOrder(p);
    if (status !== SendStatus.Ok) {
      t.release(slot);
      if (status === SendStatus.BufferFull) this.bufferFull++;
      return false;
    }
    t.sentNew(slot, kind, side, price, qty, intendedNs, Bun.nanoseconds());
    if (this.rng.below(64) === 0) mid.step(this.rng);
    return true;
  }

  private sendCancel(intendedNs: number): boolean {
    const t = this.tracker;
    const slot = t.pickResting(this.rng.next());
    const status = this.client.cancel(this.cancelOf(slot));
    if (status !== SendStatus.Ok) {
      if (status === SendStatus.BufferFull) this.bufferFull++;
      return false;
    }
    t.sentCancel(slot, intendedNs, Bun.nanoseconds());
    return true;
  }

  private sendModify(intendedNs: number): boolean {
    const t = this.tracker;
    const slot = t.pickResting(this.rng.next());
    const price = this.passivePrice(t.side[slot]!);
    const qty = this.qty();
    const p = this.modifyParams;
    p.clientOrderId = t.cidOf(slot);
    p.symbolId = this.symbol!.symbolId;
    p.priceTicks = price;
    p.qtyLots = qty;
    const status = this.client.modify(p);
    if (status !== SendStatus.Ok) {
      if (status === SendStatus.BufferFull) this.bufferFull++;
      return false;
    }
    t.sentModify(slot, price, qty, intendedNs, Bun.nanoseconds());
    return true;
  }
}
