// Struct-of-arrays storage of the engine, allocated once: symbols, order slots,
// price levels, per-side ladders of levels, the order-id and user indexes, and
// the primitive moves on them (allocate/free, link/unlink, find/insert levels).
// The matching logic lives in engine.ts, which extends this class so every
// column is a direct field of the object the hot loop runs on.

import { assert } from "./assert.ts";
import { NIL, PRICE_MAX } from "./constants.ts";
import type { EngineConfig } from "./config.ts";
import { OrderIndex } from "./order-index.ts";

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

/** Rows moved by a loop when a level opens mid-ladder; more go through copyWithin. */
const LADDER_LOOP_MOVE_MAX = 32;
/** Price cache slots per ladder (2^bits): 1024 slots cover the busy prices near the best. */
export const PRICE_CACHE_BITS = 10;
/** A ladder with more empty levels than this, and more than a quarter of its rows, is compacted. */
const LAZY_EMPTY_MIN = 32;
export const KEY_NONE = -PRICE_MAX - 1;

/**
 * Order rows: one 64-byte cache line per slot, read through views of one
 * buffer, so a cancel, a fill or a rest touches one line of the order instead
 * of a line in each of 18 columns. Field offsets are in elements of the view
 * they belong to: OF_ in float64s (8 per row), OI_ in int32s (16 per row),
 * OB_ in bytes (64 per row), OH_ in uint16s (32 per row).
 */
export const ORDER_ROW_BYTES = 64;
export const OF_ID = 0;
export const OF_USER = 1;
/** The submitter's own id for the order (echoed in events, opaque to matching). */
export const OF_CLIENT = 2;
export const OF_QTY = 3;
/** Stop price of a stop order (kept once it triggers); 0 for an order placed as a limit. */
export const OI_STOP = 8;
/**
 * Bumped when the slot is freed (int32, read as uint32): a handle (slot + generation) of a gone order never matches
 * again.
 */
export const OI_GEN = 9;
export const OI_PRICE = 10;
export const OI_NEXT = 11;
export const OI_PREV = 12;
/** Level of a resting order or untriggered stop; NIL for every other slot (free, elected, executing). */
export const OI_LEVEL = 13;
export const OB_SIDE = 56;
export const OB_STATE = 57;
export const OB_STP = 58;
export const OB_POST_ONLY = 59;
export const OB_TYPE = 60;
export const OB_TIF = 61;
/** Book index (< 2^16: symbolsMax, config.ts). */
export const OH_BOOK = 31;

/** Level rows: 32 bytes per level (int32 fields, then the float64 quantity). */
export const LEVEL_ROW_BYTES = 32;
export const LI_PRICE = 0;
/** Head order of the FIFO; for a free level, the next free level. */
export const LI_HEAD = 1;
export const LI_TAIL = 2;
export const LI_COUNT = 3;
/** Ladder a level belongs to (NIL when free). */
export const LI_LADDER = 4;
/** Float64 index within the row (4 per row). */
export const LF_QTY = 3;

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

  // Orders: rows of ORDER_ROW_BYTES indexed by slot (views of one buffer), and one cold column.
  readonly ordF: Float64Array;
  readonly ordI: Int32Array;
  readonly ordB: Uint8Array;
  readonly ordH: Uint16Array;
  /** Seq of the command that placed each order: orders stops by arrival (and open orders by age). */
  readonly ordArrivalSeqs: Float64Array;
  orderFree = NIL;
  ordersLive = 0;
  /** One past the highest order slot ever used: snapshots copy rows up to here. */
  slotsHighWater = 0;

  // Price levels: rows of LEVEL_ROW_BYTES indexed by level slot.
  readonly lvlI: Int32Array;
  readonly lvlF: Float64Array;
  levelFree = NIL;
  /** One past the highest level slot ever used. */
  levelsHighWater = 0;
  /** Levels taken from the pool: in ladders, empty ones included. */
  levelsLive = 0;
  /** Levels in ladders with no order (left lazily below the best; see trimTop). */
  levelsEmpty = 0;

  // Ladders: ladder = book * 4 + kind; its rows are [ladder * sideMax, +ladLevelsCount), row i
  // being (key, level) at ladRows[2i], ladRows[2i + 1]: one array, so opening a level mid-ladder
  // moves the rows above it with one copyWithin.
  readonly ladRows: Int32Array;
  readonly ladLevelsCount: Int32Array;
  /** Empty levels per ladder (see trimTop). */
  readonly ladLevelsEmpty: Int32Array;
  /** Per ladder, 2^PRICE_CACHE_BITS slots: price hash -> level (verified on use). */
  readonly ladCache: Int32Array;

  /** Order id -> slot of every live order (sized to the live count: order-index.ts). */
  readonly idIndex: OrderIndex;

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

    const orders = new ArrayBuffer(c.ordersMax * ORDER_ROW_BYTES);
    this.ordF = new Float64Array(orders);
    this.ordI = new Int32Array(orders);
    this.ordB = new Uint8Array(orders);
    this.ordH = new Uint16Array(orders);
    this.ordArrivalSeqs = new Float64Array(c.ordersMax);

    const levels = new ArrayBuffer(c.levelsMax * LEVEL_ROW_BYTES);
    this.lvlI = new Int32Array(levels);
    this.lvlF = new Float64Array(levels);

    const ladders = c.symbolsMax * LADDERS_PER_BOOK;
    this.ladRows = new Int32Array(ladders * c.levelsPerSideMax * 2);
    this.ladLevelsCount = new Int32Array(ladders);
    this.ladCache = new Int32Array(ladders << PRICE_CACHE_BITS);
    this.ladLevelsEmpty = new Int32Array(ladders);

    this.idIndex = new OrderIndex(c.ordersMax, this.ordF, ORDER_ROW_BYTES / 8);
    this.resetStorage();
  }

  // ---- field access for code off the matching path (queries, snapshots, checks) ----

  /** Key of ladder row i (i = ladder * sideMax + row). */
  ladKey(i: number): number {
    return this.ladRows[i * 2]!;
  }
  /** Level of ladder row i (i = ladder * sideMax + row). */
  ladLevel(i: number): number {
    return this.ladRows[i * 2 + 1]!;
  }

  ordId(slot: number): number {
    return this.ordF[slot * 8 + OF_ID]!;
  }
  ordUser(slot: number): number {
    return this.ordF[slot * 8 + OF_USER]!;
  }
  ordClientId(slot: number): number {
    return this.ordF[slot * 8 + OF_CLIENT]!;
  }
  ordQtyLots(slot: number): number {
    return this.ordF[slot * 8 + OF_QTY]!;
  }
  ordArrivalSeq(slot: number): number {
    return this.ordArrivalSeqs[slot]!;
  }
  ordStopPriceTicks(slot: number): number {
    return this.ordI[slot * 16 + OI_STOP]!;
  }
  ordGen(slot: number): number {
    return this.ordI[slot * 16 + OI_GEN]! >>> 0;
  }
  ordPriceTicks(slot: number): number {
    return this.ordI[slot * 16 + OI_PRICE]!;
  }
  ordNext(slot: number): number {
    return this.ordI[slot * 16 + OI_NEXT]!;
  }
  ordPrev(slot: number): number {
    return this.ordI[slot * 16 + OI_PREV]!;
  }
  ordLevel(slot: number): number {
    return this.ordI[slot * 16 + OI_LEVEL]!;
  }
  ordBook(slot: number): number {
    return this.ordH[slot * 32 + OH_BOOK]!;
  }
  ordSide(slot: number): number {
    return this.ordB[slot * 64 + OB_SIDE]!;
  }
  ordState(slot: number): number {
    return this.ordB[slot * 64 + OB_STATE]!;
  }
  ordStp(slot: number): number {
    return this.ordB[slot * 64 + OB_STP]!;
  }
  ordPostOnly(slot: number): number {
    return this.ordB[slot * 64 + OB_POST_ONLY]!;
  }
  ordType(slot: number): number {
    return this.ordB[slot * 64 + OB_TYPE]!;
  }
  ordTif(slot: number): number {
    return this.ordB[slot * 64 + OB_TIF]!;
  }
  lvlPriceTicks(lvl: number): number {
    return this.lvlI[lvl * 8 + LI_PRICE]!;
  }
  lvlHead(lvl: number): number {
    return this.lvlI[lvl * 8 + LI_HEAD]!;
  }
  lvlTail(lvl: number): number {
    return this.lvlI[lvl * 8 + LI_TAIL]!;
  }
  lvlOrdersCount(lvl: number): number {
    return this.lvlI[lvl * 8 + LI_COUNT]!;
  }
  lvlLadder(lvl: number): number {
    return this.lvlI[lvl * 8 + LI_LADDER]!;
  }
  lvlQtyLots(lvl: number): number {
    return this.lvlF[lvl * 4 + LF_QTY]!;
  }

  /** Empties every book, order, level and index (start-up and snapshot restore). */
  resetStorage(): void {
    const oi = this.ordI;
    const ob = this.ordB;
    for (let i = 0; i < this.ordersMax; i++) {
      oi[(i << 4) | OI_NEXT] = i + 1 < this.ordersMax ? i + 1 : NIL;
      oi[(i << 4) | OI_LEVEL] = NIL;
      ob[(i << 6) | OB_STATE] = FREE;
    }
    this.orderFree = 0;
    this.ordersLive = 0;
    this.slotsHighWater = 0;
    const li = this.lvlI;
    for (let i = 0; i < this.levelsMax; i++) {
      li[(i << 3) | LI_HEAD] = i + 1 < this.levelsMax ? i + 1 : NIL;
      li[(i << 3) | LI_LADDER] = NIL;
    }
    this.levelFree = 0;
    this.levelsHighWater = 0;
    this.levelsLive = 0;
    this.levelsEmpty = 0;
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
    assert(this.ordB[(slot << 6) | OB_STATE] === FREE, "allocOrder: the free list holds a live slot");
    this.orderFree = this.ordI[(slot << 4) | OI_NEXT]!;
    this.ordersLive++;
    if (slot >= this.slotsHighWater) this.slotsHighWater = slot + 1;
    return slot;
  }

  /** Releases a slot that is in no level; removes it from the id index. */
  protected freeOrder(slot: number): void {
    assert(this.ordB[(slot << 6) | OB_STATE] !== FREE, "freeOrder: slot already free");
    assert(this.ordI[(slot << 4) | OI_LEVEL] === NIL, "freeOrder: slot still linked to a level");
    this.idIndex.remove(slot);
    this.ordB[(slot << 6) | OB_STATE] = FREE;
    this.ordI[(slot << 4) | OI_GEN] = (this.ordI[(slot << 4) | OI_GEN]! + 1) | 0;
    this.ordI[(slot << 4) | OI_NEXT] = this.orderFree;
    this.orderFree = slot;
    this.ordersLive--;
  }

  // ---- ladders of levels ----

  /**
   * Row of `key` in the ladder, or -(insertion row) - 1 when absent. Most
   * activity is near the best price, at the end: the search gallops down from
   * there (rows n-1, n-2, n-4, ...) and then bisects the last step, O(log d)
   * for a key d rows below the best.
   */
  protected ladderSearch(ladder: number, key: number): number {
    const rows = this.ladRows;
    const base = ladder * this.sideMax;
    const n = this.ladLevelsCount[ladder]!;
    // Rows at or above `upper` hold keys > key; rows below `lo` hold keys < key.
    let upper = n;
    let lo = 0;
    let step = 1;
    for (let p = n - 1; p >= 0; p = n - step) {
      const k = rows[(base + p) << 1]!;
      if (k === key) return p;
      if (k < key) {
        lo = p + 1;
        break;
      }
      upper = p;
      step <<= 1;
    }
    let hi = upper - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const k = rows[(base + mid) << 1]!;
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
    if (
      cached !== NIL &&
      this.lvlI[(cached << 3) | LI_PRICE] === price &&
      this.lvlI[(cached << 3) | LI_LADDER] === ladder
    )
      return cached;
    const row = this.ladderSearch(ladder, key);
    if (row < 0) return NIL;
    const lvl = this.ladRows[((ladder * this.sideMax + row) << 1) | 1]!;
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
    const c = this.cacheSlot(ladder, price);
    const cached = this.ladCache[c]!;
    const li = this.lvlI;
    if (cached !== NIL && li[(cached << 3) | LI_PRICE] === price && li[(cached << 3) | LI_LADDER] === ladder)
      return cached;
    const base = ladder * this.sideMax;
    let row = this.ladderSearch(ladder, key);
    if (row >= 0) {
      const found = this.ladRows[((base + row) << 1) | 1]!;
      this.ladCache[c] = found;
      return found;
    }
    if (!(this.levelFree !== NIL && this.ladLevelsCount[ladder]! < this.sideMax)) {
      if (!this.levelFits(ladder, key, price)) return NIL;
      // A compaction moved the rows.
      row = this.ladderSearch(ladder, key);
    }
    const lvl = this.levelFree;
    const r = lvl << 3;
    this.levelFree = li[r | LI_HEAD]!;
    this.levelsLive++;
    if (lvl >= this.levelsHighWater) this.levelsHighWater = lvl + 1;
    this.levelsEmpty++;
    this.ladLevelsEmpty[ladder]!++;
    li[r | LI_PRICE] = price;
    li[r | LI_LADDER] = ladder;
    li[r | LI_HEAD] = NIL;
    li[r | LI_TAIL] = NIL;
    li[r | LI_COUNT] = 0;
    this.lvlF[(lvl << 2) | LF_QTY] = 0;
    const n = this.ladLevelsCount[ladder]!;
    const at = base - row - 1;
    const rows = this.ladRows;
    // A short move (a level opening near the best) is cheaper as a loop than as a native call.
    if (base + n - at > LADDER_LOOP_MOVE_MAX) {
      rows.copyWithin((at + 1) << 1, at << 1, (base + n) << 1);
    } else {
      for (let k = (base + n) << 1; k > at << 1; k -= 2) {
        rows[k] = rows[k - 2]!;
        rows[k + 1] = rows[k - 1]!;
      }
    }
    rows[at << 1] = key;
    rows[(at << 1) | 1] = lvl;
    this.ladLevelsCount[ladder] = n + 1;
    this.ladCache[c] = lvl;
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
      const lvl = this.ladRows[((base + n - 1) << 1) | 1]!;
      if (this.lvlI[(lvl << 3) | LI_COUNT] !== 0) break;
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
      const lvl = this.ladRows[((base + row) << 1) | 1]!;
      if (this.lvlI[(lvl << 3) | LI_COUNT] === 0) {
        this.levelsEmpty--;
        this.freeLevel(lvl);
        continue;
      }
      this.ladRows[(base + kept) << 1] = this.ladRows[(base + row) << 1]!;
      this.ladRows[((base + kept) << 1) | 1] = lvl;
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
    const li = this.lvlI;
    const r = lvl << 3;
    const c = this.cacheSlot(li[r | LI_LADDER]!, li[r | LI_PRICE]!);
    if (this.ladCache[c] === lvl) this.ladCache[c] = NIL;
    li[r | LI_LADDER] = NIL;
    li[r | LI_HEAD] = this.levelFree;
    li[r | LI_COUNT] = 0;
    this.levelFree = lvl;
    this.levelsLive--;
  }

  // ---- orders within a level (FIFO) ----

  /** Links an order at the tail of a level of its ladder (its state and price are already set). */
  protected appendToLevel(slot: number, lvl: number): void {
    const oi = this.ordI;
    const li = this.lvlI;
    const r = lvl << 3;
    const s = slot << 4;
    assert(oi[s | OI_LEVEL] === NIL, "appendToLevel: order already in a level");
    assert(li[r | LI_LADDER] !== NIL, "appendToLevel: level is not in a ladder");
    assert(this.ordF[(slot << 3) | OF_QTY]! > 0, "appendToLevel: order has no quantity");
    if (li[r | LI_COUNT] === 0) {
      this.levelsEmpty--;
      this.ladLevelsEmpty[li[r | LI_LADDER]!]!--;
    }
    const tail = li[r | LI_TAIL]!;
    assert(tail === NIL || oi[(tail << 4) | OI_NEXT] === NIL, "appendToLevel: level tail has a successor");
    oi[s | OI_LEVEL] = lvl;
    oi[s | OI_NEXT] = NIL;
    oi[s | OI_PREV] = tail;
    if (tail !== NIL) oi[(tail << 4) | OI_NEXT] = slot;
    else li[r | LI_HEAD] = slot;
    li[r | LI_TAIL] = slot;
    li[r | LI_COUNT]!++;
    this.lvlF[(lvl << 2) | LF_QTY]! += this.ordF[(slot << 3) | OF_QTY]!;
  }

  /**
   * Takes a resting order or untriggered stop out of its level; an emptied level leaves its ladder if
   * it is the best (see trimTop).
   */
  protected unlinkFromLevel(slot: number): void {
    const oi = this.ordI;
    const li = this.lvlI;
    const s = slot << 4;
    const lvl = oi[s | OI_LEVEL]!;
    assert(lvl !== NIL, "unlinkFromLevel: order is in no level");
    const r = lvl << 3;
    const prev = oi[s | OI_PREV]!;
    const next = oi[s | OI_NEXT]!;
    assert((prev === NIL) === (li[r | LI_HEAD] === slot), "unlinkFromLevel: head link broken");
    assert((next === NIL) === (li[r | LI_TAIL] === slot), "unlinkFromLevel: tail link broken");
    if (prev !== NIL) oi[(prev << 4) | OI_NEXT] = next;
    else li[r | LI_HEAD] = next;
    if (next !== NIL) oi[(next << 4) | OI_PREV] = prev;
    else li[r | LI_TAIL] = prev;
    const qf = (lvl << 2) | LF_QTY;
    this.lvlF[qf]! -= this.ordF[(slot << 3) | OF_QTY]!;
    oi[s | OI_LEVEL] = NIL;
    assert(this.lvlF[qf]! >= 0, "unlinkFromLevel: level quantity below zero");
    if (--li[r | LI_COUNT]! === 0) this.levelEmptied(lvl);
  }

  /**
   * A level of a ladder lost its last order outside matching: it leaves now if it is the best, else lazily (see
   * trimTop).
   */
  protected levelEmptied(lvl: number): void {
    const ladder = this.lvlI[(lvl << 3) | LI_LADDER]!;
    this.levelsEmpty++;
    this.ladLevelsEmpty[ladder]!++;
    this.trimTop(ladder);
    // Bound the lazy empties to a quarter of the ladder: compaction then costs O(1) amortized per emptied level.
    const empty = this.ladLevelsEmpty[ladder]!;
    if (empty > LAZY_EMPTY_MIN && empty * 4 > this.ladLevelsCount[ladder]!) this.compactLadder(ladder);
  }

  /**
   * Unlinks the head order of a level (filled or self-trade cancelled); the caller frees it and drops an empty level.
   */
  protected unlinkHead(lvl: number, o: number): void {
    const oi = this.ordI;
    const li = this.lvlI;
    const r = lvl << 3;
    const s = o << 4;
    assert(li[r | LI_HEAD] === o, "unlinkHead: order is not the head of its level");
    assert(oi[s | OI_LEVEL] === lvl, "unlinkHead: order names another level");
    const next = oi[s | OI_NEXT]!;
    li[r | LI_HEAD] = next;
    if (next !== NIL) oi[(next << 4) | OI_PREV] = NIL;
    else li[r | LI_TAIL] = NIL;
    li[r | LI_COUNT]!--;
    this.lvlF[(lvl << 2) | LF_QTY]! -= this.ordF[(o << 3) | OF_QTY]!;
    oi[s | OI_LEVEL] = NIL;
  }

  /** Takes `lots` off a resting order that keeps its place and some quantity (partial fill, decrement, size cut). */
  protected reduceInLevel(slot: number, lots: number): void {
    const lvl = this.ordI[(slot << 4) | OI_LEVEL]!;
    const q = (slot << 3) | OF_QTY;
    assert(lvl !== NIL, "reduceInLevel: order is in no level");
    assert(lots >= 0, "reduceInLevel: negative reduction");
    assert(lots < this.ordF[q]!, "reduceInLevel: reduction would empty the order");
    this.ordF[q]! -= lots;
    this.lvlF[(lvl << 2) | LF_QTY]! -= lots;
  }
}
