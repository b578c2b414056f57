// Open-addressing hash map from an integer key in [0, 2^53) to an int32 value,
// over typed arrays allocated once: no allocation per lookup, insert or remove.
// Linear probing with backward-shift deletion, so there are no tombstones and a
// lookup never walks further than the longest cluster.

import { NIL } from "./constants.ts";

const EMPTY = -1;
const TWO_32 = 4294967296;

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Mixes both 32-bit halves of the key; sequential ids spread evenly. */
export function hashKey(key: number): number {
  const lo = key >>> 0;
  const hi = (key / TWO_32) >>> 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  return h ^ (h >>> 13);
}

export class IdIndex {
  /** Entries the index promises to hold; the table is at least twice as large (load <= 0.5). */
  readonly entriesMax: number;
  readonly keys: Float64Array;
  readonly vals: Int32Array;
  readonly mask: number;
  count = 0;

  constructor(entriesMax: number) {
    if (!(Number.isInteger(entriesMax) && entriesMax >= 1 && entriesMax <= 1 << 28)) {
      throw new Error(`IdIndex entriesMax ${entriesMax} must be an integer in [1, 2^28]`);
    }
    const size = nextPowerOfTwo(entriesMax * 2);
    this.entriesMax = entriesMax;
    this.keys = new Float64Array(size).fill(EMPTY);
    this.vals = new Int32Array(size);
    this.mask = size - 1;
  }

  /** The value stored for `key`, or NIL. */
  find(key: number): number {
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
    const keys = this.keys;
    const mask = this.mask;
    let i = hashKey(key) & mask;
    for (;;) {
      const k = keys[i]!;
      if (k === EMPTY) break;
      if (k === key) throw new Error(`IdIndex: key ${key} already present`);
      i = (i + 1) & mask;
    }
    keys[i] = key;
    this.vals[i] = val;
    this.count++;
  }

  /** Overwrites the value of a present key. */
  update(key: number, val: number): void {
    const keys = this.keys;
    const mask = this.mask;
    let i = hashKey(key) & mask;
    while (keys[i] !== key) {
      if (keys[i] === EMPTY) throw new Error(`IdIndex: key ${key} not present`);
      i = (i + 1) & mask;
    }
    this.vals[i] = val;
  }

  /** Removes a present key, shifting later members of its cluster back. */
  remove(key: number): void {
    const keys = this.keys;
    const vals = this.vals;
    const mask = this.mask;
    let i = hashKey(key) & mask;
    while (keys[i] !== key) {
      if (keys[i] === EMPTY) throw new Error(`IdIndex: key ${key} not present`);
      i = (i + 1) & mask;
    }
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
    this.count--;
  }

  clear(): void {
    this.keys.fill(EMPTY);
    this.count = 0;
  }

  /** Calls fn for every entry (tests, snapshots). */
  forEach(fn: (key: number, val: number) => void): void {
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (k !== EMPTY) fn(k, this.vals[i]!);
    }
  }
}
