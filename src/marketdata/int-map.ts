// A map from safe-integer keys (order ids, user ids) to int32 values over
// typed arrays: open addressing, linear probing, backward-shift deletion (no
// tombstones), doubled when half full. A lookup, insert or delete allocates
// nothing; only growth allocates, once per doubling. The order store does
// several of these per order event, where a JS Map measured ~27% of the
// replica's time (profile in the market-data README).

import { hashKey as hash } from "../engine/id-index.ts";

const EMPTY = -1;

export class IntMap {
  private keys: Float64Array;
  private vals: Int32Array;
  private mask: number;
  size = 0;

  constructor(capacity = 1024) {
    let n = 16;
    while (n < capacity * 2) n *= 2;
    this.keys = new Float64Array(n);
    this.vals = new Int32Array(n).fill(EMPTY);
    this.mask = n - 1;
  }

  /** The value of `key`, or -1. */
  get(key: number): number {
    const keys = this.keys;
    const vals = this.vals;
    for (let i = hash(key) & this.mask; ; i = (i + 1) & this.mask) {
      const v = vals[i]!;
      if (v === EMPTY) return EMPTY;
      if (keys[i] === key) return v;
    }
  }

  /** Sets `key` to `value` (>= 0). */
  set(key: number, value: number): void {
    if (!(value >= 0)) throw new Error(`IntMap: value ${value} must be >= 0`);
    if ((this.size + 1) * 2 > this.vals.length) this.grow();
    const keys = this.keys;
    const vals = this.vals;
    for (let i = hash(key) & this.mask; ; i = (i + 1) & this.mask) {
      if (vals[i] === EMPTY) {
        keys[i] = key;
        vals[i] = value;
        this.size++;
        return;
      }
      if (keys[i] === key) {
        vals[i] = value;
        return;
      }
    }
  }

  /** Removes `key`; false when it was absent. */
  delete(key: number): boolean {
    const keys = this.keys;
    const vals = this.vals;
    const mask = this.mask;
    let i = hash(key) & mask;
    for (; ; i = (i + 1) & mask) {
      if (vals[i] === EMPTY) return false;
      if (keys[i] === key) break;
    }
    // Backward shift: move later entries of the run into the hole when their home allows it.
    for (let j = (i + 1) & mask; vals[j] !== EMPTY; j = (j + 1) & mask) {
      const home = hash(keys[j]!) & mask;
      if (((j - home) & mask) >= ((j - i) & mask)) {
        keys[i] = keys[j]!;
        vals[i] = vals[j]!;
        i = j;
      }
    }
    vals[i] = EMPTY;
    this.size--;
    return true;
  }

  /** Bytes of the tables. */
  bytes(): number {
    return this.vals.length * 12;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldVals = this.vals;
    const n = oldVals.length * 2;
    this.keys = new Float64Array(n);
    this.vals = new Int32Array(n).fill(EMPTY);
    this.mask = n - 1;
    this.size = 0;
    for (let i = 0; i < oldVals.length; i++) if (oldVals[i] !== EMPTY) this.set(oldKeys[i]!, oldVals[i]!);
  }
}
