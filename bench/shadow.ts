// A plain, unhurried order book that the workload generators drive while they
// write a command stream, so that every cancel and modify targets an order
// that is really live at that point, sweeps are sized to the liquidity really
// present, and the stream's expected outcome (trades, rejects, live orders,
// levels) is known before any engine runs it. It follows RULES.md for the
// subset the workloads use: limit GTC/IOC (post-only allowed), market with or
// without a protection price, stop-limit and stop-market, cancel and modify,
// all with stp `none`. FOK and the other stp modes are not modelled: the
// generators never emit them.

import { OrderType, Side, Tif } from "../src/engine/constants.ts";

export interface ShadowOrder {
  id: number;
  user: number;
  side: number;
  type: number;
  tif: number;
  postOnly: boolean;
  price: number;
  stop: number;
  qty: number;
  /** The seq of the command that placed it: stops elected by one trade at one stop price run oldest first. */
  arrival: number;
  live: boolean;
  isStop: boolean;
}

class Level {
  readonly price: number;
  orders: ShadowOrder[] = [];
  headIndex = 0;
  liveCount = 0;
  qty = 0;

  constructor(price: number) {
    this.price = price;
  }
}

/** One side of the book; level keys sort ascending with the best level last (bids: price, asks: -price). */
class SideBook {
  readonly isBid: boolean;
  readonly levels = new Map<number, Level>();
  readonly keys: number[] = [];
  ordersCount = 0;

  constructor(isBid: boolean) {
    this.isBid = isBid;
  }

  key(price: number): number {
    return this.isBid ? price : -price;
  }

  best(): Level | undefined {
    const n = this.keys.length;
    return n === 0 ? undefined : this.levels.get(this.key(this.keys[n - 1]!));
  }

  /** Price of the k-th best level (0 = best), or 0 when the side has fewer levels. */
  priceAt(k: number): number {
    const n = this.keys.length;
    return k < n ? this.key(this.keys[n - 1 - k]!) : 0;
  }

  levelsCount(): number {
    return this.keys.length;
  }

  /** Total quantity at prices at least as good as `price` (bids >= price, asks <= price). */
  qtyThrough(price: number): number {
    const limitKey = this.key(price);
    let qty = 0;
    for (let i = this.keys.length - 1; i >= 0 && this.keys[i]! >= limitKey; i--) {
      qty += this.levels.get(this.key(this.keys[i]!))!.qty;
    }
    return qty;
  }

  add(order: ShadowOrder): void {
    let level = this.levels.get(order.price);
    if (level === undefined) {
      level = new Level(order.price);
      this.levels.set(order.price, level);
      const k = this.key(order.price);
      this.keys.splice(lowerBound(this.keys, k), 0, k);
    }
    level.orders.push(order);
    level.liveCount++;
    level.qty += order.qty;
    this.ordersCount++;
  }

  /** Takes a live order out of its level (cancel, or a modify that moves it). */
  remove(order: ShadowOrder): void {
    const level = this.levels.get(order.price);
    if (level === undefined || !order.live) throw new Error(`shadow: order ${order.id} not resting`);
    order.live = false;
    level.liveCount--;
    level.qty -= order.qty;
    this.ordersCount--;
    if (level.liveCount === 0) {
      this.dropLevel(level);
      return;
    }
    const slots = level.orders.length - level.headIndex;
    if (slots > 2 * level.liveCount + 32) {
      level.orders = level.orders.filter((o) => o.live);
      level.headIndex = 0;
    }
  }

  dropLevel(level: Level): void {
    this.levels.delete(level.price);
    const k = this.key(level.price);
    const i = lowerBound(this.keys, k);
    if (this.keys[i] !== k) throw new Error(`shadow: level ${level.price} missing from keys`);
    this.keys.splice(i, 1);
  }
}

/** First index whose value is >= k in an ascending array. */
function lowerBound(a: number[], k: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class ShadowBook {
  readonly bids = new SideBook(true);
  readonly asks = new SideBook(false);
  /** Live orders by id: resting ones and untriggered stops. */
  readonly orders = new Map<number, ShadowOrder>();
  /** Buy stops sorted by stop price descending, newest first within a price (the first to trigger is last). */
  readonly buyStops: ShadowOrder[] = [];
  /** Sell stops sorted by stop price ascending, newest first within a price (the first to trigger is last). */
  readonly sellStops: ShadowOrder[] = [];
  /** Stops elected in this command, in election order; [electedHead, length) are still to run. */
  private readonly elected: ShadowOrder[] = [];
  private electedHead = 0;
  /** Untriggered stops per stop price, per side: the engine keeps stops in price levels too. */
  private readonly buyStopLevels = new Map<number, number>();
  private readonly sellStopLevels = new Map<number, number>();
  lastPrice = 0;

  tradesCount = 0;
  tradedQty = 0;
  /** Called for every trade, in matching order (the tape generator folds them into its expected digest). */
  onTrade: ((makerId: number, price: number, qty: number) => void) | null = null;
  triggeredCount = 0;
  rejectsCount = 0;
  ordersLiveMax = 0;
  stopsLiveMax = 0;
  bidLevelsMax = 0;
  askLevelsMax = 0;
  stopLevelsPerSideMax = 0;
  /** Most price levels at once over both sides and both stop sides. */
  levelsMax = 0;

  bestBid(): number {
    return this.bids.best()?.price ?? 0;
  }

  bestAsk(): number {
    return this.asks.best()?.price ?? 0;
  }

  stopsCount(): number {
    return this.buyStops.length + this.sellStops.length;
  }

  isResting(id: number): boolean {
    const o = this.orders.get(id);
    return o !== undefined && !o.isStop;
  }

  isStop(id: number): boolean {
    const o = this.orders.get(id);
    return o !== undefined && o.isStop;
  }

  order(id: number): ShadowOrder | undefined {
    return this.orders.get(id);
  }

  /** Whether a limit at `price` on `side` would take from the opposite best. */
  crosses(side: number, price: number): boolean {
    if (side === Side.Buy) {
      const ask = this.bestAsk();
      return ask !== 0 && price >= ask;
    }
    const bid = this.bestBid();
    return bid !== 0 && price <= bid;
  }

  /** Applies a new order; returns false when the engine would reject it. */
  newOrder(
    seq: number,
    id: number,
    user: number,
    side: number,
    type: number,
    tif: number,
    postOnly: boolean,
    price: number,
    qty: number,
    stop: number,
  ): boolean {
    if (tif === Tif.Fok) throw new Error("shadow: FOK is not modelled");
    if (this.orders.has(id)) return this.reject();
    const order: ShadowOrder = {
      id,
      user,
      side,
      type,
      tif,
      postOnly,
      price,
      stop,
      qty,
      arrival: seq,
      live: true,
      isStop: false,
    };
    if (type === OrderType.StopLimit || type === OrderType.StopMarket) {
      this.addStop(order);
      // A stop the last trade already reaches is elected at once.
      if (this.lastPrice !== 0) this.elect(this.lastPrice);
    } else {
      if (type === OrderType.Limit && postOnly && this.crosses(side, price)) return this.reject();
      this.execute(order);
    }
    this.runStops();
    this.noteMaxima();
    return true;
  }

  cancel(id: number): boolean {
    const o = this.orders.get(id);
    if (o === undefined) return this.reject();
    this.orders.delete(id);
    if (o.isStop) {
      this.removeStop(o);
    } else {
      (o.side === Side.Buy ? this.bids : this.asks).remove(o);
    }
    return true;
  }

  modify(seq: number, id: number, price: number, qty: number): boolean {
    const o = this.orders.get(id);
    if (o === undefined || o.isStop) return this.reject();
    if (o.postOnly && this.crosses(o.side, price)) return this.reject();
    const book = o.side === Side.Buy ? this.bids : this.asks;
    if (price === o.price && qty <= o.qty) {
      // In place: the order keeps its time priority.
      book.levels.get(o.price)!.qty -= o.qty - qty;
      o.qty = qty;
      return true;
    }
    book.remove(o);
    this.orders.delete(id);
    const moved: ShadowOrder = { ...o, price, qty, tif: Tif.Gtc, type: OrderType.Limit, arrival: seq, live: true };
    this.execute(moved);
    this.runStops();
    this.noteMaxima();
    return true;
  }

  /** Matches a limit or market taker, then rests a limit GTC remainder. */
  private execute(order: ShadowOrder): void {
    const isMarket = order.type === OrderType.Market || order.type === OrderType.StopMarket;
    // For market orders the price is the protection limit, 0 meaning none.
    const left = this.match(order.side, order.price, order.qty);
    if (left === 0 || isMarket || order.tif !== Tif.Gtc) return;
    order.qty = left;
    order.type = OrderType.Limit;
    order.isStop = false;
    order.live = true;
    this.orders.set(order.id, order);
    (order.side === Side.Buy ? this.bids : this.asks).add(order);
  }

  /** Takes from the opposite side best-first, FIFO; `limit` 0 means any price. Returns the quantity left. */
  private match(side: number, limit: number, qty: number): number {
    const opposite = side === Side.Buy ? this.asks : this.bids;
    while (qty > 0) {
      const level = opposite.best();
      if (level === undefined) break;
      if (limit !== 0 && (side === Side.Buy ? level.price > limit : level.price < limit)) break;
      const tradesBefore = this.tradesCount;
      while (qty > 0 && level.liveCount > 0) {
        const maker = level.orders[level.headIndex]!;
        if (!maker.live) {
          level.headIndex++;
          continue;
        }
        const q = Math.min(qty, maker.qty);
        maker.qty -= q;
        level.qty -= q;
        qty -= q;
        this.tradesCount++;
        this.tradedQty += q;
        this.lastPrice = level.price;
        if (this.onTrade !== null) this.onTrade(maker.id, level.price, q);
        if (maker.qty === 0) {
          maker.live = false;
          level.liveCount--;
          level.headIndex++;
          opposite.ordersCount--;
          this.orders.delete(maker.id);
        }
      }
      if (level.liveCount === 0) opposite.dropLevel(level);
      else if (level.headIndex > 64 && level.headIndex * 2 > level.orders.length) {
        level.orders = level.orders.slice(level.headIndex);
        level.headIndex = 0;
      }
      if (this.tradesCount !== tradesBefore) this.elect(level.price);
    }
    return qty;
  }

  private addStop(order: ShadowOrder): void {
    order.isStop = true;
    this.orders.set(order.id, order);
    const list = order.side === Side.Buy ? this.buyStops : this.sellStops;
    const k = order.side === Side.Buy ? -order.stop : order.stop;
    // A later stop at the same price goes before earlier ones: they are popped from the end, oldest first.
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const mk = order.side === Side.Buy ? -list[mid]!.stop : list[mid]!.stop;
      if (mk < k) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, order);
    const levels = order.side === Side.Buy ? this.buyStopLevels : this.sellStopLevels;
    levels.set(order.stop, (levels.get(order.stop) ?? 0) + 1);
  }

  private stopLeft(order: ShadowOrder): void {
    const levels = order.side === Side.Buy ? this.buyStopLevels : this.sellStopLevels;
    const n = levels.get(order.stop)! - 1;
    if (n === 0) levels.delete(order.stop);
    else levels.set(order.stop, n);
  }

  private removeStop(order: ShadowOrder): void {
    const list = order.side === Side.Buy ? this.buyStops : this.sellStops;
    const i = list.indexOf(order);
    if (i < 0) throw new Error(`shadow: stop ${order.id} missing`);
    list.splice(i, 1);
    order.live = false;
    this.stopLeft(order);
  }

  /**
   * RULES.md "Stops": a trade at `price` elects buy stops <= price (lowest first), then sell
   * stops >= price (highest first).
   */
  private elect(price: number): void {
    const buys = this.buyStops;
    while (buys.length > 0 && buys[buys.length - 1]!.stop <= price) this.elected.push(this.untrack(buys.pop()!));
    const sells = this.sellStops;
    while (sells.length > 0 && sells[sells.length - 1]!.stop >= price) this.elected.push(this.untrack(sells.pop()!));
  }

  /** Runs the elected stops in election order; their trades may elect more, which queue behind. */
  private runStops(): void {
    while (this.electedHead < this.elected.length) {
      const stop = this.elected[this.electedHead++]!;
      this.orders.delete(stop.id);
      this.triggeredCount++;
      stop.isStop = false;
      if (stop.type === OrderType.StopLimit && stop.postOnly && this.crosses(stop.side, stop.price)) continue;
      this.execute(stop);
    }
    this.elected.length = 0;
    this.electedHead = 0;
  }

  private untrack(stop: ShadowOrder): ShadowOrder {
    this.stopLeft(stop);
    return stop;
  }

  private reject(): boolean {
    this.rejectsCount++;
    return false;
  }

  private noteMaxima(): void {
    const live = this.orders.size;
    if (live > this.ordersLiveMax) this.ordersLiveMax = live;
    const stops = this.stopsCount();
    if (stops > this.stopsLiveMax) this.stopsLiveMax = stops;
    const b = this.bids.levelsCount();
    const a = this.asks.levelsCount();
    const sb = this.buyStopLevels.size;
    const ss = this.sellStopLevels.size;
    if (b > this.bidLevelsMax) this.bidLevelsMax = b;
    if (a > this.askLevelsMax) this.askLevelsMax = a;
    if (sb > this.stopLevelsPerSideMax) this.stopLevelsPerSideMax = sb;
    if (ss > this.stopLevelsPerSideMax) this.stopLevelsPerSideMax = ss;
    if (a + b + sb + ss > this.levelsMax) this.levelsMax = a + b + sb + ss;
  }
}
