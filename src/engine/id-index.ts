// Map from an integer key in [0, 2^53) to an int32 value over typed arrays
// allocated once: no allocation per lookup, insert or remove.
//
// Two tables. The primary is direct-mapped on the key's low bits: order ids
// are mostly sequential, so live ids sit side by side in memory (few cache and
// TLB misses) and a lookup is one cell of 16 bytes. A key whose primary cell
// is taken goes to the overflow table, open addressing with a mixing hash,
// linear probing and backward-shift deletion (no tombstones); the primary cell
// counts its overflow entries, so a miss costs the overflow only when some key
// really collided there; on a collision the newer key keeps the primary cell. Keys chosen to collide in the primary
// (same low bits) therefore only cost a second lookup in a well-mixed table, never a long probe.

import { NIL } from "./constants.ts";

const EMPTY = -1;
const TWO_32 = 4294967296;

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Mixes both 32-bit halves of the key (overflow table). */
export function hashKey(key: number): number {
  const lo = key >>> 0;
  const hi = (key / TWO_32) >>> 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  return h ^ (h >>> 13);
}

export class IdIndex {
  readonly entriesMax: number;
  /**
   * Primary cells of four int32: key low half (ToInt32), key high half (-1 when
   * empty), value, and how many overflow entries have this cell as their
   * primary (so a miss here usually ends the lookup without touching overflow).
   */
  readonly direct: Int32Array;
  readonly directMask: number;
  /** Overflow table, at least twice entriesMax so its load stays <= 0.5. */
  readonly keys: Float64Array;
  readonly vals: Int32Array;
  readonly mask: number;
  count = 0;
  overflowCount = 0;

  constructor(entriesMax: number) {
    if (!(Number.isInteger(entriesMax) && entriesMax >= 1 && entriesMax <= 1 << 28)) {
      throw new Error(`IdIndex entriesMax ${entriesMax} must be an integer in [1, 2^28]`);
    }
    this.entriesMax = entriesMax;
    // Four cells per entry: live ids spread over a window much wider than the
    // live count (old quotes linger deep in the book) and should still land here.
    const directSize = nextPowerOfTwo(entriesMax * 4);
    this.direct = new Int32Array(directSize * 4);
    this.directMask = directSize - 1;
    const size = nextPowerOfTwo(entriesMax * 2);
    this.keys = new Float64Array(size);
    this.vals = new Int32Array(size);
    this.mask = size - 1;
    this.clear();
  }

  /** The value stored for `key`, or NIL (also for any key outside [0, 2^53), which can never be stored). */
  find(key: number): number {
    if (!(key >= 0)) return NIL;
    const lo = key | 0;
    const d = this.direct;
    const c = (lo & this.directMask) << 2;
    if (d[c] === lo && d[c + 1] === ((key / TWO_32) | 0)) return d[c + 2]!;
    if (d[c + 3] === 0) return NIL;
    return this.findOverflow(key);
  }

  private findOverflow(key: number): number {
    const keys = this.keys;
    const mask = this.mask;
    let i = hashKey(key) & mask;
    for (;;) {
      const k = keys[i]!;
      if (k === key) return this.vals[i]!;
      if (k === EMPTY) return NIL;
      i = (i + 1) & mask;
    }
  }

  /** Inserts a key that is not present. The caller checks `count < entriesMax` first. */
  insert(key: number, val: number): void {
    if (this.count >= this.entriesMax) throw new Error("IdIndex full: caller must check capacity first");
    if (!(key >= 0 && key <= Number.MAX_SAFE_INTEGER && Math.floor(key) === key))
      throw new Error(`IdIndex: key ${key} is not an integer in [0, 2^53)`);
    const lo = key | 0;
    const hi = (key / TWO_32) | 0;
    const d = this.direct;
    const c = (lo & this.directMask) << 2;
    if ((d[c] === lo && d[c + 1] === hi) || (d[c + 3] !== 0 && this.findOverflow(key) !== NIL)) {
      throw new Error(`IdIndex: key ${key} already present`);
    }
    this.count++;
    if (d[c + 1] !== EMPTY) {
      // The newest key takes the primary cell and the older one moves to overflow:
      // recent orders are the ones cancelled, modified and filled soonest.
      this.insertOverflow(d[c + 1]! * TWO_32 + (d[c]! >>> 0), d[c + 2]!);
      d[c + 3]!++;
    }
    d[c] = lo;
    d[c + 1] = hi;
    d[c + 2] = val;
  }

  private insertOverflow(key: number, val: number): void {
    const keys = this.keys;
    const mask = this.mask;
    let i = hashKey(key) & mask;
    while (keys[i] !== EMPTY) i = (i + 1) & mask;
    keys[i] = key;
    this.vals[i] = val;
    this.overflowCount++;
  }

  /** Overwrites the value of a present key. */
  update(key: number, val: number): void {
    const lo = key | 0;
    const d = this.direct;
    const c = (lo & this.directMask) << 2;
    if (d[c] === lo && d[c + 1] === ((key / TWO_32) | 0)) {
      d[c + 2] = val;
      return;
    }
    this.vals[this.overflowRow(key)] = val;
  }

  /** Removes a present key. */
  remove(key: number): void {
    const lo = key | 0;
    const d = this.direct;
    const c = (lo & this.directMask) << 2;
    if (d[c] === lo && d[c + 1] === ((key / TWO_32) | 0)) {
      d[c + 1] = EMPTY;
      this.count--;
      return;
    }
    this.removeOverflow(this.overflowRow(key));
    d[c + 3]!--;
    this.count--;
  }

  private overflowRow(key: number): number {
    const keys = this.keys;
    const mask = this.mask;
    let i = hashKey(key) & mask;
    while (keys[i] !== key) {
      if (keys[i] === EMPTY) throw new Error(`IdIndex: key ${key} not present`);
      i = (i + 1) & mask;
    }
    return i;
  }

  /** Empties row i, shifting later members of its cluster back. */
  private removeOverflow(row: number): void {
    const keys = this.keys;
    const vals = this.vals;
    const mask = this.mask;
    let i = row;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const k = keys[j]!;
      if (k === EMPTY) break;
      const home = hashKey(k) & mask;
      // Entry j may move back to i only if its home is not cyclically within (i, j].
      const stays = i <= j ? i < home && home <= j : i < home || home <= j;
      if (stays) continue;
      keys[i] = k;
      vals[i] = vals[j]!;
      i = j;
    }
    keys[i] = EMPTY;
    this.overflowCount--;
  }

  clear(): void {
    const d = this.direct;
    for (let c = 0; c < d.length; c += 4) {
      d[c + 1] = EMPTY;
      d[c + 3] = 0;
    }
    this.keys.fill(EMPTY);
    this.count = 0;
    this.overflowCount = 0;
  }

  /** Calls fn for every entry (tests, snapshots). */
  forEach(fn: (key: number, val: number) => void): void {
    const d = this.direct;
    for (let c = 0; c < d.length; c += 4) if (d[c + 1] !== EMPTY) fn(d[c + 1]! * TWO_32 + (d[c]! >>> 0), d[c + 2]!);
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY) fn(keys[i]!, this.vals[i]!);
  }
}
