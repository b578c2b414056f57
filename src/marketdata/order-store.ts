// Orders in memory: every live order, the most recently finished ones, and
// the most recent order events, so the query API answers "my open orders",
// "my recent orders" and "this order's history" without the database, and
// embedded mode (no database) answers them at all.
//
// Bounded: live orders are at most the engine's ordersMax (+1, the taker of
// the command being applied); finished orders wait in a FIFO of
// `finishedOrdersMax` and the oldest is evicted when it is full; events live
// in a ring of `orderEventsMax`. Each order's events are chained through the
// ring, so its history is a walk, and an order whose oldest events were
// overwritten is marked truncated. `evictedIdMax` says where memory stops
// being complete: every order with a larger id is here (ids grow with time).
//
// Storage is struct-of-arrays by slot. The slot columns start at
// `slotsInitial` and double when live orders need more (allocation once per
// doubling, never per order) up to `liveOrdersMax + finishedOrdersMax`: the
// engine's ordersMax is a ceiling most venues never approach, and 25 columns
// of a million slots would pin ~130 MB for nothing. Lookups by id and by user
// go through typed-array hash maps (int-map.ts).

import { IntMap } from "./int-map.ts";
import { type OrderEventRow, type OrderRow, OrderStatus } from "./order-rows.ts";

export const NIL = -1;

export interface OrderMemoryLimits {
  /** Live orders at most: the engine's ordersMax + 1 (the taker of the command being applied). */
  liveOrdersMax: number;
  /** Finished orders kept for lookups, oldest evicted first. */
  finishedOrdersMax: number;
  /** Order events kept (a ring), each order's history chained through them. */
  orderEventsMax: number;
  /** Slots allocated at start; doubled as live orders need them. */
  slotsInitial: number;
}

export const orderMemoryLimitsDefault: Readonly<OrderMemoryLimits> = {
  liveOrdersMax: (1 << 20) + 1,
  finishedOrdersMax: 1 << 16,
  orderEventsMax: 1 << 18,
  slotsInitial: 1 << 14,
};

/**
 * Bytes per slot: 13 float64, 5 int32 and 7 uint8 columns, and a user's head, tail and count
 * (at most one user per slot).
 */
export const orderSlotBytes = 13 * 8 + 5 * 4 + 7 + 3 * 4;
/** Bytes per kept event: 9 float64, 4 int32 and 2 uint8 columns. */
export const orderEventBytes = 9 * 8 + 4 * 4 + 2;

export function checkOrderMemoryLimits(l: OrderMemoryLimits): OrderMemoryLimits {
  const int = (name: keyof OrderMemoryLimits, lo: number, hi: number) => {
    const v = l[name];
    if (!(Number.isInteger(v) && v >= lo && v <= hi))
      throw new Error(`orders in memory: ${name} ${v} must be an integer in [${lo}, ${hi}]`);
  };
  int("liveOrdersMax", 2, (1 << 26) + 1);
  int("finishedOrdersMax", 1, 1 << 24);
  int("orderEventsMax", 16, 1 << 26);
  int("slotsInitial", 16, l.liveOrdersMax + l.finishedOrdersMax);
  return l;
}

/** An order as the API shows it (allocates: requests only): its row, and whether it is post-only. */
export interface OrderRecord extends OrderRow {
  postOnly: boolean;
}

/** An order event as the API shows it. */
export type OrderEventRecord = OrderEventRow;

export function isLiveStatus(status: number): boolean {
  return status === OrderStatus.New || status === OrderStatus.PartiallyFilled || status === OrderStatus.PendingTrigger;
}

export class OrderStore {
  readonly limits: OrderMemoryLimits;
  capacity = 0;
  /** Largest id (and creation time) of an order evicted from memory: orders with larger ids are all here. */
  evictedIdMax = 0;
  evictedCreatedUsMax = 0;
  liveCount = 0;
  /** How often the slot columns doubled. */
  grown = 0;

  // ---- per slot ----
  orderId!: Float64Array;
  userId!: Float64Array;
  clientOrderId!: Float64Array;
  qtyLots!: Float64Array;
  filledLots!: Float64Array;
  leavesLots!: Float64Array;
  createdUs!: Float64Array;
  createdSeq!: Float64Array;
  updatedUs!: Float64Array;
  seq!: Float64Array;
  symbolId!: Int32Array;
  priceTicks!: Int32Array;
  stopPriceTicks!: Int32Array;
  /** The user's list, oldest order first: next and previous slot. */
  userNext!: Int32Array;
  userPrev!: Int32Array;
  side!: Uint8Array;
  type!: Uint8Array;
  tif!: Uint8Array;
  postOnly!: Uint8Array;
  status!: Uint8Array;
  /** 1 once some of the order's events were overwritten in the ring. */
  eventsTruncated!: Uint8Array;
  /** 1 while the slot is on the tracker's list of orders changed by the current command. */
  touched!: Uint8Array;
  /** Absolute numbers of the order's first and last event still in the ring, -1 for none. */
  evFirst!: Float64Array;
  evLast!: Float64Array;
  /** Allocation count of the slot: events remember it so a reused slot is not mistaken for their order. */
  gen!: Float64Array;

  private readonly ids = new IntMap(1 << 14);
  private readonly freeSlots: number[] = [];
  /** Finished slots, oldest first (a ring). */
  private readonly finished: Int32Array;
  private finishedHead = 0;
  private finishedCount = 0;

  // ---- per user: an index from the map, then columns (as many as slots: a user has at least one) ----
  private readonly users = new IntMap(1 << 10);
  private readonly freeUsers: number[] = [];
  private usersAllocated = 0;
  userHead!: Int32Array;
  userTail!: Int32Array;
  userOrders!: Int32Array;

  // ---- the event ring ----
  readonly eventsMax: number;
  /** Events ever recorded; event n sits at n % eventsMax while n >= eventsWritten - eventsMax. */
  eventsWritten = 0;
  private readonly evSlot: Int32Array;
  private readonly evGen: Float64Array;
  private readonly evNext: Float64Array;
  private readonly evTsUs: Float64Array;
  private readonly evSeq: Float64Array;
  private readonly evOrderId: Float64Array;
  private readonly evUserId: Float64Array;
  private readonly evQty: Float64Array;
  private readonly evLeaves: Float64Array;
  private readonly evTradeId: Float64Array;
  private readonly evSymbolId: Int32Array;
  private readonly evIndex: Int32Array;
  private readonly evPrice: Int32Array;
  private readonly evKind: Uint8Array;
  private readonly evReason: Uint8Array;

  constructor(limits: Partial<OrderMemoryLimits> = {}) {
    this.limits = checkOrderMemoryLimits({ ...orderMemoryLimitsDefault, ...limits });
    this.allocate(this.limits.slotsInitial);
    this.finished = new Int32Array(this.limits.finishedOrdersMax);
    const e = this.limits.orderEventsMax;
    this.eventsMax = e;
    this.evSlot = new Int32Array(e);
    this.evGen = new Float64Array(e);
    this.evNext = new Float64Array(e);
    this.evTsUs = new Float64Array(e);
    this.evSeq = new Float64Array(e);
    this.evOrderId = new Float64Array(e);
    this.evUserId = new Float64Array(e);
    this.evQty = new Float64Array(e);
    this.evLeaves = new Float64Array(e);
    this.evTradeId = new Float64Array(e);
    this.evSymbolId = new Int32Array(e);
    this.evIndex = new Int32Array(e);
    this.evPrice = new Int32Array(e);
    this.evKind = new Uint8Array(e);
    this.evReason = new Uint8Array(e);
  }

  get slotsMax(): number {
    return this.limits.liveOrdersMax + this.limits.finishedOrdersMax;
  }

  get finishedKept(): number {
    return this.finishedCount;
  }

  /** Slot of the order with this id still in memory, or NIL. */
  find(orderId: number): number {
    return this.ids.get(orderId);
  }

  /**
   * A fresh live slot for a new order (its columns are the caller's to fill),
   * linked at the tail of its user's list. An id that a finished order still
   * in memory had now names the new order (the engine reuses only dead ids).
   */
  add(orderId: number, userId: number): number {
    const existing = this.ids.get(orderId);
    if (existing !== NIL && isLiveStatus(this.status[existing]!))
      throw new Error(`orders in memory: order ${orderId} added while live`);
    if (this.liveCount === this.limits.liveOrdersMax)
      throw new Error(
        `orders in memory: more than ${this.limits.liveOrdersMax} live orders (the engine's ordersMax + 1)`,
      );
    if (this.freeSlots.length === 0) this.makeRoom();
    const slot = this.freeSlots.pop()!;
    this.ids.set(orderId, slot);
    this.liveCount++;
    this.gen[slot]!++;
    this.orderId[slot] = orderId;
    this.userId[slot] = userId;
    this.evFirst[slot] = -1;
    this.evLast[slot] = -1;
    this.eventsTruncated[slot] = 0;
    this.touched[slot] = 0;
    this.linkToUser(slot, userId);
    return slot;
  }

  /** Moves a live order to the finished FIFO (evicting the oldest finished order when it is full). */
  finish(slot: number): void {
    this.liveCount--;
    if (this.finishedCount === this.finished.length) this.evictOldest();
    this.finished[(this.finishedHead + this.finishedCount) % this.finished.length] = slot;
    this.finishedCount++;
  }

  /** Records an event in the ring, chained to `slot`'s history (NIL: kept but not chained). */
  recordEvent(e: OrderEventRow, slot: number): void {
    const n = this.eventsWritten++;
    const at = n % this.eventsMax;
    if (n >= this.eventsMax) this.overwrite(at, n - this.eventsMax);
    this.evSlot[at] = slot;
    this.evGen[at] = slot === NIL ? 0 : this.gen[slot]!;
    this.evNext[at] = -1;
    this.evTsUs[at] = e.tsUs;
    this.evSeq[at] = e.seq;
    this.evOrderId[at] = e.orderId;
    this.evUserId[at] = e.userId;
    this.evQty[at] = e.qtyLots;
    this.evLeaves[at] = e.leavesLots;
    this.evTradeId[at] = e.tradeId;
    this.evSymbolId[at] = e.symbolId;
    this.evIndex[at] = e.eventIndex;
    this.evPrice[at] = e.priceTicks;
    this.evKind[at] = e.event;
    this.evReason[at] = e.reason;
    if (slot === NIL) return;
    const last = this.evLast[slot]!;
    if (last >= 0) this.evNext[last % this.eventsMax] = n;
    else this.evFirst[slot] = n;
    this.evLast[slot] = n;
  }

  // ---- reading (requests) ----

  record(slot: number): OrderRecord {
    return {
      orderId: this.orderId[slot]!,
      userId: this.userId[slot]!,
      clientOrderId: this.clientOrderId[slot]!,
      symbolId: this.symbolId[slot]!,
      side: this.side[slot]!,
      type: this.type[slot]!,
      tif: this.tif[slot]!,
      postOnly: this.postOnly[slot] === 1,
      status: this.status[slot]!,
      priceTicks: this.priceTicks[slot]!,
      stopPriceTicks: this.stopPriceTicks[slot]!,
      qtyLots: this.qtyLots[slot]!,
      filledLots: this.filledLots[slot]!,
      leavesLots: this.leavesLots[slot]!,
      createdUs: this.createdUs[slot]!,
      createdSeq: this.createdSeq[slot]!,
      updatedUs: this.updatedUs[slot]!,
      seq: this.seq[slot]!,
    };
  }

  /**
   * The events of the order in `slot` still in memory, oldest first; `complete` is false when
   * older ones were overwritten.
   */
  events(slot: number): { events: OrderEventRecord[]; complete: boolean } {
    const out: OrderEventRecord[] = [];
    for (let n = this.evFirst[slot]!; n >= 0;) {
      const at = n % this.eventsMax;
      out.push({
        symbolId: this.evSymbolId[at]!,
        tsUs: this.evTsUs[at]!,
        seq: this.evSeq[at]!,
        eventIndex: this.evIndex[at]!,
        orderId: this.evOrderId[at]!,
        userId: this.evUserId[at]!,
        event: this.evKind[at]!,
        reason: this.evReason[at]!,
        priceTicks: this.evPrice[at]!,
        qtyLots: this.evQty[at]!,
        leavesLots: this.evLeaves[at]!,
        tradeId: this.evTradeId[at]!,
      });
      n = this.evNext[at]!;
    }
    return { events: out, complete: this.eventsTruncated[slot] === 0 };
  }

  /** Visits a user's orders in memory, oldest first (`fromNewest`: newest first), until `visit` returns false. */
  forUser(userId: number, fromNewest: boolean, visit: (slot: number) => boolean): void {
    const u = this.users.get(userId);
    if (u === NIL) return;
    if (fromNewest) {
      for (let s = this.userTail[u]!; s !== NIL; s = this.userPrev[s]!) if (!visit(s)) return;
    } else {
      for (let s = this.userHead[u]!; s !== NIL; s = this.userNext[s]!) if (!visit(s)) return;
    }
  }

  /** Orders of a user in memory (live and finished). */
  ordersOfUser(userId: number): number {
    const u = this.users.get(userId);
    return u === NIL ? 0 : this.userOrders[u]!;
  }

  /** Bytes of typed arrays allocated (slots, users, maps and the event ring). */
  bytesAllocated(): number {
    return (
      this.capacity * orderSlotBytes +
      this.eventsMax * orderEventBytes +
      this.finished.length * 4 +
      this.ids.bytes() +
      this.users.bytes()
    );
  }

  // ---- internals ----

  private linkToUser(slot: number, userId: number): void {
    let u = this.users.get(userId);
    if (u === NIL) {
      u = this.freeUsers.pop() ?? this.usersAllocated++;
      this.users.set(userId, u);
      this.userHead[u] = NIL;
      this.userTail[u] = NIL;
      this.userOrders[u] = 0;
    }
    const tail = this.userTail[u]!;
    this.userPrev[slot] = tail;
    this.userNext[slot] = NIL;
    if (tail !== NIL) this.userNext[tail] = slot;
    else this.userHead[u] = slot;
    this.userTail[u] = slot;
    this.userOrders[u]!++;
  }

  private unlinkFromUser(slot: number): void {
    const userId = this.userId[slot]!;
    const u = this.users.get(userId);
    const prev = this.userPrev[slot]!;
    const next = this.userNext[slot]!;
    if (prev !== NIL) this.userNext[prev] = next;
    else this.userHead[u] = next;
    if (next !== NIL) this.userPrev[next] = prev;
    else this.userTail[u] = prev;
    if (--this.userOrders[u]! === 0) {
      this.users.delete(userId);
      this.freeUsers.push(u);
    }
  }

  private evictOldest(): void {
    const slot = this.finished[this.finishedHead]!;
    this.finishedHead = (this.finishedHead + 1) % this.finished.length;
    this.finishedCount--;
    const id = this.orderId[slot]!;
    if (id > this.evictedIdMax) this.evictedIdMax = id;
    if (this.createdUs[slot]! > this.evictedCreatedUsMax) this.evictedCreatedUsMax = this.createdUs[slot]!;
    if (this.ids.get(id) === slot) this.ids.delete(id);
    this.unlinkFromUser(slot);
    this.freeSlots.push(slot);
  }

  /** Event `n` (at ring position `at`) is about to be overwritten: its order's history now starts after it. */
  private overwrite(at: number, n: number): void {
    const slot = this.evSlot[at]!;
    if (slot === NIL || this.gen[slot] !== this.evGen[at] || this.evFirst[slot] !== n) return;
    const next = this.evNext[at]!;
    this.evFirst[slot] = next;
    if (next < 0) this.evLast[slot] = -1;
    this.eventsTruncated[slot] = 1;
  }

  /** No free slot: double the columns (up to slotsMax), else evict the oldest finished order. */
  private makeRoom(): void {
    if (this.capacity < this.slotsMax) {
      const before = this.capacity;
      this.allocate(Math.min(this.slotsMax, this.capacity * 2));
      this.grown++;
      for (let s = this.capacity - 1; s >= before; s--) this.freeSlots.push(s);
      return;
    }
    if (this.finishedCount === 0)
      throw new Error("orders in memory: no slot free and no finished order to evict (programmer error)");
    this.evictOldest();
  }

  private allocate(size: number): void {
    const before = this.capacity;
    const f64 = (old: Float64Array | undefined) => grow(new Float64Array(size), old);
    const i32 = (old: Int32Array | undefined) => grow(new Int32Array(size), old);
    const u8 = (old: Uint8Array | undefined) => grow(new Uint8Array(size), old);
    this.orderId = f64(this.orderId);
    this.userId = f64(this.userId);
    this.clientOrderId = f64(this.clientOrderId);
    this.qtyLots = f64(this.qtyLots);
    this.filledLots = f64(this.filledLots);
    this.leavesLots = f64(this.leavesLots);
    this.createdUs = f64(this.createdUs);
    this.createdSeq = f64(this.createdSeq);
    this.updatedUs = f64(this.updatedUs);
    this.seq = f64(this.seq);
    this.evFirst = f64(this.evFirst);
    this.evLast = f64(this.evLast);
    this.gen = f64(this.gen);
    this.symbolId = i32(this.symbolId);
    this.priceTicks = i32(this.priceTicks);
    this.stopPriceTicks = i32(this.stopPriceTicks);
    this.userNext = i32(this.userNext);
    this.userPrev = i32(this.userPrev);
    this.side = u8(this.side);
    this.type = u8(this.type);
    this.tif = u8(this.tif);
    this.postOnly = u8(this.postOnly);
    this.status = u8(this.status);
    this.eventsTruncated = u8(this.eventsTruncated);
    this.touched = u8(this.touched);
    this.userHead = i32(this.userHead);
    this.userTail = i32(this.userTail);
    this.userOrders = i32(this.userOrders);
    this.capacity = size;
    if (before === 0) for (let s = size - 1; s >= 0; s--) this.freeSlots.push(s);
  }
}

function grow<T extends Float64Array | Int32Array | Uint8Array>(fresh: T, old: T | undefined): T {
  if (old !== undefined) fresh.set(old as never);
  return fresh;
}
