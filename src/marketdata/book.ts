// A copy of the engine's books built from its events alone: every resting
// order (level 3) in queue order, and per price level its total quantity and
// order count (level 2). Struct-of-arrays columns allocated once, ids
// through the engine's own IdIndex: applying a change allocates nothing.
//
// Level-2 changes are coalesced: a level that changes marks itself dirty, and
// `collectLevels` hands each dirty level's final state out once (quantity 0
// when it emptied). An emptied level stays in its ladder until then, so a
// price that empties and refills within one batch is one change, not two.
//
// Ladders keep one side of one book sorted by key, best at the end (bids key
// = price, asks key = -price), like the engine's: the busy end is the cheap end
// for inserts and removals.

import { Side } from "../engine/constants.ts";
import { IdIndex } from "../engine/id-index.ts";

export const NIL = -1;

export interface BookLimits {
  symbolsMax: number;
  /** Resting orders over all books. */
  ordersMax: number;
  /** Price levels over all books and sides, emptied-but-uncollected ones included. */
  levelsMax: number;
  /** Price levels in one side of one book. */
  levelsPerSideMax: number;
}

/** Visits one level's state: count 0 (and qty 0) means the level is gone. */
export type LevelVisitor = (book: number, side: number, price: number, qty: number, count: number, seq: number) => void;

export class BookMirror {
  readonly limits: BookLimits;
  readonly ids: IdIndex;

  // Orders, by slot.
  readonly ordId: Float64Array;
  readonly ordQty: Float64Array;
  readonly ordPrice: Int32Array;
  readonly ordNext: Int32Array;
  readonly ordPrev: Int32Array;
  readonly ordLevel: Int32Array;
  readonly ordSide: Uint8Array;
  private orderFree = NIL;
  ordersLive = 0;

  // Levels, by slot.
  readonly lvlPrice: Int32Array;
  readonly lvlQty: Float64Array;
  readonly lvlCount: Int32Array;
  readonly lvlHead: Int32Array;
  readonly lvlTail: Int32Array;
  /** Ladder (book * 2 + side) of a level in use; NIL when free. */
  readonly lvlLadder: Int32Array;
  /** Seq of the last command that changed the level. */
  readonly lvlSeq: Float64Array;
  readonly lvlDirty: Uint8Array;
  private levelFree = NIL;
  levelsLive = 0;

  // Ladders: rows [ladder * sideMax, + ladCount[ladder]), keys ascending, best last.
  readonly ladKeys: Int32Array;
  readonly ladLevels: Int32Array;
  readonly ladCount: Int32Array;

  /** Levels changed since the last collect, each listed once. */
  private readonly dirty: Int32Array;
  private dirtyCount = 0;
  /** Per book: bumped on every change, so a periodic reader knows whether to look. */
  readonly bookVersion: Float64Array;

  constructor(limits: BookLimits) {
    checkLimits(limits);
    this.limits = { ...limits };
    const n = limits.ordersMax;
    this.ids = new IdIndex(n);
    this.ordId = new Float64Array(n);
    this.ordQty = new Float64Array(n);
    this.ordPrice = new Int32Array(n);
    this.ordNext = new Int32Array(n);
    this.ordPrev = new Int32Array(n);
    this.ordLevel = new Int32Array(n);
    this.ordSide = new Uint8Array(n);
    for (let i = 0; i < n; i++) this.ordNext[i] = i + 1 < n ? i + 1 : NIL;
    this.orderFree = 0;

    const m = limits.levelsMax;
    this.lvlPrice = new Int32Array(m);
    this.lvlQty = new Float64Array(m);
    this.lvlCount = new Int32Array(m);
    this.lvlHead = new Int32Array(m);
    this.lvlTail = new Int32Array(m);
    this.lvlLadder = new Int32Array(m).fill(NIL);
    this.lvlSeq = new Float64Array(m);
    this.lvlDirty = new Uint8Array(m);
    for (let i = 0; i < m; i++) this.lvlHead[i] = i + 1 < m ? i + 1 : NIL;
    this.levelFree = 0;
    this.dirty = new Int32Array(m);

    const ladders = limits.symbolsMax * 2;
    this.ladKeys = new Int32Array(ladders * limits.levelsPerSideMax);
    this.ladLevels = new Int32Array(ladders * limits.levelsPerSideMax);
    this.ladCount = new Int32Array(ladders);
    this.bookVersion = new Float64Array(limits.symbolsMax);
  }

  // ---- changes ----

  /**
   * Adds an order at the tail of its level. Returns false, changing nothing,
   * when a new level would not fit: the caller collects (which frees emptied
   * levels) and tries again. A duplicate id or a full order table is a broken
   * invariant (the engine never rests more than it holds).
   */
  add(book: number, side: number, id: number, price: number, qty: number, seq: number): boolean {
    if (!(book >= 0 && book < this.limits.symbolsMax))
      throw new Error(`book mirror: book ${book} outside [0, ${this.limits.symbolsMax})`);
    if (side !== Side.Buy && side !== Side.Sell) throw new Error(`book mirror: order ${id} has side ${side}`);
    if (!(qty > 0)) throw new Error(`book mirror: order ${id} added with qty ${qty}`);
    if (this.ids.find(id) !== NIL) throw new Error(`book mirror: order ${id} added twice`);
    if (this.orderFree === NIL) throw new Error(`book mirror: more than ${this.limits.ordersMax} resting orders`);
    const lvl = this.levelFor(book * 2 + side, side === Side.Buy ? price : -price, price);
    if (lvl === NIL) return false;
    const o = this.orderFree;
    this.orderFree = this.ordNext[o]!;
    this.ordersLive++;
    this.ordId[o] = id;
    this.ordQty[o] = qty;
    this.ordPrice[o] = price;
    this.ordSide[o] = side;
    this.ordLevel[o] = lvl;
    const tail = this.lvlTail[lvl]!;
    this.ordPrev[o] = tail;
    this.ordNext[o] = NIL;
    if (tail === NIL) this.lvlHead[lvl] = o;
    else this.ordNext[tail] = o;
    this.lvlTail[lvl] = o;
    this.lvlCount[lvl]!++;
    this.lvlQty[lvl]! += qty;
    this.ids.insert(id, o);
    this.touch(book, lvl, seq);
    return true;
  }

  /** Sets a resting order's remaining quantity in place (it keeps its queue position). */
  setQty(id: number, qty: number, seq: number): void {
    const o = this.slotOf(id);
    if (!(qty > 0)) throw new Error(`book mirror: order ${id} set to qty ${qty}; a removal must say so`);
    const lvl = this.ordLevel[o]!;
    this.lvlQty[lvl]! += qty - this.ordQty[o]!;
    this.ordQty[o] = qty;
    this.touch(this.lvlLadder[lvl]! >> 1, lvl, seq);
  }

  /** Removes a resting order from its level. */
  remove(id: number, seq: number): void {
    const o = this.slotOf(id);
    const lvl = this.ordLevel[o]!;
    const prev = this.ordPrev[o]!;
    const next = this.ordNext[o]!;
    if (prev === NIL) this.lvlHead[lvl] = next;
    else this.ordNext[prev] = next;
    if (next === NIL) this.lvlTail[lvl] = prev;
    else this.ordPrev[next] = prev;
    this.lvlCount[lvl]!--;
    this.lvlQty[lvl]! -= this.ordQty[o]!;
    this.ids.remove(id);
    this.ordNext[o] = this.orderFree;
    this.orderFree = o;
    this.ordersLive--;
    this.touch(this.lvlLadder[lvl]! >> 1, lvl, seq);
  }

  /** Whether an order is resting here. */
  has(id: number): boolean {
    return this.ids.find(id) !== NIL;
  }

  /**
   * Hands each level changed since the last call to `visit` with its final
   * state, then drops the emptied ones from their ladders.
   */
  collectLevels(visit: LevelVisitor | null): void {
    for (let k = 0; k < this.dirtyCount; k++) {
      const lvl = this.dirty[k]!;
      this.lvlDirty[lvl] = 0;
      const ladder = this.lvlLadder[lvl]!;
      const count = this.lvlCount[lvl]!;
      if (visit !== null)
        visit(
          ladder >> 1,
          ladder & 1,
          this.lvlPrice[lvl]!,
          count === 0 ? 0 : this.lvlQty[lvl]!,
          count,
          this.lvlSeq[lvl]!,
        );
      if (count === 0) this.dropLevel(ladder, lvl);
    }
    this.dirtyCount = 0;
  }

  get dirtyLevels(): number {
    return this.dirtyCount;
  }

  // ---- reading ----

  /**
   * Rows of a side, best first, skipping emptied levels: calls `visit(level)` for up to
   * `levelsMax` levels; returns how many.
   */
  forTopLevels(book: number, side: number, levelsMax: number, visit: (level: number) => void): number {
    const ladder = book * 2 + side;
    const base = ladder * this.limits.levelsPerSideMax;
    let seen = 0;
    for (let row = this.ladCount[ladder]! - 1; row >= 0 && seen < levelsMax; row--) {
      const lvl = this.ladLevels[base + row]!;
      if (this.lvlCount[lvl] === 0) continue;
      visit(lvl);
      seen++;
    }
    return seen;
  }

  /** Best non-empty level of a side, or NIL. */
  bestLevel(book: number, side: number): number {
    const ladder = book * 2 + side;
    const base = ladder * this.limits.levelsPerSideMax;
    for (let row = this.ladCount[ladder]! - 1; row >= 0; row--) {
      const lvl = this.ladLevels[base + row]!;
      if (this.lvlCount[lvl] !== 0) return lvl;
    }
    return NIL;
  }

  /** Level slots in use by one side, emptied ones included (collect first for an exact count). */
  ladderRows(book: number, side: number): number {
    return this.ladCount[book * 2 + side]!;
  }

  /** Level slot at `row` of a side counted from the best (0 = best). */
  levelAtRow(book: number, side: number, row: number): number {
    const ladder = book * 2 + side;
    return this.ladLevels[ladder * this.limits.levelsPerSideMax + this.ladCount[ladder]! - 1 - row]!;
  }

  /** Throws when a structural invariant is broken (tests call it). */
  validate(): void {
    let orders = 0;
    for (let ladder = 0; ladder < this.ladCount.length; ladder++) {
      const base = ladder * this.limits.levelsPerSideMax;
      for (let row = 0; row < this.ladCount[ladder]!; row++) {
        const lvl = this.ladLevels[base + row]!;
        if (this.lvlLadder[lvl] !== ladder)
          throw new Error(`level ${lvl} in ladder ${ladder} says ${this.lvlLadder[lvl]}`);
        if (row > 0 && !(this.ladKeys[base + row - 1]! < this.ladKeys[base + row]!))
          throw new Error(`ladder ${ladder} keys not ascending at ${row}`);
        let qty = 0;
        let count = 0;
        let prev = NIL;
        for (let o = this.lvlHead[lvl]!; o !== NIL; o = this.ordNext[o]!) {
          if (this.ordPrev[o] !== prev) throw new Error(`order slot ${o}: bad prev link`);
          if (this.ordLevel[o] !== lvl || this.ordPrice[o] !== this.lvlPrice[lvl])
            throw new Error(`order slot ${o}: wrong level`);
          if (this.ids.find(this.ordId[o]!) !== o) throw new Error(`order ${this.ordId[o]}: id index disagrees`);
          qty += this.ordQty[o]!;
          count++;
          prev = o;
        }
        if (this.lvlTail[lvl] !== prev) throw new Error(`level ${lvl}: bad tail`);
        if (count !== this.lvlCount[lvl] || qty !== this.lvlQty[lvl])
          throw new Error(`level ${lvl}: totals ${this.lvlCount[lvl]}/${this.lvlQty[lvl]} vs ${count}/${qty}`);
        if (count === 0 && this.lvlDirty[lvl] === 0) throw new Error(`level ${lvl}: empty but not awaiting collection`);
        orders += count;
      }
    }
    if (orders !== this.ordersLive || this.ids.count !== orders)
      throw new Error(`orders ${orders} vs live ${this.ordersLive} vs index ${this.ids.count}`);
  }

  // ---- internals ----

  private slotOf(id: number): number {
    const o = this.ids.find(id);
    if (o === NIL) throw new Error(`book mirror: order ${id} is not resting`);
    return o;
  }

  private touch(book: number, lvl: number, seq: number): void {
    this.lvlSeq[lvl] = seq;
    this.bookVersion[book]!++;
    if (this.lvlDirty[lvl] === 0) {
      this.lvlDirty[lvl] = 1;
      this.dirty[this.dirtyCount++] = lvl;
    }
  }

  /** The level for `key` in a ladder, made when absent; NIL when no level or ladder row is free. */
  private levelFor(ladder: number, key: number, price: number): number {
    const base = ladder * this.limits.levelsPerSideMax;
    const n = this.ladCount[ladder]!;
    const keys = this.ladKeys;
    // Upper bound: first row whose key > key; most changes land near the best end.
    let lo = 0;
    let hi = n;
    if (n > 0 && keys[base + n - 1]! <= key) lo = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[base + mid]! <= key) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0 && keys[base + lo - 1] === key) return this.ladLevels[base + lo - 1]!;
    if (n === this.limits.levelsPerSideMax || this.levelFree === NIL) return NIL;
    const lvl = this.levelFree;
    this.levelFree = this.lvlHead[lvl]!;
    this.levelsLive++;
    this.lvlPrice[lvl] = price;
    this.lvlQty[lvl] = 0;
    this.lvlCount[lvl] = 0;
    this.lvlHead[lvl] = NIL;
    this.lvlTail[lvl] = NIL;
    this.lvlLadder[lvl] = ladder;
    keys.copyWithin(base + lo + 1, base + lo, base + n);
    this.ladLevels.copyWithin(base + lo + 1, base + lo, base + n);
    keys[base + lo] = key;
    this.ladLevels[base + lo] = lvl;
    this.ladCount[ladder] = n + 1;
    return lvl;
  }

  private dropLevel(ladder: number, lvl: number): void {
    const base = ladder * this.limits.levelsPerSideMax;
    const n = this.ladCount[ladder]!;
    const price = this.lvlPrice[lvl]!;
    const key = (ladder & 1) === Side.Buy ? price : -price;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ladKeys[base + mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    if (!(lo < n && this.ladLevels[base + lo] === lvl))
      throw new Error(`book mirror: level ${lvl} (price ${price}) not in ladder ${ladder}`);
    this.ladKeys.copyWithin(base + lo, base + lo + 1, base + n);
    this.ladLevels.copyWithin(base + lo, base + lo + 1, base + n);
    this.ladCount[ladder] = n - 1;
    this.lvlLadder[lvl] = NIL;
    this.lvlHead[lvl] = this.levelFree;
    this.levelFree = lvl;
    this.levelsLive--;
  }
}

function checkLimits(l: BookLimits): void {
  const int = (name: string, v: number, lo: number, hi: number) => {
    if (!(Number.isInteger(v) && v >= lo && v <= hi))
      throw new Error(`book mirror: ${name}=${v} must be an integer in [${lo}, ${hi}]`);
  };
  int("symbolsMax", l.symbolsMax, 1, 1 << 16);
  int("ordersMax", l.ordersMax, 1, 1 << 26);
  int("levelsMax", l.levelsMax, 1, 1 << 26);
  int("levelsPerSideMax", l.levelsPerSideMax, 1, 1 << 24);
  if (l.symbolsMax * 2 * l.levelsPerSideMax * 8 > 2 ** 31)
    throw new Error("book mirror: ladders would take more than 2 GiB");
}
