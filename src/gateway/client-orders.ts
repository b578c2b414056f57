// One user's live orders by client order id: client order id -> exchange
// order id, and the orders in the order they were added (ascending order id:
// ids only grow) for OpenOrders answers, which read them page by page while
// orders come and go.
//
// Typed-array columns instead of a Map: the gateway adds and removes one entry
// per order, a million times a second at full load, and a JS Map's entries and
// iterator results are heap cells (garbage the collector pauses for). Nothing
// is allocated except when a column doubles.
//
// - The index: open addressing with linear probing over a power-of-two table
//   kept at most half full; removal shifts the probe run back (no tombstones).
// - The log: (client id, order id) pairs in the order added. A removed order's
//   pair stays until the log is compacted; a reader skips pairs whose client
//   id no longer names that order. Compaction runs when the log is full and
//   at least half of it is dead, so each pair is moved O(1) times on average.
//   The one reader position (`cursor`, the answer being written) moves with
//   its pair.

/** Marks a free index slot (client ids are at least 0). */
const empty = -1;
/** Smallest index and log sizes. */
const slotsInitial = 16;
const logInitial = 16;

export class ClientOrders {
  private keys = new Float64Array(slotsInitial).fill(empty);
  private values = new Float64Array(slotsInitial);
  private mask = slotsInitial - 1;
  private countValue = 0;
  private logCid = new Float64Array(logInitial);
  private logOid = new Float64Array(logInitial);
  private logLength = 0;
  /** Log position of the next pair an answer reads (-1: no answer being written). */
  cursor = -1;
  /** Whose answer the cursor belongs to (a session ending late must not close a newer session's cursor). */
  private cursorOwner: object | null = null;

  /** Live orders. */
  get size(): number {
    return this.countValue;
  }

  /** The exchange order id `clientId` names, or -1. */
  get(clientId: number): number {
    // -1 is the free slot's mark: no client id below 0 is ever stored.
    if (!(clientId >= 0)) return -1;
    const keys = this.keys;
    for (let i = slotOf(clientId, this.mask); ; i = (i + 1) & this.mask) {
      const k = keys[i]!;
      if (k === clientId) return this.values[i]!;
      if (k === empty) return -1;
    }
  }

  has(clientId: number): boolean {
    return this.get(clientId) >= 0;
  }

  /** Records a live order (`clientId` names it from now on). */
  add(clientId: number, orderId: number): void {
    if (!(clientId >= 0 && orderId >= 0)) throw new Error(`client orders: ids ${clientId}, ${orderId} must be >= 0`);
    if (this.insert(clientId, orderId)) {
      this.countValue++;
      if (2 * this.countValue > this.keys.length) this.grow();
    }
    this.append(clientId, orderId);
  }

  /** Drops `clientId` if it still names `orderId` (a later order may reuse a client id). */
  forget(clientId: number, orderId: number): void {
    if (!(clientId >= 0)) return;
    const keys = this.keys;
    const mask = this.mask;
    let i = slotOf(clientId, mask);
    for (; ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === empty) return;
      if (k === clientId) break;
    }
    if (this.values[i] !== orderId) return;
    this.countValue--;
    // Backward-shift deletion: pull later members of the probe run into the hole.
    for (let j = (i + 1) & mask; keys[j] !== empty; j = (j + 1) & mask) {
      const home = slotOf(keys[j]!, mask);
      // Move j's key to i if its home is not in (i, j] cyclically.
      if (((j - home) & mask) >= ((j - i) & mask)) {
        keys[i] = keys[j]!;
        this.values[i] = this.values[j]!;
        i = j;
      }
    }
    keys[i] = empty;
  }

  /** Starts reading the log from its beginning for `owner`'s answer. */
  openCursor(owner: object): void {
    this.cursor = 0;
    this.cursorOwner = owner;
  }

  /** `owner`'s answer is done (or abandoned). */
  closeCursor(owner: object): void {
    if (this.cursorOwner !== owner) return;
    this.cursor = -1;
    this.cursorOwner = null;
  }

  /** Log positions run from 0 to `logEnd` (exclusive); read with `liveAt`, `orderIdAt`. */
  get logEnd(): number {
    return this.logLength;
  }

  /** Whether the pair at log position `at` is a live order. */
  liveAt(at: number): boolean {
    return this.get(this.logCid[at]!) === this.logOid[at]!;
  }

  orderIdAt(at: number): number {
    return this.logOid[at]!;
  }

  clientIdAt(at: number): number {
    return this.logCid[at]!;
  }

  /** Inserts or replaces; true when the key is new. */
  private insert(clientId: number, orderId: number): boolean {
    const keys = this.keys;
    for (let i = slotOf(clientId, this.mask); ; i = (i + 1) & this.mask) {
      const k = keys[i]!;
      if (k === empty) {
        keys[i] = clientId;
        this.values[i] = orderId;
        return true;
      }
      if (k === clientId) {
        this.values[i] = orderId;
        return false;
      }
    }
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    this.keys = new Float64Array(oldKeys.length * 2).fill(empty);
    this.values = new Float64Array(oldKeys.length * 2);
    this.mask = this.keys.length - 1;
    for (let i = 0; i < oldKeys.length; i++) if (oldKeys[i] !== empty) this.insert(oldKeys[i]!, oldValues[i]!);
  }

  private append(clientId: number, orderId: number): void {
    if (this.logLength === this.logCid.length) {
      if (2 * this.countValue <= this.logLength) this.compact();
      else this.growLog();
    }
    this.logCid[this.logLength] = clientId;
    this.logOid[this.logLength] = orderId;
    this.logLength++;
  }

  /** Keeps the live pairs, in order; the reader's position moves with its pair. */
  private compact(): void {
    let kept = 0;
    let cursor = -1;
    for (let at = 0; at < this.logLength; at++) {
      if (at === this.cursor) cursor = kept;
      if (!this.liveAt(at)) continue;
      this.logCid[kept] = this.logCid[at]!;
      this.logOid[kept] = this.logOid[at]!;
      kept++;
    }
    if (this.cursor >= 0) this.cursor = cursor >= 0 ? cursor : kept;
    this.logLength = kept;
  }

  private growLog(): void {
    const cid = new Float64Array(this.logCid.length * 2);
    const oid = new Float64Array(this.logOid.length * 2);
    cid.set(this.logCid);
    oid.set(this.logOid);
    this.logCid = cid;
    this.logOid = oid;
  }
}

/** Index slot of a client id: its low and high 32 bits mixed (ids are often small consecutive numbers). */
function slotOf(clientId: number, mask: number): number {
  const lo = clientId | 0;
  const hi = (clientId / 4294967296) | 0;
  const h = Math.imul(lo ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1);
  return (h ^ (h >>> 16)) & mask;
}
