// Struct-of-arrays storage of the engine, allocated once: symbols, order slots,
// price levels, per-side ladders of levels, the order-id and user indexes, and
// the primitive moves on them (allocate/free, link/unlink, find/insert levels).
// The matching logic lives in engine.ts, which extends this class so every
// column is a direct field of the object the hot loop runs on.

import { assert } from "./assert.ts";
import { ColumnGroup } from "./columns.ts";
import { NIL, PRICE_MAX } from "./constants.ts";
import type { EngineConfig } from "./config.ts";
import { IdIndex } from "./id-index.ts";

/** Ladder kinds per book. Keys ascend and the best level is at the end:
 *  bids key = price, asks key = -price, buy stops key = -stop, sell stops key = stop. */
export const BIDS = 0;
export const ASKS = 1;
export const STOP_BUYS = 2;
export const STOP_SELLS = 3;
export const LADDERS_PER_BOOK = 4;

/** Order slot states. */
export const FREE = 0;
export const RESTING = 1;
export const STOP = 2;
/** Elected by a trade and waiting in the command's election queue to execute (only inside one command). */
export const ELECTED = 3;
/** Executing as a taker (a modify or a triggered stop), in no level. */
export const ACTIVE = 4;

/** Linear steps from the best end of a ladder before switching to binary search. */
const LADDER_SCAN_STEPS = 16;
/** Price cache slots per ladder (2^bits): 1024 slots cover the busy prices near the best. */
export const PRICE_CACHE_BITS = 10;
/** A ladder with more empty levels than this, and more than a quarter of its rows, is compacted. */
const LAZY_EMPTY_MIN = 32;
export const KEY_NONE = -PRICE_MAX - 1;

export class EngineStore {
  readonly ordersMax: number;
  readonly levelsMax: number;
  readonly sideMax: number;
  readonly symbolsMax: number;

  // Symbols (books), indexed by book.
  booksCount = 0;
  readonly symNames: string[] = [];
  readonly symTickSize: Int32Array;
  readonly symPriceTicksMin: Int32Array;
  readonly symPriceTicksMax: Int32Array;
  readonly symLotSize: Float64Array;
  readonly symQtyLotsMax: Float64Array;
  /** Last trade price per book; 0 before the first trade. */
  readonly lastPriceTicks: Int32Array;
  /** TradingStatus per book: open, or halted by an operator (cancels only). */
  readonly symStatus: Uint8Array;

  // Orders, indexed by slot.
  readonly ordId: Float64Array;
  readonly ordUser: Float64Array;
  /** The submitter's own id for the order (echoed in events, opaque to matching). */
  readonly ordClientId: Float64Array;
  readonly ordQtyLots: Float64Array;
  /** Seq of the command that placed the order: orders stops by arrival. */
  readonly ordArrivalSeq: Float64Array;
  readonly ordPriceTicks: Int32Array;
  readonly ordStopPriceTicks: Int32Array;
  readonly ordNext: Int32Array;
  readonly ordPrev: Int32Array;
  /** Level of a resting order or untriggered stop; NIL for every other slot (free, elected, executing). */
  readonly ordLevel: Int32Array;
  readonly ordBook: Int32Array;
  readonly ordGen: Uint32Array;
  readonly ordSide: Uint8Array;
  readonly ordType: Uint8Array;
  readonly ordTif: Uint8Array;
  readonly ordStp: Uint8Array;
  readonly ordPostOnly: Uint8Array;
  readonly ordState: Uint8Array;
  orderFree = NIL;
  ordersLive = 0;
  /** One past the highest order slot ever used: snapshots copy columns up to here. */
  slotsHighWater = 0;

  // Price levels, indexed by level slot.
  readonly lvlPriceTicks: Int32Array;
  readonly lvlHead: Int32Array;
  readonly lvlTail: Int32Array;
  readonly lvlOrdersCount: Int32Array;
  readonly lvlQtyLots: Float64Array;
  /** Ladder a level belongs to (NIL when free). */
  readonly lvlLadder: Int32Array;
  levelFree = NIL;
  /** One past the highest level slot ever used. */
  levelsHighWater = 0;
  /** Levels taken from the pool: in ladders, empty ones included. */
  levelsLive = 0;
  /** Levels in ladders with no order (left lazily below the best; see trimTop). */
  levelsEmpty = 0;

  // Ladders: ladder = book * 4 + kind; its rows live at [ladder * sideMax, +ladLevelsCount).
  readonly ladKeys: Int32Array;
  readonly ladLevels: Int32Array;
  readonly ladLevelsCount: Int32Array;
  /** Empty levels per ladder (see trimTop). */
  readonly ladLevelsEmpty: Int32Array;
  /** Per ladder, 2^PRICE_CACHE_BITS slots: price hash -> level (verified on use). */
  readonly ladCache: Int32Array;

  /** Order id -> slot of every live order. */
  readonly idIndex: IdIndex;

  constructor(c: EngineConfig) {
    this.ordersMax = c.ordersMax;
    this.levelsMax = c.levelsMax;
    this.sideMax = c.levelsPerSideMax;
    this.symbolsMax = c.symbolsMax;

    this.symTickSize = new Int32Array(c.symbolsMax);
    this.symPriceTicksMin = new Int32Array(c.symbolsMax);
    this.symPriceTicksMax = new Int32Array(c.symbolsMax);
    this.symLotSize = new Float64Array(c.symbolsMax);
    this.symQtyLotsMax = new Float64Array(c.symbolsMax);
    this.lastPriceTicks = new Int32Array(c.symbolsMax);
    this.symStatus = new Uint8Array(c.symbolsMax);

    // A command touches one slot's entry in most order columns: staggered so they do not
    // share one cache set (columns.ts).
    const o = new ColumnGroup(c.ordersMax);
    this.ordId = o.of(Float64Array);
    this.ordUser = o.of(Float64Array);
    this.ordClientId = o.of(Float64Array);
    this.ordQtyLots = o.of(Float64Array);
    this.ordArrivalSeq = o.of(Float64Array);
    this.ordPriceTicks = o.of(Int32Array);
    this.ordStopPriceTicks = o.of(Int32Array);
    this.ordNext = o.of(Int32Array);
    this.ordPrev = o.of(Int32Array);
    this.ordLevel = o.of(Int32Array);
    this.ordBook = o.of(Int32Array);
    this.ordGen = o.of(Uint32Array);
    this.ordSide = o.of(Uint8Array);
    this.ordType = o.of(Uint8Array);
    this.ordTif = o.of(Uint8Array);
    this.ordStp = o.of(Uint8Array);
    this.ordPostOnly = o.of(Uint8Array);
    this.ordState = o.of(Uint8Array);

    const l = new ColumnGroup(c.levelsMax, 24);
    this.lvlPriceTicks = l.of(Int32Array);
    this.lvlHead = l.of(Int32Array);
    this.lvlTail = l.of(Int32Array);
    this.lvlOrdersCount = l.of(Int32Array);
    this.lvlQtyLots = l.of(Float64Array);
    this.lvlLadder = l.of(Int32Array);

    const ladders = c.symbolsMax * LADDERS_PER_BOOK;
    this.ladKeys = new Int32Array(ladders * c.levelsPerSideMax);
    this.ladLevels = new Int32Array(ladders * c.levelsPerSideMax);
    this.ladLevelsCount = new Int32Array(ladders);
    this.ladCache = new Int32Array(ladders << PRICE_CACHE_BITS);
    this.ladLevelsEmpty = new Int32Array(ladders);

    this.idIndex = new IdIndex(c.ordersMax);
    this.resetStorage();
  }

  /** Empties every book, order, level and index (start-up and snapshot restore). */
  resetStorage(): void {
    for (let i = 0; i < this.ordersMax; i++) {
      this.ordNext[i] = i + 1 < this.ordersMax ? i + 1 : NIL;
      this.ordState[i] = FREE;
      this.ordLevel[i] = NIL;
    }
    this.orderFree = 0;
    this.ordersLive = 0;
    this.slotsHighWater = 0;
    for (let i = 0; i < this.levelsMax; i++) this.lvlHead[i] = i + 1 < this.levelsMax ? i + 1 : NIL;
    this.levelFree = 0;
    this.levelsHighWater = 0;
    this.levelsLive = 0;
    this.levelsEmpty = 0;
    this.lvlLadder.fill(NIL);
    this.ladLevelsCount.fill(0);
    this.ladLevelsEmpty.fill(0);
    this.ladCache.fill(NIL);
    this.lastPriceTicks.fill(0);
    this.symStatus.fill(0);
    this.idIndex.clear();
    this.booksCount = 0;
    this.symNames.length = 0;
  }

  // ---- order slots ----

  /** Takes a free slot (the caller checked `orderFree !== NIL`). */
  protected allocOrder(): number {
    const slot = this.orderFree;
    if (slot === NIL) throw new Error("allocOrder: no free slot (capacity must be checked first)");
    assert(this.ordState[slot] === FREE, "allocOrder: the free list holds a live slot");
    assert(this.ordLevel[slot] === NIL, "allocOrder: a free slot is linked to a level");
    this.orderFree = this.ordNext[slot]!;
    this.ordersLive++;
    if (slot >= this.slotsHighWater) this.slotsHighWater = slot + 1;
    return slot;
  }

  /** Releases a slot that is in no level; removes it from the id index. */
  protected freeOrder(slot: number): void {
    assert(this.ordState[slot] !== FREE, "freeOrder: slot already free");
    assert(this.ordLevel[slot] === NIL, "freeOrder: slot still linked to a level");
    this.idIndex.remove(this.ordId[slot]!);
    this.ordState[slot] = FREE;
    this.ordGen[slot] = (this.ordGen[slot]! + 1) >>> 0;
    this.ordNext[slot] = this.orderFree;
    this.orderFree = slot;
    this.ordersLive--;
  }

  // ---- ladders of levels ----

  /** Row of `key` in the ladder, or -(insertion row) - 1 when absent. */
  protected ladderSearch(ladder: number, key: number): number {
    const keys = this.ladKeys;
    const base = ladder * this.sideMax;
    const n = this.ladLevelsCount[ladder]!;
    // Most activity is near the best price, which sits at the end.
    let i = n - 1;
    const stop = n - LADDER_SCAN_STEPS;
    while (i >= 0 && i > stop) {
      const k = keys[base + i]!;
      if (k === key) return i;
      if (k < key) return -(i + 1) - 1;
      i--;
    }
    let lo = 0;
    let hi = i;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const k = keys[base + mid]!;
      if (k === key) return mid;
      if (k < key) lo = mid + 1;
      else hi = mid - 1;
    }
    return -lo - 1;
  }

  /** Slot of `price` in the ladder's price cache. */
  protected cacheSlot(ladder: number, price: number): number {
    return (ladder << PRICE_CACHE_BITS) + (Math.imul(price, 0x9e3779b1) >>> (32 - PRICE_CACHE_BITS));
  }

  /**
   * The level of `price` in the ladder, or NIL. The price cache answers most
   * lookups with one probe; a miss falls back to searching the ladder.
   */
  protected findLevel(ladder: number, key: number, price: number): number {
    const c = this.cacheSlot(ladder, price);
    const cached = this.ladCache[c]!;
    if (cached !== NIL && this.lvlPriceTicks[cached] === price && this.lvlLadder[cached] === ladder) return cached;
    const row = this.ladderSearch(ladder, key);
    if (row < 0) return NIL;
    const lvl = this.ladLevels[ladder * this.sideMax + row]!;
    this.ladCache[c] = lvl;
    return lvl;
  }

  /** Whether a level for `price` exists or could be created (compacting empty levels if that makes room). */
  protected levelFits(ladder: number, key: number, price: number): boolean {
    if (this.levelFree !== NIL && this.ladLevelsCount[ladder]! < this.sideMax) return true;
    if (this.findLevel(ladder, key, price) !== NIL) return true;
    if (this.levelsEmpty === 0) return false;
    if (this.levelFree === NIL) this.compactAll();
    else this.compactLadder(ladder);
    return this.levelFree !== NIL && this.ladLevelsCount[ladder]! < this.sideMax;
  }

  /** The level of `price` in the ladder, creating an empty one; NIL when out of capacity. */
  protected levelFor(ladder: number, key: number, price: number): number {
    const found = this.findLevel(ladder, key, price);
    if (found !== NIL) return found;
    if (!this.levelFits(ladder, key, price)) return NIL;
    const lvl = this.levelFree;
    this.levelFree = this.lvlHead[lvl]!;
    this.levelsLive++;
    if (lvl >= this.levelsHighWater) this.levelsHighWater = lvl + 1;
    this.levelsEmpty++;
    this.ladLevelsEmpty[ladder]!++;
    this.lvlPriceTicks[lvl] = price;
    this.lvlLadder[lvl] = ladder;
    this.lvlHead[lvl] = NIL;
    this.lvlTail[lvl] = NIL;
    this.lvlOrdersCount[lvl] = 0;
    this.lvlQtyLots[lvl] = 0;
    const n = this.ladLevelsCount[ladder]!;
    const at = -this.ladderSearch(ladder, key) - 1;
    const base = ladder * this.sideMax;
    if (at < n) {
      this.ladKeys.copyWithin(base + at + 1, base + at, base + n);
      this.ladLevels.copyWithin(base + at + 1, base + at, base + n);
    }
    this.ladKeys[base + at] = key;
    this.ladLevels[base + at] = lvl;
    this.ladLevelsCount[ladder] = n + 1;
    this.ladCache[this.cacheSlot(ladder, price)] = lvl;
    return lvl;
  }

  /**
   * Pops empty levels off the best end of a ladder. An emptied level below the
   * best stays in place (lazily) until it reaches the top, is reused by a new
   * order at its price, or a compaction needs its room: a cancel deep in the
   * book then costs no search and no memory move.
   */
  protected trimTop(ladder: number): void {
    const base = ladder * this.sideMax;
    let n = this.ladLevelsCount[ladder]!;
    while (n > 0) {
      const lvl = this.ladLevels[base + n - 1]!;
      if (this.lvlOrdersCount[lvl] !== 0) break;
      n--;
      this.levelsEmpty--;
      this.ladLevelsEmpty[ladder]!--;
      this.freeLevel(lvl);
    }
    this.ladLevelsCount[ladder] = n;
  }

  /** Removes every empty level of a ladder. */
  protected compactLadder(ladder: number): void {
    const base = ladder * this.sideMax;
    const n = this.ladLevelsCount[ladder]!;
    let kept = 0;
    for (let row = 0; row < n; row++) {
      const lvl = this.ladLevels[base + row]!;
      if (this.lvlOrdersCount[lvl] === 0) {
        this.levelsEmpty--;
        this.freeLevel(lvl);
        continue;
      }
      this.ladKeys[base + kept] = this.ladKeys[base + row]!;
      this.ladLevels[base + kept] = lvl;
      kept++;
    }
    this.ladLevelsCount[ladder] = kept;
    this.ladLevelsEmpty[ladder] = 0;
  }

  private compactAll(): void {
    for (let ladder = 0; ladder < this.booksCount * LADDERS_PER_BOOK && this.levelsEmpty > 0; ladder++)
      this.compactLadder(ladder);
  }

  /** Returns a level to the free list (it is in no ladder any more). */
  protected freeLevel(lvl: number): void {
    const c = this.cacheSlot(this.lvlLadder[lvl]!, this.lvlPriceTicks[lvl]!);
    if (this.ladCache[c] === lvl) this.ladCache[c] = NIL;
    this.lvlLadder[lvl] = NIL;
    this.lvlHead[lvl] = this.levelFree;
    this.lvlOrdersCount[lvl] = 0;
    this.levelFree = lvl;
    this.levelsLive--;
  }

  // ---- orders within a level (FIFO) ----

  /** Links an order at the tail of a level of its ladder (its state and price are already set). */
  protected appendToLevel(slot: number, lvl: number): void {
    assert(this.ordLevel[slot] === NIL, "appendToLevel: order already in a level");
    assert(this.lvlLadder[lvl] !== NIL, "appendToLevel: level is not in a ladder");
    assert(this.ordQtyLots[slot]! > 0, "appendToLevel: order has no quantity");
    if (this.lvlOrdersCount[lvl] === 0) {
      this.levelsEmpty--;
      this.ladLevelsEmpty[this.lvlLadder[lvl]!]!--;
    }
    const tail = this.lvlTail[lvl]!;
    assert(tail === NIL || this.ordNext[tail] === NIL, "appendToLevel: level tail has a successor");
    this.ordLevel[slot] = lvl;
    this.ordNext[slot] = NIL;
    this.ordPrev[slot] = tail;
    if (tail !== NIL) this.ordNext[tail] = slot;
    else this.lvlHead[lvl] = slot;
    this.lvlTail[lvl] = slot;
    this.lvlOrdersCount[lvl]!++;
    this.lvlQtyLots[lvl]! += this.ordQtyLots[slot]!;
  }

  /**
   * Takes a resting order or untriggered stop out of its level; an emptied level leaves its ladder if
   * it is the best (see trimTop).
   */
  protected unlinkFromLevel(slot: number): void {
    const lvl = this.ordLevel[slot]!;
    assert(lvl !== NIL, "unlinkFromLevel: order is in no level");
    const prev = this.ordPrev[slot]!;
    const next = this.ordNext[slot]!;
    assert((prev === NIL) === (this.lvlHead[lvl] === slot), "unlinkFromLevel: head link broken");
    assert((next === NIL) === (this.lvlTail[lvl] === slot), "unlinkFromLevel: tail link broken");
    if (prev !== NIL) this.ordNext[prev] = next;
    else this.lvlHead[lvl] = next;
    if (next !== NIL) this.ordPrev[next] = prev;
    else this.lvlTail[lvl] = prev;
    this.lvlQtyLots[lvl]! -= this.ordQtyLots[slot]!;
    this.ordLevel[slot] = NIL;
    assert(this.lvlQtyLots[lvl]! >= 0, "unlinkFromLevel: level quantity below zero");
    if (--this.lvlOrdersCount[lvl]! === 0) {
      const ladder = this.lvlLadder[lvl]!;
      this.levelsEmpty++;
      this.ladLevelsEmpty[ladder]!++;
      this.trimTop(ladder);
      // Bound the lazy empties to a quarter of the ladder: compaction then costs O(1) amortized per emptied level.
      const empty = this.ladLevelsEmpty[ladder]!;
      if (empty > LAZY_EMPTY_MIN && empty * 4 > this.ladLevelsCount[ladder]!) this.compactLadder(ladder);
    }
  }

  /**
   * Unlinks the head order of a level (filled or self-trade cancelled); the caller frees it and drops an empty level.
   */
  protected unlinkHead(lvl: number, o: number): void {
    assert(this.lvlHead[lvl] === o, "unlinkHead: order is not the head of its level");
    assert(this.ordLevel[o] === lvl, "unlinkHead: order names another level");
    const next = this.ordNext[o]!;
    this.lvlHead[lvl] = next;
    if (next !== NIL) this.ordPrev[next] = NIL;
    else this.lvlTail[lvl] = NIL;
    this.lvlOrdersCount[lvl]!--;
    this.lvlQtyLots[lvl]! -= this.ordQtyLots[o]!;
    this.ordLevel[o] = NIL;
  }

  /** Takes `lots` off a resting order that keeps its place and some quantity (partial fill, decrement, size cut). */
  protected reduceInLevel(slot: number, lots: number): void {
    const lvl = this.ordLevel[slot]!;
    assert(lvl !== NIL, "reduceInLevel: order is in no level");
    assert(lots >= 0, "reduceInLevel: negative reduction");
    assert(lots < this.ordQtyLots[slot]!, "reduceInLevel: reduction would empty the order");
    this.ordQtyLots[slot]! -= lots;
    this.lvlQtyLots[lvl]! -= lots;
  }
}
