// Order id -> order slot for the engine's live orders, sized to the live
// count rather than to the capacity, so that it stays in cache.
//
// Why: a table sized for the capacity (2^20 orders) spreads a book of 20k live
// orders over megabytes, and a lookup of an arbitrary id misses the cache and
// the TLB: that was over half the engine's time on the tapes, whose ids are a
// random permutation over 2^40. Here the table in use has 2-8 cells per live
// order (4 bytes each) and doubles or halves as the book grows or shrinks.
//
// Hash: plain first (`plainHashId`: the id's low bits pick the cell), so the
// ids the sequencer hands out in sequence sit three cells apart and a deep
// book's new orders touch a few cache lines; random ids are spread by their
// own low bits. Ids whose low bits follow a pattern would cluster: the first
// insert that probes past PLAIN_PROBE_MAX cells rehashes everything with the
// mixed hash (`hashId`) once. Each slot's hash is kept beside the table, so a
// resize or a cluster shift never reads an order's row.
//
// Layout: open addressing with linear probing. A cell is an int32 holding the
// order's slot (low 25 bits), 3 more bits of the id's hash (a tag) and the
// entry's distance from its home cell (3 bits, 7 meaning 7 or more), or -1 when
// empty. The id itself is not stored: a cell whose tag matches is confirmed
// against the order's id in the engine's rows (`ids`), which the caller reads
// next anyway. Deletion shifts later members of a cluster back, deciding from
// their stored distances: it reads nothing but the table (rehashing each one
// read a random order row and cost ~10 ns a removal).
//
// Resizing never stops the world: both tables are allocated at start-up at
// full size (2 x 2^(ceil log2(2 x slotsMax)) cells). A resize makes the other
// table current and moves the old one's entries over a few clusters per insert
// or remove; lookups meanwhile try the current table, then the old one. A
// cluster is always moved whole, so the part of the old table still in use
// holds intact clusters and a lookup there is an ordinary probe.

import { NIL } from "./constants.ts";

const EMPTY = -1;
/** Slots occupy the low bits of a cell; engine capacity is at most 2^25 orders (config.ts). */
const SLOT_BITS = 25;
const SLOT_MASK = (1 << SLOT_BITS) - 1;
const TAG_MASK = 7 << SLOT_BITS;
/** The entry's distance from its home cell, saturated at DIST_MAX (then found by rehashing). */
const DIST_SHIFT = 28;
const DIST_MAX = 7;
const DIST_MASK = DIST_MAX << DIST_SHIFT;
const KEY_MASK = SLOT_MASK | TAG_MASK;
/** Smallest table in use, in cells (16 KiB). */
const CELLS_MIN = 4096;
/** Old-table cells examined per insert or remove while a resize is under way (a cluster is finished even past this). */
const MIGRATE_CELLS_PER_OP = 16;
/**
 * Scratch for reading an id's two 32-bit halves without a float-to-int conversion (ids past 2^31 take a slow path
 * there).
 */
const idScratch = new Float64Array(1);
const idHalves = new Int32Array(idScratch.buffer);

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * Mixes the two 32-bit halves of an id's float64 bits: low bits pick the
 * cell, the top 3 are the tag. Equal ids have equal bits (+ 0 makes -0 +0).
 */
export function hashId(id: number): number {
  idScratch[0] = id + 0;
  let h = Math.imul(idHalves[0]! ^ Math.imul(idHalves[1]!, 0x27d4eb2d), 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  return h ^ (h >>> 13);
}

const TWO_POW_29 = 2 ** 29;
const TWO_NEG_29 = 2 ** -29;
/** The cell bits of a hash: tables have at most 2^27 cells; bits 29-31 are the tag. */
const CELL_BITS_MASK = TWO_POW_29 - 1;
/** An insert that probes further than this under the plain hash switches the index to the mixed one. */
const PLAIN_PROBE_MAX = 32;

/**
 * The plain hash: the id's low 29 bits (times 3, plus a multiple of the
 * rest) pick the cell, a mix of both the tag. Ids handed out in sequence, as
 * the sequencer does, land three cells apart: a book's newest orders share
 * cache lines and never collide (the mixed hash scattered them, a cache miss
 * per new order in a deep book). Ids with a pattern in their low bits would
 * pile up, which an insert's long probe detects (`rebuildMixed`).
 */
export function plainHashId(id: number): number {
  const hi = Math.floor(id * TWO_NEG_29);
  const lo = (id - hi * TWO_POW_29) | 0;
  const h = hi | 0;
  // Three times the low bits, plus a multiple of the rest: an odd multiplier maps any run of as many ids in sequence
  // as a table has cells onto every cell once, three cells apart (a book's live ids, never more than half the
  // cells, leave clusters of one or two; adjacent cells would make one cluster of them all, which each removal's
  // shift scans), and keeps random low bits uniform.
  const cell = Math.imul(lo, 3) + Math.imul(h, 0x9e3779b1);
  return (cell & CELL_BITS_MASK) | (Math.imul(lo ^ h, 0x85ebca6b) & ~CELL_BITS_MASK);
}

function tagOf(h: number): number {
  return (h >>> 29) << SLOT_BITS;
}

/** A cell for `slot` with hash h, `d` cells past its home. */
function cellOf(h: number, slot: number, d: number): number {
  return slot | tagOf(h) | ((d < DIST_MAX ? d : DIST_MAX) << DIST_SHIFT);
}

export class OrderIndex {
  readonly slotsMax: number;
  /** The engine's ids: ids[slot << idShift] is the id of the order in slot, for every slot in the index. */
  private readonly ids: Float64Array;
  private readonly idShift: number;
  /**
   * The hash of each indexed slot's id, written at insert: moving an entry (a
   * resize, a removal's cluster shift) reads 4 bytes here instead of the
   * order's 64-byte row, which for a book of 500k orders is a cache miss per
   * entry (a doubling at that size read ~500k rows and cost ~0.2 µs a command
   * on the deep-book workload).
   */
  private readonly slotHash: Int32Array;
  private readonly tableA: Int32Array;
  private readonly tableB: Int32Array;
  /** Largest table in use, in cells. */
  readonly cellsMax: number;
  /** The table inserts go to, and its size - 1. */
  private cur: Int32Array;
  private curMask: number;
  /** During a resize, the table being emptied, and its size - 1; otherwise all empty. */
  private old: Int32Array;
  private oldMask = 0;
  private migrating = false;
  private migrateAt = 0;
  private migrateCellsLeft = 0;
  count = 0;
  /** Resizes started since construction or `clear` (tests and benchmarks read it). */
  resizes = 0;
  /** Whether ids are hashed with `hashId` (after a long probe) rather than `plainHashId`. */
  mixed = false;
  /** Switches to the mixed hash since construction or `clear` (tests and benchmarks read it). */
  rebuilds = 0;
  /** Bumped by every change to the tables: a hint is good only for the version it was taken at. */
  private version = 0;
  /**
   * Where the last find's probe ended in the current table (its hit, or the empty cell for its id), for that id and
   * hash.
   */
  private hintCell = 0;
  private hintHash = 0;
  private hintId = -1;
  private hintVersion = -1;

  /** `idStride`: elements of `ids` per slot (1 for a column, the row length for rows whose first field is the id). */
  constructor(slotsMax: number, ids: Float64Array, idStride = 1) {
    if (!(Number.isInteger(slotsMax) && slotsMax >= 1 && slotsMax <= SLOT_MASK + 1))
      throw new Error(`OrderIndex slotsMax ${slotsMax} must be an integer in [1, 2^25]`);
    const idShift = Math.log2(idStride);
    if (!(Number.isInteger(idShift) && idShift >= 0 && idShift <= 4))
      throw new Error(`OrderIndex: id stride ${idStride} must be 1, 2, 4, 8 or 16`);
    if (ids.length < slotsMax * idStride)
      throw new Error(`OrderIndex: ${ids.length} id elements for ${slotsMax} slots of ${idStride}`);
    this.slotsMax = slotsMax;
    this.ids = ids;
    this.idShift = idShift;
    this.slotHash = new Int32Array(slotsMax);
    // Load stays <= 1/2 even with every slot live.
    this.cellsMax = Math.max(CELLS_MIN, nextPowerOfTwo(2 * slotsMax));
    this.tableA = new Int32Array(this.cellsMax).fill(EMPTY);
    this.tableB = new Int32Array(this.cellsMax).fill(EMPTY);
    this.cur = this.tableA;
    this.curMask = CELLS_MIN - 1;
    this.old = this.tableB;
  }

  /** Cells of the table inserts go to. */
  get cells(): number {
    return this.curMask + 1;
  }

  /**
   * The slot of `id`, or NIL (also for any value that is not an id, which is
   * never stored). Remembers where its probe ended: an insert of the same id
   * (after a miss) or a remove of the slot found (after a hit) that comes next,
   * with the table unchanged, goes straight to that cell. A new order's
   * duplicate check and its rest, or a cancel's lookup and removal, so probe once.
   */
  find(id: number): number {
    const h = this.mixed ? hashId(id) : plainHashId(id);
    const tag = tagOf(h);
    const ids = this.ids;
    const shift = this.idShift;
    const t = this.cur;
    const mask = this.curMask;
    let i = h & mask;
    for (;;) {
      const cell = t[i]!;
      if (cell === EMPTY) break;
      if ((cell & TAG_MASK) === tag && ids[(cell & SLOT_MASK) << shift] === id) {
        this.hintCell = i;
        this.hintId = Number.NaN;
        this.hintVersion = this.version;
        return cell & SLOT_MASK;
      }
      i = (i + 1) & mask;
    }
    if (this.migrating) return this.findOld(id, h, tag);
    this.hintCell = i;
    this.hintHash = h;
    this.hintId = id;
    this.hintVersion = this.version;
    return NIL;
  }

  private findOld(id: number, h: number, tag: number): number {
    const ids = this.ids;
    const t = this.old;
    const mask = this.oldMask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const cell = t[i]!;
      if (cell === EMPTY) return NIL;
      if ((cell & TAG_MASK) === tag && ids[(cell & SLOT_MASK) << this.idShift] === id) return cell & SLOT_MASK;
    }
  }

  /** Adds `slot`, whose id (`ids[slot]`) is not in the index. The caller keeps count <= slotsMax. */
  insert(slot: number): void {
    if (!(this.count < this.slotsMax)) throw new Error("OrderIndex full: caller must check capacity first");
    if (!(slot >= 0 && slot < this.slotsMax)) throw new Error(`OrderIndex: slot ${slot} outside [0, ${this.slotsMax})`);
    const id = this.ids[slot << this.idShift]!;
    this.count++;
    if (this.count > (this.curMask + 1) >>> 1) this.resize((this.curMask + 1) * 2);
    else if (this.migrating) this.migrate(MIGRATE_CELLS_PER_OP);
    if (this.hintVersion === this.version && this.hintId === id) {
      this.slotHash[slot] = this.hintHash;
      this.cur[this.hintCell] = cellOf(this.hintHash, slot, (this.hintCell - this.hintHash) & this.curMask);
    } else {
      const h = this.mixed ? hashId(id) : plainHashId(id);
      this.slotHash[slot] = h;
      if (this.put(this.cur, this.curMask, h, slot) > PLAIN_PROBE_MAX && !this.mixed) this.rebuildMixed();
    }
    this.version++;
  }

  /** Removes `slot` (its id is `ids[slot]`), which is in the index. */
  remove(slot: number): void {
    const t = this.cur;
    const mask = this.curMask;
    let i = this.hintCell;
    if (!(this.hintVersion === this.version && t[i]! >= 0 && (t[i]! & SLOT_MASK) === slot)) {
      const h = this.slotHash[slot]!;
      const key = tagOf(h) | slot;
      for (i = h & mask; (t[i]! & KEY_MASK) !== key || t[i]! < 0; i = (i + 1) & mask) {
        if (t[i] === EMPTY) {
          this.removeOld(slot, h, key);
          return;
        }
      }
    }
    this.deleteAt(t, mask, i);
    this.removed();
  }

  /** The entry is not in the current table: a resize is under way and it is still in the old one. */
  private removeOld(slot: number, h: number, key: number): void {
    if (!(this.migrating && this.removeFrom(this.old, this.oldMask, h, key)))
      throw new Error(`OrderIndex: slot ${slot} (id ${this.ids[slot << this.idShift]}) not present`);
    this.removed();
  }

  /** After a removal: the count, the version, and a step of a resize under way or a shrink that is due. */
  private removed(): void {
    this.count--;
    this.version++;
    const size = this.curMask + 1;
    if (this.migrating) this.migrate(MIGRATE_CELLS_PER_OP);
    else if (size > CELLS_MIN && this.count < size >>> 3) this.resize(size >>> 1);
  }

  /** Puts `slot` in the first empty cell from its home; returns how far past its home that was. */
  private put(t: Int32Array, mask: number, h: number, slot: number): number {
    let i = h & mask;
    let d = 0;
    while (t[i] !== EMPTY) {
      i = (i + 1) & mask;
      d++;
    }
    t[i] = cellOf(h, slot, d);
    return d;
  }

  /**
   * Rehashes every entry with the mixed hash into the other table (empty once
   * no resize is under way), at once: ids whose low bits follow a pattern made
   * a cluster too long for the plain hash. Happens at most once until `clear`.
   */
  private rebuildMixed(): void {
    if (this.migrating) this.migrate(Number.MAX_SAFE_INTEGER);
    this.mixed = true;
    this.rebuilds++;
    const from = this.cur;
    const to = from === this.tableA ? this.tableB : this.tableA;
    const mask = this.curMask;
    for (let i = 0; i <= mask; i++) {
      const c = from[i]!;
      if (c === EMPTY) continue;
      const slot = c & SLOT_MASK;
      const h = hashId(this.ids[slot << this.idShift]!);
      this.slotHash[slot] = h;
      this.put(to, mask, h, slot);
      from[i] = EMPTY;
    }
    this.cur = to;
    this.old = from;
    this.version++;
  }

  /** Deletes the entry `key` (tag | slot) from table t if it is there, shifting later members of its cluster back. */
  private removeFrom(t: Int32Array, mask: number, h: number, key: number): boolean {
    let i = h & mask;
    for (;;) {
      const c = t[i]!;
      if (c === EMPTY) return false;
      if ((c & KEY_MASK) === key) break;
      i = (i + 1) & mask;
    }
    this.deleteAt(t, mask, i);
    return true;
  }

  /**
   * Empties cell i of table t, shifting later members of its cluster back: the
   * entry in cell j, d cells past its home, may move to i exactly when its home
   * is not within (i, j], that is when d >= j - i (cyclically).
   */
  private deleteAt(t: Int32Array, mask: number, row: number): void {
    let i = row;
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const c = t[j]!;
      if (c === EMPTY) break;
      let d = c >>> DIST_SHIFT;
      if (d === DIST_MAX) d = (j - this.slotHash[c & SLOT_MASK]!) & mask;
      const gap = (j - i) & mask;
      if (d < gap) continue;
      d -= gap;
      t[i] = (c & KEY_MASK) | ((d < DIST_MAX ? d : DIST_MAX) << DIST_SHIFT);
      i = j;
    }
    t[i] = EMPTY;
  }

  /** Makes the other table current with `cells` cells; the entries move over as inserts and removes go on. */
  private resize(cells: number): void {
    if (cells > this.cellsMax || cells < CELLS_MIN) return;
    if (this.migrating) this.migrate(Number.MAX_SAFE_INTEGER);
    const from = this.cur;
    const fromMask = this.curMask;
    this.old = from;
    this.oldMask = fromMask;
    this.cur = from === this.tableA ? this.tableB : this.tableA;
    this.curMask = cells - 1;
    this.resizes++;
    this.version++;
    // Start just after an empty cell, so the scan meets every cluster at its start and moves it whole.
    let start = 0;
    while (from[start] !== EMPTY) start++;
    this.migrateAt = (start + 1) & fromMask;
    this.migrateCellsLeft = fromMask + 1;
    this.migrating = true;
  }

  /** Moves old-table clusters to the current table, examining about `budget` cells (a cluster is finished past it). */
  private migrate(budget: number): void {
    const old = this.old;
    const mask = this.oldMask;
    const hashes = this.slotHash;
    let at = this.migrateAt;
    let left = this.migrateCellsLeft;
    for (let n = 0; n < budget && left > 0; n++) {
      // A cell after an empty one starts a cluster: move all of it before stopping.
      while (left > 0 && old[at] !== EMPTY) {
        const slot = old[at]! & SLOT_MASK;
        this.put(this.cur, this.curMask, hashes[slot]!, slot);
        old[at] = EMPTY;
        at = (at + 1) & mask;
        left--;
      }
      if (left === 0) break;
      at = (at + 1) & mask;
      left--;
    }
    this.migrateAt = at;
    this.migrateCellsLeft = left;
    this.version++;
    if (left === 0) this.migrating = false;
  }

  /** Empties the index (start-up and snapshot restore). */
  clear(): void {
    this.tableA.fill(EMPTY);
    this.tableB.fill(EMPTY);
    this.cur = this.tableA;
    this.curMask = CELLS_MIN - 1;
    this.old = this.tableB;
    this.migrating = false;
    this.count = 0;
    this.resizes = 0;
    this.mixed = false;
    this.rebuilds = 0;
    this.version++;
  }

  /** Calls fn with every slot in the index (tests). */
  forEachSlot(fn: (slot: number) => void): void {
    for (let i = 0; i <= this.curMask; i++) if (this.cur[i] !== EMPTY) fn(this.cur[i]! & SLOT_MASK);
    if (this.migrating) for (let i = 0; i <= this.oldMask; i++) if (this.old[i] !== EMPTY) fn(this.old[i]! & SLOT_MASK);
  }

  /** Throws when a cell is not reachable from its home or an empty table holds cells (tests). */
  check(): void {
    let seen = 0;
    const tables: [Int32Array, number][] = [[this.cur, this.curMask]];
    if (this.migrating) tables.push([this.old, this.oldMask]);
    for (const [t, mask] of tables) {
      for (let i = 0; i <= mask; i++) {
        const c = t[i]!;
        if (c === EMPTY) continue;
        seen++;
        const slot = c & SLOT_MASK;
        const id = this.ids[slot << this.idShift]!;
        const h = this.mixed ? hashId(id) : plainHashId(id);
        if ((c & TAG_MASK) !== tagOf(h)) throw new Error(`OrderIndex: cell ${i} has the wrong tag for slot ${slot}`);
        if (this.slotHash[slot] !== h) throw new Error(`OrderIndex: slot ${slot}'s stored hash is not its id's`);
        const d = (i - h) & mask;
        if (c >>> DIST_SHIFT !== (d < DIST_MAX ? d : DIST_MAX))
          throw new Error(
            `OrderIndex: cell ${i} (slot ${slot}) records distance ${c >>> DIST_SHIFT}, is ${d} from home`,
          );
        for (let k = h & mask; k !== i; k = (k + 1) & mask)
          if (t[k] === EMPTY) throw new Error(`OrderIndex: cell ${i} (slot ${slot}) is cut off from its home`);
      }
    }
    if (seen !== this.count) throw new Error(`OrderIndex: ${seen} cells for count ${this.count}`);
    if (!this.migrating)
      for (let i = 0; i < this.cellsMax; i++)
        if (this.old[i] !== EMPTY) throw new Error(`OrderIndex: idle table holds cell ${i}`);
    for (let i = this.curMask + 1; i < this.cellsMax; i++)
      if (this.cur[i] !== EMPTY) throw new Error(`OrderIndex: cell ${i} beyond the table in use`);
  }
}
